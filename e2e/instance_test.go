//go:build linux

package e2e

// Instance runs one `peerline --headless` in a namespace and holds a bridge
// client connected to it. Its stderr is kept and shown when the test
// fails; the process is killed when the test ends.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/peerline/peerline/app/bridge/bridgetest"
	"github.com/peerline/peerline/internal/netnstest"
)

// Timeouts for process life cycle steps.
const (
	readyTimeout = 15 * time.Second // exec → "ui:" line
	quitTimeout  = 10 * time.Second // SIGTERM → exit
)

// Options are the command-line choices of one instance.
type Options struct {
	// Name is --name (default: the instance's label).
	Name string
	// HubPort is --hub-port (0: not given, the app's default).
	HubPort int
	// RingTimeout is --ring-timeout (0: not given).
	RingTimeout time.Duration
	// SignalURL is --signal-url ("": not given).
	SignalURL string
	// NoDiscovery gives --no-discovery.
	NoDiscovery bool
	// Interfaces gives --interfaces (comma-separated).
	Interfaces []string
	// Extra flags, appended as they are.
	Extra []string
	// Env is added to the process's environment (KEY=VALUE).
	Env []string
}

func (o Options) args(dataDir string) []string {
	a := []string{"--headless", "--data-dir", dataDir, "--name", o.Name, "--ui-addr", "127.0.0.1:0"}
	if o.HubPort != 0 {
		a = append(a, "--hub-port", strconv.Itoa(o.HubPort))
	}
	if o.RingTimeout != 0 {
		a = append(a, "--ring-timeout", o.RingTimeout.String())
	}
	if o.SignalURL != "" {
		a = append(a, "--signal-url", o.SignalURL)
	}
	if o.NoDiscovery {
		a = append(a, "--no-discovery")
	}
	if len(o.Interfaces) > 0 {
		a = append(a, "--interfaces", strings.Join(o.Interfaces, ","))
	}
	return append(a, o.Extra...)
}

// Instance is one running (or stopped) peerline process.
type Instance struct {
	t     testing.TB
	Label string // short name for logs: "A", "B" …
	NS    *netnstest.Netns
	Dir   string // --data-dir, kept across restarts
	Opts  Options
	home  string

	// Per run, set by start.
	cmd     *exec.Cmd
	PID     int
	Started time.Time     // just before exec
	Ready   time.Duration // exec → "ui:" line
	URL     string
	client  *bridgetest.Client
	exited  chan struct{}
	exitErr error
	stderr  *lineLog
	stdout  *lineLog // every stdout line, the "ui:" line first
	mark    int      // WaitEvent starts looking at this event index
	runs    int
	me      *Me
}

// StartInstance starts `peerline --headless` as label in ns and connects a
// bridge client to it. It fails t if the instance does not come up.
func StartInstance(t testing.TB, ns *netnstest.Netns, label string, opts Options) *Instance {
	t.Helper()
	if opts.Name == "" {
		opts.Name = label
	}
	base := t.TempDir()
	in := &Instance{t: t, Label: label, NS: ns, Dir: filepath.Join(base, "data"), home: filepath.Join(base, "home"), Opts: opts}
	for _, d := range []string{in.Dir, in.home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(in.cleanup)
	if err := in.start(); err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	return in
}

// start runs the process and connects the client.
func (in *Instance) start() error {
	in.runs++
	in.me = nil
	in.mark = 0
	in.stderr = &lineLog{prefix: fmt.Sprintf("%s#%d: ", in.Label, in.runs), t: in.t, live: os.Getenv(envLogs) == "1"}
	in.stdout = &lineLog{}
	cmd := in.NS.Command(peerlineBin, in.Opts.args(in.Dir)...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + in.home,
		"XDG_CONFIG_HOME=" + filepath.Join(in.home, ".config"),
		"XDG_DATA_HOME=" + filepath.Join(in.home, ".local", "share"),
		"XDG_CACHE_HOME=" + filepath.Join(in.home, ".cache"),
		"LANG=C.UTF-8",
		// No DISPLAY, WAYLAND_DISPLAY or BROWSER: headless must need none.
	}
	cmd.Env = append(cmd.Env, in.Opts.Env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = in.stderr
	cmd.WaitDelay = 2 * time.Second
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	cmd.Stdout = w
	in.Started = time.Now()
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return fmt.Errorf("start %s: %w", peerlineBin, err)
	}
	w.Close()
	in.cmd, in.PID = cmd, cmd.Process.Pid
	in.exited = make(chan struct{})
	exited := in.exited
	go func() {
		in.exitErr = cmd.Wait()
		close(exited)
	}()
	ui := make(chan string, 1)
	stdout := in.stdout
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		first := true
		for sc.Scan() {
			stdout.Write([]byte(sc.Text() + "\n"))
			if first {
				first = false
				ui <- sc.Text()
			}
		}
		close(ui)
	}()
	var line string
	select {
	case l, ok := <-ui:
		if !ok {
			<-exited
			return fmt.Errorf("exited before printing the ui line (%v); stderr:\n%s", in.exitErr, in.stderr.Tail(40))
		}
		line = l
	case <-time.After(readyTimeout):
		return fmt.Errorf("no ui line within %v; stderr:\n%s", readyTimeout, in.stderr.Tail(40))
	}
	in.Ready = time.Since(in.Started)
	u, ok := strings.CutPrefix(line, "ui: ")
	if !ok || !strings.HasPrefix(u, "http://127.0.0.1:") || !strings.Contains(u, "/#token=") {
		return fmt.Errorf("first stdout line is %q, want \"ui: http://127.0.0.1:PORT/#token=TOKEN\"", line)
	}
	in.URL = u
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", in.PID)); err != nil || filepath.Base(exe) != filepath.Base(peerlineBin) {
		return fmt.Errorf("pid %d is %q (%v), not peerline: signals would miss it", in.PID, exe, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := bridgetest.Dial(ctx, u, in.NS.DialContext)
	if err != nil {
		return fmt.Errorf("bridge: %w", err)
	}
	in.client = c
	return nil
}

// cleanup kills the process if it still runs, reports what the contract
// forbids (extra stdout lines, a race report), and shows stderr if the
// test failed.
func (in *Instance) cleanup() {
	if in.client != nil {
		in.client.Close()
	}
	if in.running() {
		in.cmd.Process.Signal(syscall.SIGKILL)
		<-in.exited
		// The call window's browser and its helpers run in the instance's
		// process group and outlive a killed peerline: left alone they keep
		// writing their profile under the data dir while the test's TempDir
		// is removed ("directory not empty"). Right after the exit, so the
		// group's id cannot have been handed to another process yet.
		killGroup(in.PID, 5*time.Second)
		in.checkStdout()
		in.checkRace()
	}
	if in.t.Failed() && in.stderr != nil && !in.stderr.live {
		in.t.Logf("%s stderr (last run, tail):\n%s", in.Label, in.stderr.Tail(80))
	}
}

// killGroup kills process group pgid and waits, up to limit, until none
// of its processes runs (a zombie writes nothing; its reaper may be init).
func killGroup(pgid int, limit time.Duration) {
	if err := syscall.Kill(-pgid, syscall.SIGKILL); errors.Is(err, syscall.ESRCH) {
		return
	}
	for deadline := time.Now().Add(limit); groupRuns(pgid) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
}

// groupRuns reports whether a process of group pgid is alive and not a
// zombie (/proc/PID/stat: state, then the process group, after the name).
func groupRuns(pgid int) bool {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		i := bytes.LastIndexByte(b, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(b[i+1:]))
		if len(f) > 2 && f[0] != "Z" && f[0] != "X" && f[2] == strconv.Itoa(pgid) {
			return true
		}
	}
	return false
}

func (in *Instance) running() bool {
	if in.exited == nil {
		return false
	}
	select {
	case <-in.exited:
		return false
	default:
		return true
	}
}

// checkStdout fails the test if the process printed more than the ui line.
func (in *Instance) checkStdout() {
	if lines := in.stdout.Lines(); len(lines) > 1 {
		in.t.Errorf("%s: stdout must be exactly one line, got %d: %q", in.Label, len(lines), lines)
	}
}

// checkRace fails the test if a -race build reported a data race.
func (in *Instance) checkRace() {
	if strings.Contains(in.stderr.String(), "WARNING: DATA RACE") {
		in.t.Errorf("%s: data race in the app:\n%s", in.Label, in.stderr.Tail(200))
	}
}

// Quit sends SIGTERM and waits for the process to exit; it fails the test
// unless the exit is clean (status 0) and in time. It returns how long the
// process took to exit.
func (in *Instance) Quit() time.Duration {
	in.t.Helper()
	if !in.running() {
		in.t.Fatalf("%s: Quit: not running", in.Label)
	}
	start := time.Now()
	in.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-in.exited:
	case <-time.After(quitTimeout):
		in.cmd.Process.Signal(syscall.SIGKILL)
		<-in.exited
		in.t.Errorf("%s: still running %v after SIGTERM (killed); stderr:\n%s", in.Label, quitTimeout, in.stderr.Tail(40))
	}
	took := time.Since(start)
	if in.exitErr != nil {
		in.t.Errorf("%s: SIGTERM: exit %v, want status 0; stderr:\n%s", in.Label, in.exitErr, in.stderr.Tail(40))
	}
	in.checkStdout()
	in.checkRace()
	in.closeClient()
	return took
}

// WaitExit waits for the process to exit by itself (asked by --quit,
// say); it fails the test unless the exit is clean (status 0) and within
// timeout.
func (in *Instance) WaitExit(timeout time.Duration) {
	in.t.Helper()
	select {
	case <-in.exited:
	case <-time.After(timeout):
		in.cmd.Process.Signal(syscall.SIGKILL)
		<-in.exited
		in.t.Errorf("%s: still running %v after it was asked to quit (killed); stderr:\n%s", in.Label, timeout, in.stderr.Tail(40))
	}
	if in.exitErr != nil {
		in.t.Errorf("%s: exit %v, want status 0; stderr:\n%s", in.Label, in.exitErr, in.stderr.Tail(40))
	}
	in.checkStdout()
	in.checkRace()
	in.closeClient()
}

// Kill9 kills the process with SIGKILL and waits for it.
func (in *Instance) Kill9() {
	in.t.Helper()
	if !in.running() {
		in.t.Fatalf("%s: Kill9: not running", in.Label)
	}
	in.cmd.Process.Signal(syscall.SIGKILL)
	<-in.exited
	in.checkRace()
	in.closeClient()
}

func (in *Instance) closeClient() {
	if in.client != nil {
		in.client.Close()
	}
}

// Restart starts a stopped instance again with the same data dir and
// options, and connects a new client.
func (in *Instance) Restart() {
	in.t.Helper()
	if in.running() {
		in.t.Fatalf("%s: Restart: still running", in.Label)
	}
	if err := in.start(); err != nil {
		in.t.Fatalf("%s: restart: %v", in.Label, err)
	}
}

// Client is the bridge client of the current run.
func (in *Instance) Client() *bridgetest.Client { return in.client }

// Call calls method on the bridge.
func (in *Instance) Call(method string, args ...any) (json.RawMessage, error) {
	return in.client.Call(context.Background(), method, args...)
}

// Do calls method and decodes the result into out (nil: ignore it),
// failing the test on error. Not for use outside the test goroutine.
func (in *Instance) Do(out any, method string, args ...any) {
	in.t.Helper()
	raw, err := in.Call(method, args...)
	if err != nil {
		in.t.Fatalf("%s: %s: %v", in.Label, method, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			in.t.Fatalf("%s: %s: decode %s: %v", in.Label, method, raw, err)
		}
	}
}

// Mark makes later WaitEvent calls ignore the events received so far.
func (in *Instance) Mark() { in.mark = len(in.client.Events()) }

// WaitEvent waits for an event named name for which match (nil: any)
// holds, received since the client connected (or the last Mark). It
// fails the test if none comes within timeout.
func (in *Instance) WaitEvent(name string, match func(json.RawMessage) bool, timeout time.Duration) bridgetest.Event {
	in.t.Helper()
	ev, err := in.TryWaitEvent(name, match, timeout)
	if err != nil {
		in.t.Fatalf("%s: %v; events so far:\n%s", in.Label, err, in.eventDump())
	}
	return ev
}

// TryWaitEvent is WaitEvent returning an error instead of failing.
func (in *Instance) TryWaitEvent(name string, match func(json.RawMessage) bool, timeout time.Duration) (bridgetest.Event, error) {
	ev, _, err := in.client.WaitEvent(in.mark, name, match, timeout)
	return ev, err
}

// Events returns the events named name received since the client
// connected (or the last Mark).
func (in *Instance) Events(name string) []bridgetest.Event {
	all := in.client.Events()
	var out []bridgetest.Event
	for _, ev := range all[min(in.mark, len(all)):] {
		if ev.Name == name {
			out = append(out, ev)
		}
	}
	return out
}

func (in *Instance) eventDump() string {
	var b strings.Builder
	for _, ev := range in.client.Events() {
		fmt.Fprintf(&b, "  %s %s %s\n", ev.At.Format("15:04:05.000"), ev.Name, ev.Data)
	}
	return b.String()
}

// RSS returns the process's resident set size in KiB (VmRSS).
func (in *Instance) RSS() (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", in.PID))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		}
	}
	return 0, errors.New("no VmRSS")
}

// lineLog collects a process's output, optionally copying each line to
// the test log as it comes.
type lineLog struct {
	prefix string
	t      testing.TB
	live   bool

	mu      sync.Mutex
	buf     bytes.Buffer
	partial []byte
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if l.live && l.t != nil {
		l.partial = append(l.partial, p...)
		for {
			i := bytes.IndexByte(l.partial, '\n')
			if i < 0 {
				break
			}
			l.t.Log(l.prefix + string(l.partial[:i]))
			l.partial = l.partial[i+1:]
		}
	}
	return len(p), nil
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Lines returns the complete lines so far.
func (l *lineLog) Lines() []string {
	s := strings.TrimSuffix(l.String(), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// Tail returns the last n lines, prefixed.
func (l *lineLog) Tail(n int) string {
	lines := l.Lines()
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i := range lines {
		lines[i] = "  " + l.prefix + lines[i]
	}
	return strings.Join(lines, "\n")
}
