package files

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults of Config's zero fields.
const (
	// DefaultMaxSize is the largest file accepted: just under 4 GiB.
	DefaultMaxSize = 4<<30 - 1
	// DefaultMaxOpen is how many transfers may be open at once.
	DefaultMaxOpen = 16
	// DefaultIdleTimeout aborts a transfer that got no chunk for that long.
	DefaultIdleTimeout = 2 * time.Minute
	// MaxChunk is the largest Write accepted, bytes.
	MaxChunk = 4 << 20
	// partPrefix and partSuffix frame a partial file's name.
	partPrefix = ".peerline-"
	partSuffix = ".part"
	// maxNumbered bounds the " (n)" names tried for one file.
	maxNumbered = 9999
)

// Config configures a Sink. The zero value writes to DownloadDir().
type Config struct {
	// Dir is where files land. Default DownloadDir(); made if missing.
	Dir string
	// MaxSize is the largest file, bytes. Default DefaultMaxSize.
	MaxSize int64
	// MaxOpen is how many transfers may be open at once. Default DefaultMaxOpen.
	MaxOpen int
	// IdleTimeout aborts a transfer with no Write for this long. Default
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

// Transfer is one open or finished transfer as the UI sees it.
type Transfer struct {
	// ID names the transfer in Write, Finish and Abort.
	ID string `json:"id"`
	// Name is the sanitized name; once finished, the final one ("deck (1).pdf").
	Name string `json:"name"`
	// Size is the announced size, bytes.
	Size int64 `json:"size"`
	// Received is the bytes written so far.
	Received int64 `json:"received"`
	// Path is the file's full path once finished, else "".
	Path string `json:"path"`
}

// Sink receives files. Safe for concurrent use.
type Sink struct {
	cfg    Config
	log    *slog.Logger
	mu     sync.Mutex
	open   map[string]*partial
	closed bool
}

type partial struct {
	mu       sync.Mutex // held across a write: one chunk at a time
	t        Transfer
	f        *os.File
	h        hash.Hash
	part     string
	timer    *time.Timer
	finished bool
}

// New returns a Sink. The directory is made on the first Begin, so a
// sink costs nothing until a file comes.
func New(cfg Config) (*Sink, error) {
	if cfg.Dir == "" {
		d, err := DownloadDir()
		if err != nil {
			return nil, fmt.Errorf("files: download dir: %w", err)
		}
		cfg.Dir = d
	}
	if cfg.MaxSize == 0 {
		cfg.MaxSize = DefaultMaxSize
	}
	if cfg.MaxOpen == 0 {
		cfg.MaxOpen = DefaultMaxOpen
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxSize < 0 || cfg.MaxOpen < 0 || cfg.IdleTimeout < 0 {
		return nil, errors.New("files: negative limit in config")
	}
	return &Sink{cfg: cfg, log: cfg.Logger, open: map[string]*partial{}}, nil
}

// Dir is the directory files land in.
func (s *Sink) Dir() string { return s.cfg.Dir }

// MaxSize is the largest file accepted.
func (s *Sink) MaxSize() int64 { return s.cfg.MaxSize }

// Begin opens a transfer of a file the other side calls name, of size
// bytes: a new hidden .part file in the directory.
func (s *Sink) Begin(ctx context.Context, name string, size int64) (Transfer, error) {
	switch {
	case size == 0:
		return Transfer{}, ErrEmpty
	case size < 0:
		return Transfer{}, fmt.Errorf("files: begin: negative size %d", size)
	case size > s.cfg.MaxSize:
		return Transfer{}, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLarge, size, s.cfg.MaxSize)
	}
	if err := ctx.Err(); err != nil {
		return Transfer{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return Transfer{}, ErrClosed
	}
	if len(s.open) >= s.cfg.MaxOpen {
		return Transfer{}, ErrTooMany
	}
	if err := os.MkdirAll(s.cfg.Dir, 0o755); err != nil {
		return Transfer{}, fmt.Errorf("files: begin: %w", err)
	}
	if err := checkSpace(s.cfg.Dir, size); err != nil {
		return Transfer{}, err
	}
	id, err := newID()
	if err != nil {
		return Transfer{}, err
	}
	part := filepath.Join(s.cfg.Dir, partPrefix+id+partSuffix)
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return Transfer{}, fmt.Errorf("files: begin: %w", err)
	}
	p := &partial{t: Transfer{ID: id, Name: Sanitize(name), Size: size}, f: f, h: sha256.New(), part: part}
	p.timer = time.AfterFunc(s.cfg.IdleTimeout, func() {
		s.log.Info("files: transfer idle, aborted", "id", id)
		_ = s.Abort(id)
	})
	s.open[id] = p
	return p.t, nil
}

// Write appends data at offset, which must be the bytes received so far
// (ErrOffset otherwise: ask Received and resume from there). It returns
// the bytes received after it.
func (s *Sink) Write(id string, offset int64, data []byte) (int64, error) {
	if len(data) > MaxChunk {
		return 0, fmt.Errorf("files: write: chunk of %d bytes, the limit is %d", len(data), MaxChunk)
	}
	p, err := s.get(id)
	if err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return 0, ErrNoTransfer
	}
	if offset != p.t.Received {
		return p.t.Received, fmt.Errorf("%w: offset %d, received %d", ErrOffset, offset, p.t.Received)
	}
	if p.t.Received+int64(len(data)) > p.t.Size {
		return p.t.Received, fmt.Errorf("%w: %d bytes", ErrOverrun, p.t.Received+int64(len(data)))
	}
	p.timer.Reset(s.cfg.IdleTimeout)
	n, err := p.f.Write(data)
	p.h.Write(data[:n])
	p.t.Received += int64(n)
	if err != nil {
		if errors.Is(err, syscall.ENOSPC) {
			err = fmt.Errorf("%w: %w", ErrDiskFull, err)
		}
		// A file that cannot be written is of no use: drop it now.
		s.drop(p)
		return p.t.Received, fmt.Errorf("files: write: %w", err)
	}
	return p.t.Received, nil
}

// Received is the transfer as it stands: the bytes written so far.
func (s *Sink) Received(id string) (Transfer, error) {
	p, err := s.get(id)
	if err != nil {
		return Transfer{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.t, nil
}

// Finish checks that every byte came and that they hash to sum (the
// sender's SHA-256, hex), then gives the file its final name, unique in
// the directory. On a wrong size or hash the .part file is removed and
// the transfer is over.
func (s *Sink) Finish(id, sum string) (Transfer, error) {
	p, err := s.get(id)
	if err != nil {
		return Transfer{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return Transfer{}, ErrNoTransfer
	}
	if p.t.Received != p.t.Size {
		return p.t, fmt.Errorf("%w: %d of %d bytes", ErrIncomplete, p.t.Received, p.t.Size)
	}
	want, err := hex.DecodeString(strings.ToLower(sum))
	got := p.h.Sum(nil)
	if err != nil || len(want) != sha256.Size || subtle.ConstantTimeCompare(want, got) != 1 {
		s.drop(p)
		return p.t, fmt.Errorf("%w: got %x", ErrChecksum, got)
	}
	if err := p.f.Sync(); err != nil {
		s.drop(p)
		return p.t, fmt.Errorf("files: finish: %w", err)
	}
	if err := p.f.Close(); err != nil {
		s.drop(p)
		return p.t, fmt.Errorf("files: finish: %w", err)
	}
	final, err := claim(p.part, s.cfg.Dir, p.t.Name)
	if err != nil {
		s.drop(p)
		return p.t, fmt.Errorf("files: finish: %w", err)
	}
	p.finished = true
	p.timer.Stop()
	s.forget(id)
	p.t.Name = filepath.Base(final)
	p.t.Path = final
	return p.t, nil
}

// Abort ends a transfer and removes its .part file. Aborting one that is
// not open is not an error (both sides may cancel at once).
func (s *Sink) Abort(id string) error {
	p, err := s.get(id)
	if err != nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.finished {
		s.drop(p)
	}
	return nil
}

// Close aborts every open transfer; Begin fails afterwards.
func (s *Sink) Close() error {
	s.mu.Lock()
	s.closed = true
	ids := make([]string, 0, len(s.open))
	for id := range s.open {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	for _, id := range ids {
		_ = s.Abort(id)
	}
	return nil
}

// drop closes and removes p's .part file and forgets p; p.mu is held.
func (s *Sink) drop(p *partial) {
	p.finished = true
	p.timer.Stop()
	_ = p.f.Close()
	if err := os.Remove(p.part); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("files: could not remove a partial file", "path", p.part, "err", err)
	}
	s.forget(p.t.ID)
}

func (s *Sink) forget(id string) {
	s.mu.Lock()
	delete(s.open, id)
	s.mu.Unlock()
}

func (s *Sink) get(id string) (*partial, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.open[id]
	if p == nil {
		return nil, ErrNoTransfer
	}
	return p, nil
}

// claim gives the file at part the name, or the first free "name (n)",
// in dir, never replacing a file that is there.
func claim(part, dir, name string) (string, error) {
	for n := 0; n <= maxNumbered; n++ {
		cand := name
		if n > 0 {
			cand = numbered(name, n)
		}
		dst := filepath.Join(dir, cand)
		err := os.Link(part, dst)
		if err == nil {
			_ = os.Remove(part)
			return dst, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		// No hard links here (FAT, some network shares): take the name
		// with an exclusive create, then move the file over it.
		f, cerr := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(cerr, fs.ErrExist) {
			continue
		}
		if cerr != nil {
			return "", cerr
		}
		f.Close()
		if err := os.Rename(part, dst); err != nil {
			_ = os.Remove(dst)
			return "", err
		}
		return dst, nil
	}
	return "", fmt.Errorf("no free name for %q", name)
}

func newID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("files: id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
