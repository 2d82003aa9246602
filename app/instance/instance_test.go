package instance

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/logbuf"
)

// newLocked claims dir with its log in a buffer; hook is the activate hook.
func newLocked(t *testing.T, dir string, hook func()) (*Instance, *logbuf.Buffer) {
	t.Helper()
	var logs logbuf.Buffer
	in, err := Claim(dir, slog.New(slog.NewTextHandler(&logs, nil)), Hooks{Activate: hook})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	return in, &logs
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func activate(t *testing.T, dir string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return Activate(ctx, dir)
}

func TestSecondLaunchActivatesTheFirst(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int32
	newLocked(t, dir, func() { calls.Add(1) })

	// The second launch still cannot open the data dir...
	if _, err := Claim(dir, quiet(), Hooks{}); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second Claim: %v, want ErrAlreadyRunning", err)
	}
	// ...but it can ask the first to come to the front, each time.
	for i := 1; i <= 3; i++ {
		if err := activate(t, dir); err != nil {
			t.Fatalf("activate %d: %v", i, err)
		}
		if n := calls.Load(); n != int32(i) {
			t.Fatalf("after %d activations the hook ran %d times", i, n)
		}
	}
}

func TestSecondLaunchOfHeadless(t *testing.T) {
	dir := t.TempDir()
	_, logs := newLocked(t, dir, nil)
	if err := activate(t, dir); !errors.Is(err, ErrNoWindow) {
		t.Fatalf("activate a headless app: %v, want ErrNoWindow", err)
	}
	if !strings.Contains(logs.String(), "running headless") {
		t.Errorf("the headless app did not log the request:\n%s", logs)
	}
}

func TestActivateRunningWithNobodyThere(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := Activate(ctx, t.TempDir())
	if err == nil || errors.Is(err, ErrNoWindow) {
		t.Fatalf("activate with no app: %v, want a dial error", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("gave up after %v, want about the context's 300ms", took)
	}
}

// A later launch that comes while the first is still starting (the lock
// taken, the socket not yet there) waits for the socket.
func TestActivateRunningWaitsForTheSocket(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int32
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		errc <- Activate(ctx, dir)
	}()
	time.Sleep(300 * time.Millisecond)
	newLocked(t, dir, func() { calls.Add(1) })
	if err := <-errc; err != nil || calls.Load() != 1 {
		t.Fatalf("activate before the socket existed: %v, hook ran %d times", err, calls.Load())
	}
}

func TestInstanceSocketFile(t *testing.T) {
	dir := t.TempDir()
	a, _ := newLocked(t, dir, func() {})
	path := filepath.Join(dir, socketName)
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != fs.ModeSocket {
		t.Fatalf("%s is %v, want a socket", path, fi.Mode())
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want 0600", fi.Mode().Perm())
	}
	a.Close()
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file after Close: %v, want it removed", err)
	}
}

// A Peerline that died leaves its socket file; the next one replaces it.
// Anything other than a socket at that name is left alone.
func TestInstanceSocketStale(t *testing.T) {
	t.Run("socket", func(t *testing.T) {
		dir := t.TempDir()
		ln, err := net.Listen("unix", filepath.Join(dir, socketName))
		if err != nil {
			t.Fatal(err)
		}
		ln.(*net.UnixListener).SetUnlinkOnClose(false)
		ln.Close() // the file stays, and refuses connections
		var calls atomic.Int32
		newLocked(t, dir, func() { calls.Add(1) })
		if err := activate(t, dir); err != nil || calls.Load() != 1 {
			t.Fatalf("activate after a stale socket: %v, hook ran %d times", err, calls.Load())
		}
	})
	t.Run("regular file", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, socketName)
		if err := os.WriteFile(path, []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		a, logs := newLocked(t, dir, func() {}) // still starts
		if a.Listening() {
			t.Fatal("listening although the socket path is a regular file")
		}
		if !strings.Contains(logs.String(), "is not a socket") {
			t.Errorf("no clear warning in the log:\n%s", logs)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != "mine" {
			t.Fatalf("the regular file was touched: %q, %v", b, err)
		}
	})
}

// sun_path holds about 100 bytes; a deeper data dir still works (Linux
// reaches it through /proc/self/fd), or at least starts (elsewhere).
func TestInstanceSocketLongPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), strings.Repeat("d", 60), strings.Repeat("e", 60))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if len(filepath.Join(dir, socketName)) <= maxSocketPath {
		t.Fatal("the test path is not long enough")
	}
	var calls atomic.Int32
	a, logs := newLocked(t, dir, func() { calls.Add(1) })
	if runtime.GOOS != "linux" {
		if a.Listening() || !strings.Contains(logs.String(), "longer than") {
			t.Fatalf("long path: instance %v, log:\n%s", a.Listening(), logs)
		}
		return
	}
	if err := activate(t, dir); err != nil || calls.Load() != 1 {
		t.Fatalf("activate on a long path: %v, hook ran %d times; log:\n%s", err, calls.Load(), logs)
	}
	if fi, err := os.Lstat(filepath.Join(dir, socketName)); err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Fatalf("socket in the data dir: %v, %v", fi, err)
	}
	a.Close()
	if _, err := os.Lstat(filepath.Join(dir, socketName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("long-path socket after Close: %v, want it removed", err)
	}
}

// Garbage on the socket is logged and dropped; the app keeps answering
// and never runs the hook for it.
func TestInstanceSocketGarbage(t *testing.T) {
	dir := t.TempDir()
	var calls atomic.Int32
	_, logs := newLocked(t, dir, func() { calls.Add(1) })
	for _, tc := range []struct {
		name   string
		send   string
		close  bool   // close the write side after sending
		answer string // prefix of the answer; "" for none
		log    string
	}{
		{"unknown request", "GET / HTTP/1.1\n", false, "error ", "unknown request"},
		{"older protocol", "peerline/0 activate\n", false, "error ", "unknown request"},
		{"request with trailing junk", activateRequest + " please\n", false, "error ", "unknown request"},
		{"binary", "\x00\xff\xfe\n", false, "error ", "unknown request"},
		{"too long", strings.Repeat("A", 10*maxInstanceLine) + "\n", false, "", "longer than"},
		{"no newline", activateRequest, true, "", "without a newline"},
		{"empty", "", true, "", "without a newline"},
		{"silent", "", false, "", "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(logs.String())
			c, err := net.Dial("unix", filepath.Join(dir, socketName))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(instanceTimeout + 3*time.Second))
			if _, err := io.WriteString(c, tc.send); err != nil {
				t.Fatal(err)
			}
			if tc.close {
				c.(*net.UnixConn).CloseWrite()
			}
			// The server closes after answering, or without an answer;
			// closing with our bytes unread resets the connection.
			got, err := io.ReadAll(c)
			if err != nil && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("read the answer: %v", err)
			}
			if tc.answer == "" && len(got) > 0 || tc.answer != "" && !strings.HasPrefix(string(got), tc.answer) {
				t.Errorf("answer %q, want prefix %q", got, tc.answer)
			}
			if l := logs.String()[before:]; !strings.Contains(l, tc.log) {
				t.Errorf("log does not say %q:\n%s", tc.log, l)
			}
			if n := calls.Load(); n != 0 {
				t.Fatalf("garbage ran the hook %d times", n)
			}
			if err := activate(t, dir); err != nil || calls.Load() != 1 {
				t.Fatalf("activate after the garbage: %v, hook ran %d times", err, calls.Load())
			}
			calls.Store(0)
		})
	}
}

func TestInstanceHookPanics(t *testing.T) {
	dir := t.TempDir()
	_, logs := newLocked(t, dir, func() { panic("boom") })
	err := activate(t, dir)
	if err == nil || !strings.Contains(err.Error(), "could not show the window") {
		t.Fatalf("activate with a panicking hook: %v", err)
	}
	if !strings.Contains(logs.String(), "boom") {
		t.Errorf("the panic was not logged:\n%s", logs)
	}
	if err := activate(t, dir); err == nil { // still serving
		t.Fatal("second activate succeeded with a panicking hook")
	}
}

// Close does not wait for a client that says nothing.
func TestInstanceCloseCutsASilentClient(t *testing.T) {
	dir := t.TempDir()
	a, _ := newLocked(t, dir, func() {})
	c, err := net.Dial("unix", filepath.Join(dir, socketName))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(100 * time.Millisecond) // let the server accept it
	start := time.Now()
	a.Close()
	if took := time.Since(start); took > instanceTimeout/2 {
		t.Fatalf("Close took %v with a silent client connected", took)
	}
	// The data dir is free again.
	b, err := Claim(dir, quiet(), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
}

func TestReadLine(t *testing.T) {
	for _, tc := range []struct {
		name, in, want, err string
	}{
		{"line", "hello\nrest", "hello", ""},
		{"empty line", "\n", "", ""},
		{"longest", strings.Repeat("x", maxInstanceLine-1) + "\n", strings.Repeat("x", maxInstanceLine-1), ""},
		{"one too long", strings.Repeat("x", maxInstanceLine) + "\n", "", "longer than"},
		{"no newline", "abc", "", "without a newline"},
		{"nothing", "", "", "without a newline"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readLine(strings.NewReader(tc.in))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("readLine(%q) = %q, %v; want an error with %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("readLine(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

// A later launch's link reaches the open hook, and the window comes up;
// a link the hook refuses is an error on the later launch's side, and
// nothing is activated.
func TestOpenPassesTheLink(t *testing.T) {
	dir := t.TempDir()
	var activated atomic.Int32
	links := make(chan string, 4)
	in, err := Claim(dir, quiet(), Hooks{Activate: func() { activated.Add(1) }, Open: func(link string) error {
		if !strings.HasPrefix(link, "peerline://") {
			return errors.New("not a link")
		}
		links <- link
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	const link = "peerline://add?id=X&name=Ada+Lovelace"
	if err := Open(ctx, dir, link); err != nil {
		t.Fatalf("Open: %v", err)
	}
	if got := <-links; got != link {
		t.Errorf("the hook got %q, want %q", got, link)
	}
	if activated.Load() != 1 {
		t.Errorf("activated %d times, want 1", activated.Load())
	}

	err = Open(ctx, dir, "javascript:alert(1)")
	if err == nil || !strings.Contains(err.Error(), "not a valid Peerline link") || strings.Contains(err.Error(), "javascript") {
		t.Errorf("Open of a refused link: %v, want the running one's refusal, without the link", err)
	}
	if activated.Load() != 1 {
		t.Errorf("a refused link activated the window")
	}
	if err := Open(ctx, dir, "peerline://add?id=X\nactivate"); err == nil {
		t.Errorf("Open of a link with a line break: nil error")
	}
	if err := Open(ctx, dir, "peerline://"+strings.Repeat("a", maxInstanceLine)); err == nil {
		t.Errorf("Open of an oversize link: nil error")
	}
	select {
	case l := <-links:
		t.Errorf("the hook got %q from a refused request", l)
	default:
	}
}

// Without an open hook (nothing to show links in) a link is refused.
func TestOpenWithoutHook(t *testing.T) {
	dir := t.TempDir()
	newLocked(t, dir, func() {})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := Open(ctx, dir, "peerline://add?id=X"); err == nil || !strings.Contains(err.Error(), "does not take links") {
		t.Errorf("Open with no hook: %v", err)
	}
}

// TestQuit: --quit asks the running one to quit and returns once it has
// let go of the data dir; with none running it says so; a Peerline with
// no quit hook refuses, and keeps the data dir.
func TestQuit(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	dir := t.TempDir()
	if err := Quit(ctx, dir); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Quit with none running = %v, want ErrNotRunning", err)
	}
	missing := filepath.Join(dir, "never", "ran")
	start := time.Now()
	if err := Quit(ctx, missing); !errors.Is(err, ErrNotRunning) || time.Since(start) > time.Second {
		t.Fatalf("Quit of a data dir that does not exist = %v after %v, want ErrNotRunning at once", err, time.Since(start))
	}
	if _, err := os.Stat(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Quit created the data dir it asked about: %v", err)
	}

	var in *Instance
	asked := make(chan struct{}, 1)
	in, err := Claim(dir, quiet(), Hooks{Quit: func() {
		asked <- struct{}{}
		go in.Close() // the app's shutdown; hooks must not block (Close waits for this goroutine)
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	if err := Quit(ctx, dir); err != nil {
		t.Fatalf("Quit: %v", err)
	}
	select {
	case <-asked:
	default:
		t.Fatal("Quit returned but the hook never ran")
	}
	if !free(dir) {
		t.Fatal("Quit returned while the data dir is still held")
	}

	dir2 := t.TempDir()
	headless, err := Claim(dir2, quiet(), Hooks{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(headless.Close)
	if err := Quit(ctx, dir2); err == nil || !strings.Contains(err.Error(), "cannot be asked to quit") {
		t.Fatalf("Quit of one without a hook = %v, want a refusal", err)
	}
	if free(dir2) {
		t.Fatal("a refused quit let go of the data dir")
	}
}

// TestToastPassesTheClick: a launch for a toast click hands the click to
// the running one's hook, unread; a refusal is an error that does not
// quote the click; with no Peerline running there is nobody to hand it to.
func TestToastPassesTheClick(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	const click = "v=1&id=7&call=dGhpc2lzYWNhbGw&action=decline"
	if err := Toast(ctx, dir, click); !errors.Is(err, ErrNotRunning) {
		t.Fatalf("Toast with none running: %v, want ErrNotRunning", err)
	}

	clicks := make(chan string, 4)
	in, err := Claim(dir, quiet(), Hooks{Toast: func(args string) error {
		if args != click {
			return errors.New("stale")
		}
		clicks <- args
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	if err := Toast(ctx, dir, click); err != nil {
		t.Fatalf("Toast: %v", err)
	}
	if got := <-clicks; got != click {
		t.Errorf("the hook got %q", got)
	}
	err = Toast(ctx, dir, "v=1&id=8&call=secret&action=decline")
	if err == nil || !strings.Contains(err.Error(), "not a click on a notification showing here") || strings.Contains(err.Error(), "secret") {
		t.Errorf("refused click: %v", err)
	}
	if err := Toast(ctx, dir, click+"\nquit"); err == nil {
		t.Error("a click with a line break was sent")
	}

	// A Peerline with no toast hook (headless, no notifications) refuses.
	dir2 := t.TempDir()
	newLocked(t, dir2, nil)
	if err := Toast(ctx, dir2, click); err == nil || !strings.Contains(err.Error(), "shows no notifications") {
		t.Errorf("Toast with no hook: %v", err)
	}
}
