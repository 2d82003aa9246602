//go:build linux

package e2e

// The desktop binary under Xvfb + openbox, driven with xdotool and xprop
// as a person would drive it: a second launch brings the first window
// back, and the window reopens where it was closed.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/logbuf"
)

// Timeouts of the window tests.
const (
	windowUpTimeout   = 30 * time.Second // exec → a visible window (WebKitGTK is slow to start)
	windowQuitTimeout = 15 * time.Second // SIGTERM → exit
	secondLaunchLimit = 5 * time.Second  // a second launch must be done by then
)

// TestWindowInstance: one window app per data dir. A second launch with
// the same data dir brings the first window back (from minimised) and
// exits 0; a second launch on a headless one fails and says why; the
// window's size and position survive a restart, and a window saved off
// screen reopens on it.
func TestWindowInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts real windows under Xvfb; skipped with -short")
	}
	for _, tool := range []string{"Xvfb", "openbox", "xdotool", "xprop"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs xvfb, openbox, xdotool and x11-utils)", tool)
		}
	}
	bin := buildDesktop(t)
	x := startXServer(t)

	t.Run("SecondLaunchRaisesTheFirst", func(t *testing.T) {
		data := t.TempDir()
		first := x.startWindowApp(t, bin, data)
		x.run(t, "xdotool", "windowminimize", "--sync", first.wid)
		if state := x.wmState(t, first.wid); !strings.Contains(state, "_NET_WM_STATE_HIDDEN") {
			t.Fatalf("xdotool could not minimise the window: %s", state)
		}
		if ids := x.visibleWindows(t, first.cmd.Process.Pid); len(ids) != 0 {
			t.Fatalf("minimised, the window is still viewable: %v", ids)
		}

		code, took, stdout, stderr := x.runToExit(t, bin, "--data-dir", data, "--name", "Ada", "--no-discovery")
		if code != 0 || took > secondLaunchLimit {
			t.Fatalf("second launch: exit %d after %v, want 0 within %v; stderr:\n%s", code, took, secondLaunchLimit, stderr)
		}
		if line := strings.TrimSpace(stderr); strings.Count(line, "\n") != 0 || !strings.Contains(line, "already running") {
			t.Errorf("second launch stderr %q, want one line saying Peerline is already running", stderr)
		}
		if stdout != "" {
			t.Errorf("second launch wrote to stdout: %q", stdout)
		}
		t.Logf("second launch: exit 0 in %v: %s", took.Round(time.Millisecond), strings.TrimSpace(stderr))

		// The first window is back: viewable, not hidden, and focused.
		var state string
		deadline := time.Now().Add(5 * time.Second)
		for {
			state = x.wmState(t, first.wid)
			ids := x.visibleWindows(t, first.cmd.Process.Pid)
			if len(ids) == 1 && ids[0] == first.wid && !strings.Contains(state, "_NET_WM_STATE_HIDDEN") && strings.Contains(state, "Normal") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the first window is not back 5s after the second launch: viewable %v, state %s; app log:\n%s", ids, state, first.log)
			}
			time.Sleep(100 * time.Millisecond)
		}
		if active := strings.TrimSpace(x.run(t, "xdotool", "getactivewindow")); active != first.wid {
			t.Errorf("active window %s, want the raised window %s", active, first.wid)
		}
		if !strings.Contains(first.log.String(), "another launch asked for the window") {
			t.Errorf("the first app did not log the request; log:\n%s", first.log)
		}
		if ids := x.visibleWindowsOfClass(t, "peerline"); len(ids) != 1 {
			t.Errorf("%d peerline windows on screen, want 1: %v", len(ids), ids)
		}

		// A second headless launch has no window to raise: it still fails.
		code, _, stdout, stderr = x.runToExit(t, bin, "--headless", "--data-dir", data, "--no-discovery", "--ui-addr", "127.0.0.1:0")
		if code <= 0 || strings.Contains(stdout, "ui: ") || !strings.Contains(stderr, "already running") {
			t.Errorf("second headless launch: exit %d, stdout %q, stderr %q; want a failure saying it is already running", code, stdout, stderr)
		}
		first.quit(t)
	})

	t.Run("SecondLaunchOfHeadless", func(t *testing.T) {
		data := t.TempDir()
		headless := x.startHeadless(t, bin, data)
		code, took, stdout, stderr := x.runToExit(t, bin, "--data-dir", data, "--no-discovery")
		if code != 1 || took > secondLaunchLimit+time.Second {
			t.Fatalf("window launch on a headless app's data dir: exit %d after %v, want 1 within %v; stderr:\n%s", code, took, secondLaunchLimit, stderr)
		}
		if !strings.Contains(stderr, "already running") || !strings.Contains(stderr, "headless") {
			t.Errorf("stderr %q, want it to say a headless Peerline is already running", stderr)
		}
		if stdout != "" {
			t.Errorf("wrote to stdout: %q", stdout)
		}
		if ids := x.visibleWindowsOfClass(t, "peerline"); len(ids) != 0 {
			t.Errorf("a window opened: %v", ids)
		}
		headless.quit(t)
	})

	t.Run("CloseHidesHiddenStartsHidden", func(t *testing.T) {
		data := t.TempDir()
		app := x.startWindowApp(t, bin, data)
		x.run(t, "xdotool", "windowactivate", "--sync", app.wid)
		x.run(t, "xdotool", "key", "--clearmodifiers", "alt+F4")
		// No tray host under Xvfb: the window is minimised, not hidden, so
		// it can be found again (with a tray it hides; app/tray's tests).
		app.waitLog(t, "no tray here, so it is minimised and Peerline keeps running", 10*time.Second)
		x.waitVisible(t, app, 0)
		if !app.running() {
			t.Fatal("closing the window quit Peerline")
		}
		// Launching it again shows the hidden window.
		if code, _, _, stderr := x.runToExit(t, bin, "--data-dir", data, "--name", "Ada", "--no-discovery"); code != 0 {
			t.Fatalf("second launch: exit %d: %s", code, stderr)
		}
		x.waitVisible(t, app, 1)
		if code, _, _, stderr := x.runToExit(t, bin, "--quit", "--data-dir", data); code != 0 || !strings.Contains(stderr, "Peerline quit") {
			t.Fatalf("--quit: exit %d: %s", code, stderr)
		}
		app.wait(t)

		// --hidden (what start-at-login runs): running, no window, until asked.
		hidden := x.startProcess(t, bin, "--hidden", "--data-dir", data, "--name", "Ada", "--no-discovery", "--log-level", "debug")
		hidden.waitLog(t, "desktop: ui ready", windowUpTimeout) // the page loads in the hidden window
		x.waitVisible(t, hidden, 0)
		if code, _, _, stderr := x.runToExit(t, bin, "--data-dir", data, "--name", "Ada", "--no-discovery"); code != 0 {
			t.Fatalf("launch after --hidden: exit %d: %s", code, stderr)
		}
		x.waitVisible(t, hidden, 1)
		hidden.quit(t) // SIGTERM quits, never just hides
	})

	t.Run("GeometrySurvivesRestart", func(t *testing.T) {
		data := t.TempDir()
		app := x.startWindowApp(t, bin, data)
		def := x.geometry(t, app.wid)
		// Somewhere the defaults (1100x720, centred) are not.
		want := geom{X: 150, Y: 90, W: 900, H: 600}
		x.run(t, "xdotool", "windowsize", "--sync", app.wid, "900", "600")
		x.run(t, "xdotool", "windowmove", "--sync", app.wid, "150", "90")
		moved := x.waitGeometry(t, app.wid, func(g geom) bool { return g.W == want.W && g.H == want.H && g != def }, 5*time.Second)
		if moved == def {
			t.Fatalf("xdotool did not move the window: still %+v", def)
		}
		app.quit(t) // SIGTERM: Wails runs OnBeforeClose, which saves
		if !strings.Contains(app.log.String(), "window geometry saved") {
			t.Fatalf("quit without saving the geometry; log:\n%s", app.log)
		}

		app = x.startWindowApp(t, bin, data)
		got := x.waitGeometry(t, app.wid, func(g geom) bool { return g == moved }, 15*time.Second)
		if got != moved {
			t.Fatalf("after a restart the window is at %+v, want %+v as it was closed (defaults are %+v); log:\n%s", got, moved, def, app.log)
		}
		t.Logf("window closed at %+v reopened at %+v", moved, got)

		// Closed through the window manager this time (openbox's Alt+F4,
		// the close button's path), mostly off screen, as on a monitor
		// that is gone by the next start: it must reopen whole on the
		// 1280x800 screen. (openbox keeps a corner of it on screen.)
		x.run(t, "xdotool", "windowmove", "--sync", app.wid, "2000", "1500")
		offScreen := func(g geom) bool { return g.X+g.W > 1280 && g.Y+g.H > 800 }
		off := x.waitGeometry(t, app.wid, offScreen, 5*time.Second)
		if !offScreen(off) {
			t.Fatalf("xdotool could not move the window off screen: %+v", off)
		}
		x.run(t, "xdotool", "windowactivate", "--sync", app.wid)
		x.run(t, "xdotool", "key", "--clearmodifiers", "alt+F4")
		// Closing keeps Peerline running (minimised: no tray here); --quit ends it.
		app.waitLog(t, "Peerline keeps running", 10*time.Second)
		if !strings.Contains(app.log.String(), "window geometry saved") {
			t.Fatalf("closed through the window manager without saving the geometry; log:\n%s", app.log)
		}
		if code, _, _, stderr := x.runToExit(t, bin, "--quit", "--data-dir", data); code != 0 {
			t.Fatalf("--quit: exit %d: %s", code, stderr)
		}
		app.wait(t)
		app = x.startWindowApp(t, bin, data)
		app.waitLog(t, "window restored", 15*time.Second)
		r := x.settledClientRect(t, app.wid)
		if r.X < 0 || r.Y < 0 || r.X+r.W > 1280 || r.Y+r.H > 800 || r.W != moved.W || r.H != moved.H {
			t.Fatalf("a %dx%d window closed off screen at %+v reopened with its client area at %+v, not whole on the 1280x800 screen; log:\n%s",
				moved.W, moved.H, off, r, app.log)
		}
		t.Logf("window closed off screen at %+v reopened with its client area at %+v", off, r)
		app.quit(t)
	})
}

// buildDesktop builds the desktop binary as TestRealWindow does.
func buildDesktop(t *testing.T) string {
	t.Helper()
	root, _ := filepath.Abs("..")
	if _, err := os.Stat(filepath.Join(root, "frontend", "dist", "index.html")); err != nil {
		t.Fatal("frontend/dist is missing (main.go embeds it): run `make frontend` first")
	}
	bin := filepath.Join(t.TempDir(), "peerline")
	build := exec.Command("go", "build", "-tags", "desktop,production,webkit2_41", "-ldflags", "-w -s", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// xServer is an Xvfb display with openbox managing it.
type xServer struct {
	display string
	home    string
}

// startXServer starts Xvfb on a free display (-displayfd) at 1280x800 and
// openbox on it, and waits until openbox manages the screen.
func startXServer(t *testing.T) *xServer {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	var xlog logbuf.Buffer
	xvfb.Stdout, xvfb.Stderr = &xlog, &xlog
	if err := xvfb.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() { stopProcess(xvfb) })
	num := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		r.Close()
		num <- strings.TrimSpace(line)
	}()
	x := &xServer{home: t.TempDir()}
	select {
	case n := <-num:
		if _, err := strconv.Atoi(n); err != nil {
			t.Fatalf("Xvfb gave display %q; log:\n%s", n, &xlog)
		}
		x.display = ":" + n
	case <-time.After(10 * time.Second):
		t.Fatalf("Xvfb did not start in 10s; log:\n%s", &xlog)
	}
	ob := exec.Command("openbox")
	ob.Env = x.env()
	var oblog logbuf.Buffer
	ob.Stdout, ob.Stderr = &oblog, &oblog
	if err := ob.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopProcess(ob) })
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := x.command("xprop", "-root", "_NET_SUPPORTING_WM_CHECK").Output()
		if err == nil && strings.Contains(string(out), "window id #") {
			return x
		}
		if time.Now().After(deadline) {
			t.Fatalf("openbox did not take the screen in 10s; log:\n%s", &oblog)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// env is a minimal environment on the display, with HOME and the XDG
// dirs in the test's temporary directory.
func (x *xServer) env() []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"DISPLAY=" + x.display,
		"HOME=" + x.home,
		"XDG_CONFIG_HOME=" + filepath.Join(x.home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(x.home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(x.home, ".cache"),
		"LANG=C.UTF-8",
		"NO_AT_BRIDGE=1", // no accessibility bus to look for
	}
}

func (x *xServer) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = x.env()
	return cmd
}

// run runs an X tool and returns its stdout, failing t if it fails.
func (x *xServer) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := x.command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// visibleWindows returns the viewable windows of process pid.
func (x *xServer) visibleWindows(t *testing.T, pid int) []string {
	t.Helper()
	// xdotool search exits 1 when nothing matches.
	out, _ := x.command("xdotool", "search", "--onlyvisible", "--pid", strconv.Itoa(pid)).Output()
	return strings.Fields(string(out))
}

// visibleWindowsOfClass returns the viewable windows whose WM_CLASS
// matches class.
func (x *xServer) visibleWindowsOfClass(t *testing.T, class string) []string {
	t.Helper()
	out, _ := x.command("xdotool", "search", "--onlyvisible", "--class", class).Output()
	return strings.Fields(string(out))
}

// wmState returns the window's _NET_WM_STATE and WM_STATE as xprop prints
// them.
func (x *xServer) wmState(t *testing.T, wid string) string {
	t.Helper()
	return strings.Join(strings.Fields(x.run(t, "xprop", "-id", wid, "_NET_WM_STATE", "WM_STATE")), " ")
}

type geom struct{ X, Y, W, H int }

// waitVisible waits until the app shows n viewable windows.
func (x *xServer) waitVisible(t *testing.T, a *windowApp, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ids := x.visibleWindows(t, a.cmd.Process.Pid)
		if len(ids) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d viewable windows after 10s, want %d: %v; log:\n%s", len(ids), n, ids, a.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// geometry is xdotool getwindowgeometry of the window.
func (x *xServer) geometry(t *testing.T, wid string) geom {
	t.Helper()
	var g geom
	for _, kv := range strings.Fields(x.run(t, "xdotool", "getwindowgeometry", "--shell", wid)) {
		k, v, _ := strings.Cut(kv, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "X":
			g.X = n
		case "Y":
			g.Y = n
		case "WIDTH":
			g.W = n
		case "HEIGHT":
			g.H = n
		}
	}
	return g
}

// waitGeometry polls the window's geometry until ok holds or timeout
// passes, and returns the last one.
func (x *xServer) waitGeometry(t *testing.T, wid string, ok func(geom) bool, timeout time.Duration) geom {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		g := x.geometry(t, wid)
		if ok(g) || time.Now().After(deadline) {
			return g
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// clientRect is the window's client area in root coordinates (xwininfo:
// xdotool's position of a framed window is off by the frame).
func (x *xServer) clientRect(t *testing.T, wid string) geom {
	t.Helper()
	var g geom
	for _, line := range strings.Split(x.run(t, "xwininfo", "-id", wid), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			continue
		}
		switch k {
		case "Absolute upper-left X":
			g.X = n
		case "Absolute upper-left Y":
			g.Y = n
		case "Width":
			g.W = n
		case "Height":
			g.H = n
		}
	}
	return g
}

// settledClientRect waits until the client area stops moving (a move
// goes through GTK's main loop and the window manager) and returns it.
func (x *xServer) settledClientRect(t *testing.T, wid string) geom {
	t.Helper()
	prev := x.clientRect(t, wid)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		time.Sleep(250 * time.Millisecond)
		cur := x.clientRect(t, wid)
		if cur == prev {
			return cur
		}
		prev = cur
	}
	return prev
}

// windowApp is one desktop peerline process.
type windowApp struct {
	cmd     *exec.Cmd
	wid     string   // its window, once visible
	log     *outFile // stderr
	stdout  *outFile
	exited  chan struct{}
	exitErr error
}

func (x *xServer) startProcess(t *testing.T, bin string, args ...string) *windowApp {
	t.Helper()
	return x.startCmd(t, bin, x.command(bin, args...))
}

// startCmd starts cmd, a command of bin on the display (x.command, or
// one run in a network namespace with x.env()).
func (x *xServer) startCmd(t *testing.T, bin string, cmd *exec.Cmd) *windowApp {
	t.Helper()
	dir := t.TempDir()
	a := &windowApp{log: newOutFile(t, dir, "stderr"), stdout: newOutFile(t, dir, "stdout"), exited: make(chan struct{})}
	a.cmd = cmd
	a.cmd.Stdout, a.cmd.Stderr = a.stdout.f, a.log.f
	a.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := a.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		a.exitErr = a.cmd.Wait()
		close(a.exited)
	}()
	t.Cleanup(func() {
		// The group: WebKit's helper processes may outlive the app.
		syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
		<-a.exited
		if t.Failed() {
			t.Logf("%s log:\n%s", filepath.Base(bin), a.log)
		}
	})
	return a
}

// outFile is a process's output in a file. Unlike a pipe, a file needs
// no copying, so Wait does not wait for WebKit's helper processes, which
// inherit it and may outlive the app by a moment.
type outFile struct{ f *os.File }

func newOutFile(t *testing.T, dir, name string) *outFile {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &outFile{f: f}
}

// String returns everything written so far.
func (o *outFile) String() string {
	b, _ := os.ReadFile(o.f.Name())
	return string(b)
}

// startWindowApp starts the window app on data and waits for its window.
func (x *xServer) startWindowApp(t *testing.T, bin, data string) *windowApp {
	t.Helper()
	a := x.startProcess(t, bin, "--data-dir", data, "--name", "Ada", "--no-discovery", "--log-level", "debug")
	deadline := time.Now().Add(windowUpTimeout)
	for {
		if !a.running() {
			t.Fatalf("the window app exited (%v) before showing a window; log:\n%s", a.exitErr, a.log)
		}
		if ids := x.visibleWindows(t, a.cmd.Process.Pid); len(ids) == 1 {
			a.wid = ids[0]
			return a
		} else if len(ids) > 1 {
			t.Fatalf("the app shows %d windows, want 1: %v", len(ids), ids)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no window after %v; log:\n%s", windowUpTimeout, a.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// startHeadless starts `peerline --headless` on data and waits for its
// ui line.
func (x *xServer) startHeadless(t *testing.T, bin, data string) *windowApp {
	t.Helper()
	a := x.startProcess(t, bin, "--headless", "--data-dir", data, "--no-discovery", "--ui-addr", "127.0.0.1:0")
	deadline := time.Now().Add(readyTimeout)
	for !strings.HasPrefix(a.stdout.String(), "ui: ") {
		if !a.running() || time.Now().After(deadline) {
			t.Fatalf("headless app: no ui line (exited: %v); log:\n%s", !a.running(), a.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return a
}

// waitLog waits for text in the app's log.
func (a *windowApp) waitLog(t *testing.T, text string, timeout time.Duration) {
	t.Helper()
	a.logLine(t, text, timeout)
}

// waitFocus waits until the app's last word on its window's focus (the
// webview's debug line, logged as GTK's is-active changes) is want.
func (a *windowApp) waitFocus(t *testing.T, want bool, timeout time.Duration) {
	t.Helper()
	line := fmt.Sprintf(`msg="webview: the window's focus" active=%v`, want)
	deadline := time.Now().Add(timeout)
	for {
		last := ""
		for _, l := range strings.Split(a.log.String(), "\n") {
			if strings.Contains(l, `msg="webview: the window's focus"`) {
				last = l
			}
		}
		if strings.Contains(last, line) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window's focus is not %v after %v (last: %q)", want, timeout, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// logLine waits for a line of the app's log containing text and returns it.
func (a *windowApp) logLine(t *testing.T, text string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		for _, l := range strings.Split(a.log.String(), "\n") {
			if strings.Contains(l, text) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the app log after %v; log:\n%s", text, timeout, a.log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (a *windowApp) running() bool {
	select {
	case <-a.exited:
		return false
	default:
		return true
	}
}

// quit sends SIGTERM and waits for a clean exit.
func (a *windowApp) quit(t *testing.T) {
	t.Helper()
	a.cmd.Process.Signal(syscall.SIGTERM)
	a.wait(t)
}

// wait waits for the process to exit by itself, with status 0.
func (a *windowApp) wait(t *testing.T) {
	t.Helper()
	select {
	case <-a.exited:
	case <-time.After(windowQuitTimeout):
		syscall.Kill(-a.cmd.Process.Pid, syscall.SIGKILL)
		<-a.exited
		t.Fatalf("still running %v after it was told to quit; log:\n%s", windowQuitTimeout, a.log)
	}
	if a.exitErr != nil {
		t.Fatalf("exit %v, want status 0; log:\n%s", a.exitErr, a.log)
	}
}

// runToExit runs bin on the display and waits for it to exit on its own;
// code is -1 if it had to be killed after 10s.
func (x *xServer) runToExit(t *testing.T, bin string, args ...string) (code int, took time.Duration, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = x.env()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		code = -1
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return code, took, out.String(), errb.String()
}

// stopProcess ends a helper process (Xvfb, openbox) and reaps it.
func stopProcess(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}
