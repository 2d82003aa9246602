package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

func newSink(t *testing.T, cfg Config) *Sink {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// listDir is every name in dir, sorted.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

// send writes data in chunks of n bytes.
func send(t *testing.T, s *Sink, id string, data []byte, n int) {
	t.Helper()
	for off := 0; off < len(data); off += n {
		end := min(off+n, len(data))
		got, err := s.Write(id, int64(off), data[off:end])
		if err != nil {
			t.Fatalf("write at %d: %v", off, err)
		}
		if got != int64(end) {
			t.Fatalf("write at %d: received %d, want %d", off, got, end)
		}
	}
}

func TestTransfer(t *testing.T) {
	ctx := context.Background()
	s := newSink(t, Config{})
	data := bytes.Repeat([]byte("peerline "), 20000)
	tr, err := s.Begin(ctx, "deck.pdf", int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	// Only a hidden .part while it comes.
	if names := listDir(t, s.Dir()); len(names) != 1 || names[0] != partPrefix+tr.ID+partSuffix {
		t.Fatalf("during the transfer the dir holds %q", names)
	}
	send(t, s, tr.ID, data, 64<<10)
	done, err := s.Finish(tr.ID, sum(data))
	if err != nil {
		t.Fatal(err)
	}
	if done.Name != "deck.pdf" || done.Path != filepath.Join(s.Dir(), "deck.pdf") {
		t.Fatalf("finished as %+v", done)
	}
	got, _ := os.ReadFile(done.Path)
	if !bytes.Equal(got, data) {
		t.Fatal("the file differs from what was sent")
	}
	if names := listDir(t, s.Dir()); len(names) != 1 {
		t.Fatalf("after the transfer the dir holds %q", names)
	}
	if _, err := s.Write(tr.ID, done.Size, []byte("x")); !errors.Is(err, ErrNoTransfer) {
		t.Fatalf("a write after Finish: %v", err)
	}
}

func TestCollisionsNeverOverwrite(t *testing.T) {
	ctx := context.Background()
	s := newSink(t, Config{})
	if err := os.WriteFile(filepath.Join(s.Dir(), "deck.pdf"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	var names []string
	for i := range 3 {
		data := []byte{byte('a' + i)}
		tr, err := s.Begin(ctx, "deck.pdf", 1)
		if err != nil {
			t.Fatal(err)
		}
		send(t, s, tr.ID, data, 1)
		done, err := s.Finish(tr.ID, sum(data))
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, done.Name)
	}
	want := []string{"deck (1).pdf", "deck (2).pdf", "deck (3).pdf"}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("names %q, want %q", names, want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(s.Dir(), "deck.pdf")); string(b) != "mine" {
		t.Fatalf("the file that was there was overwritten: %q", b)
	}
}

func TestFailures(t *testing.T) {
	ctx := context.Background()
	data := []byte("0123456789")
	cases := []struct {
		name string
		run  func(s *Sink, id string) error
		want error
	}{
		{"checksum mismatch", func(s *Sink, id string) error {
			send(t, s, id, data, 4)
			_, err := s.Finish(id, sum([]byte("something else")))
			return err
		}, ErrChecksum},
		{"not a checksum", func(s *Sink, id string) error {
			send(t, s, id, data, 4)
			_, err := s.Finish(id, "zz")
			return err
		}, ErrChecksum},
		{"abort mid-way", func(s *Sink, id string) error {
			send(t, s, id, data[:5], 4)
			if err := s.Abort(id); err != nil {
				return err
			}
			_, err := s.Write(id, 5, data[5:])
			return err
		}, ErrNoTransfer},
		{"out of order", func(s *Sink, id string) error {
			send(t, s, id, data[:4], 4)
			_, err := s.Write(id, 8, data[8:])
			return err
		}, ErrOffset},
		{"overrun", func(s *Sink, id string) error {
			_, err := s.Write(id, 0, append(data, 'x'))
			return err
		}, ErrOverrun},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := newSink(t, Config{})
			tr, err := s.Begin(ctx, "a.txt", int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.run(s, tr.ID); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			s.Abort(tr.ID)
			if names := listDir(t, s.Dir()); len(names) != 0 {
				t.Fatalf("left behind: %q", names)
			}
		})
	}
}

func TestIncompleteKeepsGoing(t *testing.T) {
	// Finish too early is refused, but the transfer is still open: the
	// rest may still come (a resume).
	s := newSink(t, Config{})
	tr, _ := s.Begin(context.Background(), "a", 4)
	send(t, s, tr.ID, []byte("ab"), 2)
	if _, err := s.Finish(tr.ID, sum([]byte("abcd"))); !errors.Is(err, ErrIncomplete) {
		t.Fatalf("early Finish: %v", err)
	}
	if got, _ := s.Received(tr.ID); got.Received != 2 {
		t.Fatalf("received %d", got.Received)
	}
	send2, err := s.Write(tr.ID, 2, []byte("cd"))
	if err != nil || send2 != 4 {
		t.Fatal(send2, err)
	}
	if _, err := s.Finish(tr.ID, sum([]byte("abcd"))); err != nil {
		t.Fatal(err)
	}
}

func TestBeginRefuses(t *testing.T) {
	s := newSink(t, Config{MaxOpen: 1})
	cases := []struct {
		name string
		size int64
		want error
	}{
		{"empty", 0, ErrEmpty},
		{"4 GiB", 4 << 30, ErrTooLarge},
	}
	for _, c := range cases {
		if _, err := s.Begin(context.Background(), "x", c.size); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := s.Begin(context.Background(), "x", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(context.Background(), "y", 1); !errors.Is(err, ErrTooMany) {
		t.Fatalf("over MaxOpen: %v", err)
	}
	if names := listDir(t, s.Dir()); len(names) != 1 {
		t.Fatalf("dir holds %q", names)
	}
}

func TestIdleTimeoutAborts(t *testing.T) {
	s := newSink(t, Config{IdleTimeout: 50 * time.Millisecond})
	tr, _ := s.Begin(context.Background(), "a", 10)
	send(t, s, tr.ID, []byte("abc"), 3)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := s.Received(tr.ID); errors.Is(err, ErrNoTransfer) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an idle transfer stayed open")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if names := listDir(t, s.Dir()); len(names) != 0 {
		t.Fatalf("left behind: %q", names)
	}
}

func TestCloseRemovesParts(t *testing.T) {
	s := newSink(t, Config{})
	tr, _ := s.Begin(context.Background(), "a", 10)
	send(t, s, tr.ID, []byte("abc"), 3)
	s.Close()
	if names := listDir(t, s.Dir()); len(names) != 0 {
		t.Fatalf("left behind: %q", names)
	}
	if _, err := s.Begin(context.Background(), "a", 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("Begin after Close: %v", err)
	}
}

// A crash mid-write (the process dies, nothing runs) leaves only the
// hidden .part file: no file under the name the sender gave.
func TestCrashLeavesOnlyPart(t *testing.T) {
	if os.Getenv("PEERLINE_FILES_CRASH_DIR") != "" {
		s, _ := New(Config{Dir: os.Getenv("PEERLINE_FILES_CRASH_DIR")})
		tr, _ := s.Begin(context.Background(), "report.pdf", 100)
		s.Write(tr.ID, 0, []byte("half of it"))
		os.Exit(3) // no deferred cleanup, no Close: as a kill would
	}
	dir := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := execCommand(exe, "-test.run=^TestCrashLeavesOnlyPart$")
	cmd.Env = append(os.Environ(), "PEERLINE_FILES_CRASH_DIR="+dir)
	_ = cmd.Run()
	names := listDir(t, dir)
	if len(names) != 1 || filepath.Ext(names[0]) != partSuffix || names[0][0] != '.' {
		t.Fatalf("after a crash the dir holds %q, want one hidden .part", names)
	}
}

func TestXDGDownload(t *testing.T) {
	home := t.TempDir()
	cases := []struct{ file, want string }{
		{`XDG_DOWNLOAD_DIR="$HOME/Téléchargements"`, filepath.Join(home, "Téléchargements")},
		{"# comment\nXDG_DOWNLOAD_DIR=\"/data/dl\"", "/data/dl"},
		{`XDG_DOWNLOAD_DIR="$HOME/"`, ""},
		{`XDG_DESKTOP_DIR="$HOME/Desktop"`, ""},
		{`XDG_DOWNLOAD_DIR="relative"`, ""},
	}
	for _, c := range cases {
		p := filepath.Join(t.TempDir(), "user-dirs.dirs")
		os.WriteFile(p, []byte(c.file), 0o644)
		if got := xdgDownload(p, home); got != c.want {
			t.Errorf("%q: got %q, want %q", c.file, got, c.want)
		}
	}
	t.Setenv(DirEnv, "/override")
	if d, _ := DownloadDir(); d != "/override" {
		t.Errorf("with %s set: %q", DirEnv, d)
	}
}
