package instance

// The instance socket. The Peerline that holds a data dir's lock listens
// on DataDir/peerline.sock (mode 0600). The protocol is one line each way,
// then the server closes:
//
//	client: "peerline/1 activate\n"
//	server: "ok\n"                  the window was asked to come to the front
//	        "no-window\n"           the running Peerline is headless
//	        "error <message>\n"     the request was not understood
//
//	client: "peerline/1 open <invite link>\n"
//	server: "ok\n" | "error <message>\n"
//
//	client: "peerline/1 quit\n"
//	server: "ok\n"                  a full shutdown has started
//	        "error <message>\n"
//
//	client: "peerline/1 toast <click arguments>\n"
//	server: "ok\n"                  the click was taken (what it does, it does)
//	        "error <message>\n"     not a click on a notification showing there
//
// A toast request comes from a launch Windows started for a click on a
// toast (peerline --toast-activated): the running Peerline showed it.
// The arguments are the notification's (app/notify, toastargs.go); this
// package passes them on, unread.
//
// The server reads at most maxInstanceLine bytes within instanceTimeout
// from each connection and answers connections one at a time; anything
// else is logged and dropped.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"
)

// ErrNoWindow means the Peerline running with this data dir is headless:
// it has no window to bring to the front.
var ErrNoWindow = errors.New("the Peerline running with this data dir has no window (it runs --headless)")

const (
	// socketName is the instance socket's file name in the data dir.
	socketName = "peerline.sock"
	// maxSocketPath is the longest socket path bind(2) and connect(2)
	// take on every supported system: sun_path holds 104 bytes on macOS
	// and the BSDs, 108 on Linux and Windows, the terminating NUL included.
	maxSocketPath = 103
	// maxInstanceLine bounds a request or an answer, newline included: an
	// open request carries an invite link (at most 2048 bytes, app/invite).
	maxInstanceLine = 4096
	// instanceTimeout bounds how long the server waits for a request.
	instanceTimeout = 2 * time.Second
	// activateTimeout is how long Activate waits for an answer
	// when its context has no deadline.
	activateTimeout = 5 * time.Second
	// quitTimeout is how long Quit waits for the running one to be gone
	// when its context has no deadline: its shutdown closes calls, the
	// hub and the store (a few seconds at most).
	quitTimeout = 10 * time.Second

	activateRequest = "peerline/1 activate"
	quitRequest     = "peerline/1 quit"
	openPrefix      = "peerline/1 open "  // + an invite link
	toastPrefix     = "peerline/1 toast " // + a toast's click arguments
	answerOK        = "ok"
	answerNoWindow  = "no-window"
	answerError     = "error"
)

// server answers other launches on the instance socket.
type server struct {
	ln    net.Listener
	path  string // the socket file, however long
	log   *slog.Logger
	hooks Hooks
	done  chan struct{}

	mu     sync.Mutex
	conn   net.Conn // the connection being answered, closed by close
	closed bool
}

// listenInstance replaces any socket file left in dir by a Peerline that
// died (the caller holds the data dir's lock, so no live one listens
// there) and listens on a new one, answering with h.
func listen(dir string, log *slog.Logger, h Hooks) (*server, error) {
	path := filepath.Join(dir, socketName)
	if err := removeStaleSocket(path); err != nil {
		return nil, fmt.Errorf("instance: instance socket: %w", err)
	}
	addr, release, err := socketAddr(path)
	if err != nil {
		return nil, fmt.Errorf("instance: instance socket: %w", err)
	}
	ln, err := net.Listen("unix", addr)
	release()
	if err != nil {
		return nil, fmt.Errorf("instance: instance socket: %w", err)
	}
	// Close must unlink path, not addr: a /proc/self/fd name is stale by
	// then, and its number may name another directory.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	// The data dir is private already (0700); this keeps the socket so
	// under any umask. Windows has no such modes.
	if err := os.Chmod(path, 0o600); err != nil && runtime.GOOS != "windows" {
		ln.Close()
		os.Remove(path)
		return nil, fmt.Errorf("instance: instance socket: %w", err)
	}
	return &server{ln: ln, path: path, log: log, hooks: h, done: make(chan struct{})}, nil
}

// removeStaleSocket removes the socket file at path, if any. It refuses
// to remove anything that is not a socket.
func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.Mode().Type() != fs.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket", path)
	}
	return os.Remove(path)
}

// socketAddr returns the name to bind or dial for the socket file at
// path, and a release function to call once that is done. A path longer
// than sun_path takes (maxSocketPath) is reached on Linux through
// /proc/self/fd/N/, N an open descriptor of its directory; elsewhere it
// is an error.
func socketAddr(path string) (addr string, release func(), err error) {
	if len(path) <= maxSocketPath {
		return path, func() {}, nil
	}
	if runtime.GOOS != "linux" {
		return "", nil, fmt.Errorf("socket path %s is %d bytes, longer than the %d the system takes", path, len(path), maxSocketPath)
	}
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return "", nil, err
	}
	addr = fmt.Sprintf("/proc/self/fd/%d/%s", dir.Fd(), filepath.Base(path))
	if len(addr) > maxSocketPath {
		dir.Close()
		return "", nil, fmt.Errorf("socket name %q is too long", filepath.Base(path))
	}
	return addr, func() { dir.Close() }, nil
}

// serve answers connections until close.
func (s *server) serve() {
	backoff := 10 * time.Millisecond
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of descriptors, say: wait rather than spin.
			s.log.Warn("instance: instance socket: accept", "err", err)
			select {
			case <-s.done:
				return
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 10 * time.Millisecond
		if !s.track(c) {
			c.Close()
			return
		}
		s.handle(c)
		s.track(nil)
		c.Close()
	}
}

// track records c as the connection being answered; it reports false
// once the server is closed.
func (s *server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conn = c
	return true
}

// handle reads one request from c and answers it. Nothing a client sends
// can crash the app: reads are bounded in size and time, and a panic in
// the activate hook is logged.
func (s *server) handle(c net.Conn) {
	c.SetDeadline(time.Now().Add(instanceTimeout))
	line, err := readLine(c)
	if err != nil {
		s.log.Warn("instance: instance socket: bad request", "err", err)
		return
	}
	var answer string
	var after func() // runs once the answer is written
	switch {
	case strings.HasPrefix(line, openPrefix):
		answer = s.handleOpen(strings.TrimPrefix(line, openPrefix))
	case line == quitRequest:
		answer, after = s.handleQuit()
	case strings.HasPrefix(line, toastPrefix):
		answer = s.handleToast(strings.TrimPrefix(line, toastPrefix))
	case line != activateRequest:
		s.log.Warn("instance: instance socket: unknown request", "request", line)
		answer = answerError + " unknown request"
	case s.hooks.Activate == nil:
		s.log.Info("instance: another launch asked for the window; running headless")
		answer = answerNoWindow
	default:
		s.log.Info("instance: another launch asked for the window; bringing it to the front")
		if err := s.callActivate(); err != nil {
			s.log.Error("instance: instance socket: activate", "err", err)
			answer = answerError + " could not show the window"
		} else {
			answer = answerOK
		}
	}
	if _, err := io.WriteString(c, answer+"\n"); err != nil {
		s.log.Warn("instance: instance socket: answer", "err", err)
	}
	if after != nil {
		after()
	}
}

// handleOpen passes a link another launch was given to the open hook and
// brings the window to the front. The answer never quotes the link.
func (s *server) handleOpen(link string) string {
	if s.hooks.Open == nil {
		return answerError + " this Peerline does not take links"
	}
	if err := s.callOpen(link); err != nil {
		s.log.Warn("instance: another launch passed a link this one refused", "err", err)
		return answerError + " not a valid Peerline link"
	}
	s.log.Info("instance: another launch passed a link")
	if s.hooks.Activate != nil {
		if err := s.callActivate(); err != nil {
			s.log.Error("instance: instance socket: activate", "err", err)
		}
	}
	return answerOK
}

// handleToast passes a toast click another launch was handed to the
// toast hook. The answer never quotes the click.
func (s *server) handleToast(args string) string {
	if s.hooks.Toast == nil {
		return answerError + " this Peerline shows no notifications"
	}
	if err := callWith(s.hooks.Toast, args); err != nil {
		s.log.Warn("instance: another launch passed a notification click this one refused", "err", err)
		return answerError + " not a click on a notification showing here"
	}
	s.log.Info("instance: another launch passed a notification click")
	return answerOK
}

// callWith runs a hook that takes a line; a panic in it is an error.
func callWith(hook func(string) error, arg string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return hook(arg)
}

func (s *server) callOpen(link string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return s.hooks.Open(link)
}

// handleQuit answers a --quit; the shutdown starts once the answer is
// written (after), since the shutdown closes this connection too.
func (s *server) handleQuit() (answer string, after func()) {
	if s.hooks.Quit == nil {
		return answerError + " this Peerline cannot be asked to quit", nil
	}
	s.log.Info("instance: another launch asked this one to quit")
	return answerOK, func() {
		if err := call(s.hooks.Quit); err != nil {
			s.log.Error("instance: instance socket: quit", "err", err)
		}
	}
}

func (s *server) callActivate() error { return call(s.hooks.Activate) }

// call runs a hook; a panic in it is an error, not a crash.
func call(hook func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	hook()
	return nil
}

// close stops serve (the owner waits for it), cuts the connection being
// answered and removes the socket file.
func (s *server) close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	if s.conn != nil {
		s.conn.Close()
	}
	s.mu.Unlock()
	close(s.done)
	s.ln.Close()
	if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("instance: instance socket: remove", "err", err)
	}
}

// readLine reads one newline-terminated line of at most maxInstanceLine
// bytes and returns it without the newline.
func readLine(r io.Reader) (string, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, maxInstanceLine), maxInstanceLine)
	line, err := br.ReadString('\n')
	switch {
	case err == nil:
		return strings.TrimSuffix(line, "\n"), nil
	case errors.Is(err, io.EOF) && len(line) == maxInstanceLine:
		return "", fmt.Errorf("line longer than %d bytes", maxInstanceLine)
	case errors.Is(err, io.EOF):
		return "", fmt.Errorf("connection closed after %d bytes without a newline", len(line))
	default:
		return "", err
	}
}

// Activate asks the Peerline running with dataDir to bring its window to the front, for a launch that
// found the data dir locked (ErrAlreadyRunning). It returns nil once the
// running one has answered that it did, ErrNoWindow if that one is
// headless, and an error if none answers before ctx ends (default: in
// activateTimeout). While the socket is missing or refuses (the running
// one is still starting), it tries again every 100 ms.
func Activate(ctx context.Context, dataDir string) error {
	return ask(ctx, dataDir, activateRequest, "activate")
}

// Open passes an invite link (peerline://add?…) to the Peerline running
// with dataDir, which checks it, shows Add person filled in from it and
// brings its window to the front. It answers as Activate does, and with
// an error when the running one refused the link; the link must fit on
// one request line.
func Open(ctx context.Context, dataDir, link string) error {
	if strings.ContainsAny(link, "\r\n") || len(openPrefix)+len(link)+1 > maxInstanceLine {
		return errors.New("instance: open: the link is not one short line")
	}
	return ask(ctx, dataDir, openPrefix+link, "open")
}

// Toast passes the click arguments of a toast (a Windows notification)
// to the Peerline running with dataDir, which showed it: a launch Windows
// started for the click calls it. ErrNotRunning when none runs there; an
// error when the running one refused the click (not a notification
// showing there) or did not answer before ctx ends.
func Toast(ctx context.Context, dataDir, args string) error {
	if strings.ContainsAny(args, "\r\n") || len(toastPrefix)+len(args)+1 > maxInstanceLine {
		return errors.New("instance: toast: the click arguments are not one short line")
	}
	if free(dataDir) {
		return ErrNotRunning
	}
	return ask(ctx, dataDir, toastPrefix+args, "toast")
}

// ErrNotRunning means no Peerline holds the data dir: there is nothing
// to ask.
var ErrNotRunning = errors.New("no Peerline is running with this data dir")

// Quit asks the Peerline running with dataDir to quit fully (what
// `peerline --quit` does) and waits until it has: its data dir's lock is
// free, so its hub is closed and its goodbye sent. ErrNotRunning when none
// runs there. It polls the lock every 20 ms: the kernel frees it when the
// process exits, and there is nothing to wait on from outside.
func Quit(ctx context.Context, dataDir string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, quitTimeout)
		defer cancel()
	}
	if free(dataDir) {
		return ErrNotRunning
	}
	if err := ask(ctx, dataDir, quitRequest, "quit"); err != nil {
		return err
	}
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for !free(dataDir) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("instance: quit: it said it would, and still runs: %w", ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// free reports whether dataDir's lock can be taken (and releases it).
// A data dir or lock file that does not exist is free: nobody runs there
// (and nothing is created to find that out).
func free(dataDir string) bool {
	f, err := os.OpenFile(filepath.Join(dataDir, "lock"), os.O_RDWR, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		return false // unreadable: let the socket answer
	}
	defer f.Close()
	if lockFile(f) != nil {
		return false
	}
	unlockFile(f)
	return true
}

// ask sends one request line and reads the answer.
func ask(ctx context.Context, dataDir, request, what string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, activateTimeout)
		defer cancel()
	}
	c, err := dialInstance(ctx, filepath.Join(dataDir, socketName))
	if err != nil {
		return fmt.Errorf("instance: %s: %w", what, err)
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	c.SetDeadline(deadline)
	if _, err := io.WriteString(c, request+"\n"); err != nil {
		return fmt.Errorf("instance: %s: %w", what, err)
	}
	answer, err := readLine(c)
	if err != nil {
		return fmt.Errorf("instance: %s: no answer: %w", what, err)
	}
	switch {
	case answer == answerOK:
		return nil
	case answer == answerNoWindow:
		return ErrNoWindow
	case strings.HasPrefix(answer, answerError+" "):
		return fmt.Errorf("instance: %s: the running Peerline answered: %s", what, strings.TrimPrefix(answer, answerError+" "))
	default:
		return fmt.Errorf("instance: %s: unexpected answer %q", what, answer)
	}
}

func dialInstance(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	for {
		addr, release, err := socketAddr(path)
		if err != nil {
			return nil, err
		}
		c, err := d.DialContext(ctx, "unix", addr)
		release()
		if err == nil {
			return c, nil
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(100 * time.Millisecond):
		}
	}
}
