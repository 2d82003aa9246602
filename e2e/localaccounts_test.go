//go:build linux

package e2e

// Another account on the same computer (docs/security/local-accounts.md):
// it can read every process's command line, and any file or environment
// that is not private. Run as the account nobody against a real app and a
// real call window (Chromium through app/browser), it must find nothing
// that opens the bridge; and the call window's browser sends no
// credential to other local web servers.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/internal/logbuf"
	"github.com/peerline/peerline/internal/netnstest"
	"github.com/peerline/peerline/internal/otheraccount"
	"github.com/peerline/peerline/signaling/identity"
)

// callWindowFlags are the call window's browser flags in these tests
// (peerline adds --app, --user-data-dir and autoplay itself).
const callWindowFlags = "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --use-fake-device-for-media-stream --use-fake-ui-for-media-stream"

// requireChromium returns Chromium's path, skipping where it is not
// installed (failing under CI=true, where it must be).
func requireChromium(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (make test installs it)")
		}
		t.Skip("chromium is not installed (make test installs it)")
	}
	return p
}

// openCallWindow has in open its call window, as the app window does
// where it has no WebRTC, and waits until the window's page is logged in
// and up (it calls Desktop.Ready over the bridge).
func openCallWindow(t *testing.T, in *Instance) {
	t.Helper()
	peer, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Call("Desktop.OpenCallWindow", map[string]any{"action": "call", "peer": peer.ID().String(), "video": false}); err != nil {
		t.Fatalf("Desktop.OpenCallWindow: %v", err)
	}
	// Quit, not kill, at the end: a killed app leaves its browser running,
	// writing into the profile under the data dir while TempDir removes it.
	t.Cleanup(func() {
		if in.running() {
			in.Quit()
		}
		// Chromium's helpers (crashpad, a tab the test opened) can outlive
		// its main process for a moment; end them so TempDir can go.
		endProcessesUsing(t, filepath.Join(in.Dir, "call-window"))
	})
	waitStderr(t, in, `msg="desktop: ui ready" window=browser`, 60*time.Second)
}

func waitStderr(t *testing.T, in *Instance, substr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(in.stderr.String(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: no log line %q within %v; stderr:\n%s", in.Label, substr, timeout, in.stderr.Tail(60))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestOtherAccountGetsNothing: the attacker, as nobody in the app's
// network namespace, watches /proc/*/cmdline and /proc/*/environ and reads
// what it can under the data dir and HOME while the app opens its call
// window; it tries every secret-looking string in every way the bridge
// ever accepted one (Bearer, launch ticket, ?ticket=, ?token=, cookie).
// Nothing may work, and every string it found must be worthless to the
// bridge even from the owner's own account.
func TestOtherAccountGetsNothing(t *testing.T) {
	requireE2E(t)
	otheraccount.Require(t)
	chromium := requireChromium(t)
	ns := netnstest.New(t)
	in := StartInstance(t, ns, "A", Options{NoDiscovery: true, Env: []string{
		"PEERLINE_BROWSER=" + chromium, "PEERLINE_BROWSER_ARGS=" + callWindowFlags}})
	// Let the attacker reach the data dir and HOME themselves: only their
	// own modes may keep it out.
	for d := filepath.Dir(in.Dir); d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		os.Chmod(d, 0o755)
	}
	os.Chmod(in.home, 0o755)
	u, _ := url.Parse(in.URL)
	base := "http://" + u.Host

	bin := otheraccount.Executable(t)
	argv := otheraccount.Argv(bin, "-test.run=^TestHelperAttacker$", "-test.v")
	cmd := ns.Command(argv[0], argv[1:]...)
	cmd.Env = append(otheraccount.Env(), envAttack+"="+strings.Join([]string{base, in.Dir, in.home}, "\t"))
	stdin, _ := cmd.StdinPipe()
	out := &logbuf.Buffer{} // written by the command's copier while the test reads it
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	// The attacker is watching before the call window opens.
	pollUntil(t, "the attacker to start watching", func() bool { return strings.Contains(out.String(), "attack: watching") })

	// The call window opens; on the code before launch pages, the attacker
	// redeems its ticket from the command line before the window does.
	peer, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Call("Desktop.OpenCallWindow", map[string]any{"action": "call", "peer": peer.ID().String(), "video": false}); err != nil {
		t.Fatalf("Desktop.OpenCallWindow: %v", err)
	}
	const ready = `msg="desktop: ui ready" window=browser`
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(in.stderr.String(), ready) && !strings.Contains(out.String(), "attack: success") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	windowUp := strings.Contains(in.stderr.String(), ready)
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("attacker: %v\n%s", err, out.String())
	}
	report := out.String()
	t.Logf("attacker's report (last lines):\n%s", lastLines(report, 15))

	var candidates []string
	for _, l := range strings.Split(report, "\n") {
		switch {
		case strings.HasPrefix(l, "attack: success"):
			t.Errorf("the other account got in: %s", l)
		case strings.HasPrefix(l, "attack: candidate "):
			candidates = append(candidates, strings.TrimPrefix(l, "attack: candidate "))
		}
	}
	// It looked where the secret used to be: the call window's command line.
	if !strings.Contains(report, "attack: saw the call window") {
		t.Errorf("the attacker never saw the call window's command line: the test proves nothing\n%s", lastLines(report, 40))
	}
	// The launch page was named on that command line, and was unreadable.
	if !strings.Contains(report, "attack: cannot read "+filepath.Join(in.Dir, "launch")) && strings.Contains(report, "file://") {
		t.Errorf("the attacker saw a launch page it did not report unreadable:\n%s", lastLines(report, 40))
	}
	// What it saw is worthless even to the owner's account (which the
	// bridge lets connect).
	hc := httpClientIn(ns)
	for _, c := range candidates {
		for _, try := range bridgeAttempts(base, c) {
			if how, ok := try(hc); ok {
				t.Errorf("a string the other account could read opens the bridge (%s): %.8s…", how, c)
			}
		}
	}
	if !windowUp {
		t.Errorf("the call window never came up (logged in and ready); stderr:\n%s", in.stderr.Tail(40))
	}
	t.Logf("%d strings the other account could read, none opens the bridge", len(candidates))
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(l[max(0, len(l)-n):], "\n")
}

func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// envAttack makes TestHelperAttacker run: "BASE\tDIR\tDIR…".
const envAttack = "PEERLINE_E2E_ATTACK"

var secretRE = regexp.MustCompile(`[A-Za-z0-9_-]{20,}`)

// bridgeAttempts are the ways to use a secret s against the bridge at
// base, today's and every earlier one's; each reports how and whether it
// got in.
func bridgeAttempts(base, s string) []func(*http.Client) (string, bool) {
	port := base[strings.LastIndex(base, ":")+1:]
	get := func(hc *http.Client, method, path string, h http.Header) *http.Response {
		req, _ := http.NewRequest(method, base+path, nil)
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	ok := func(r *http.Response) bool { return r != nil && r.StatusCode == 200 }
	return []func(*http.Client) (string, bool){
		func(hc *http.Client) (string, bool) {
			return "bearer token", ok(get(hc, "GET", "/api/info", http.Header{"Authorization": {"Bearer " + s}}))
		},
		func(hc *http.Client) (string, bool) {
			return "launch ticket", ok(get(hc, "POST", "/api/session", http.Header{"Authorization": {"Ticket " + s}}))
		},
		func(hc *http.Client) (string, bool) {
			return "token in the query", ok(get(hc, "GET", "/api/info?token="+url.QueryEscape(s), nil))
		},
		func(hc *http.Client) (string, bool) {
			return "token cookie", ok(get(hc, "GET", "/api/info", http.Header{"Cookie": {"peerline_token_" + port + "=" + s}}))
		},
		func(hc *http.Client) (string, bool) {
			// The old launch URL: ?ticket= traded for a cookie on a page load.
			r := get(hc, "GET", "/?ticket="+url.QueryEscape(s), nil)
			if r == nil {
				return "ticket in the query", false
			}
			for _, c := range r.Cookies() {
				if ok(get(hc, "GET", "/api/info", http.Header{"Cookie": {c.Name + "=" + c.Value}})) {
					return "ticket in the query, traded for a cookie", true
				}
			}
			return "ticket in the query", false
		},
	}
}

// TestHelperAttacker is not a test: TestOtherAccountGetsNothing runs it
// as nobody. It watches until its stdin closes.
func TestHelperAttacker(t *testing.T) {
	arg := os.Getenv(envAttack)
	if arg == "" {
		t.Skip("the attacker of TestOtherAccountGetsNothing")
	}
	parts := strings.Split(arg, "\t")
	base, dirs := parts[0], parts[1:]
	hc := &http.Client{Timeout: 3 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{DisableKeepAlives: true}}
	tried := map[string]bool{}
	saw := map[string]bool{}
	say := func(format string, args ...any) { fmt.Printf("attack: "+format+"\n", args...) }
	var refused int
	try := func(text, where string) {
		for _, s := range secretRE.FindAllString(text, -1) {
			if tried[s] {
				continue
			}
			tried[s] = true
			say("candidate %s", s)
			for _, attempt := range bridgeAttempts(base, s) {
				if how, ok := attempt(hc); ok {
					say("success %s with a string from %s", how, where)
				}
			}
		}
	}
	readFile := func(p, where string) {
		data, err := os.ReadFile(p)
		switch {
		case err == nil:
			try(string(data), where+" → "+p)
		case !saw["unreadable "+p]:
			saw["unreadable "+p] = true
			say("cannot read %s (%v)", p, errors.Unwrap(err))
		}
	}
	stop := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stop) }()
	say("watching as uid %d", os.Getuid())
	final := false
	for {
		procs, _ := filepath.Glob("/proc/[0-9]*")
		for _, p := range procs {
			if cmdline, err := os.ReadFile(p + "/cmdline"); err == nil {
				args := strings.Split(string(cmdline), "\x00")
				for _, a := range args {
					if strings.Contains(a, "--app=") && !saw["window "+p] {
						saw["window "+p] = true
						say("saw the call window: %s", p)
					}
					try(a, p+"/cmdline")
					// A file named on a command line may hold what the argument does not.
					if i := strings.Index(a, "file://"); i >= 0 {
						if fu, err := url.Parse(a[i:]); err == nil {
							readFile(fu.Path, p+"/cmdline")
						}
					}
				}
			}
			if env, err := os.ReadFile(p + "/environ"); err == nil {
				try(string(env), p+"/environ")
			}
		}
		for _, d := range dirs {
			filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
				if err != nil {
					if !saw["unreadable "+p] {
						saw["unreadable "+p] = true
						say("cannot read %s", p)
					}
					return nil
				}
				if e.Type().IsRegular() {
					if info, err := e.Info(); err == nil && info.Size() < 4<<20 {
						readFile(p, "a file")
					}
				}
				return nil
			})
		}
		select {
		case <-stop:
			if !final {
				// One more whole scan: the call window may have come up
				// while this one (slow on a busy machine) was under way.
				final = true
				continue
			}
			// Could it even connect? (Another account's sockets are refused.)
			if _, err := hc.Get(base + "/"); err != nil {
				refused++
			}
			say("done: %d strings tried; connecting as uid %d refused: %v", len(tried), os.Getuid(), refused > 0)
			return
		case <-time.After(2 * time.Millisecond): // /proc has no change event to wait on
		}
	}
}

// TestCallWindowSendsNoCredentialElsewhere: once the call window is logged
// in, its browser asked to load a page of another local server on another
// port sends that server nothing of the bridge's (no cookie, no token).
func TestCallWindowSendsNoCredentialElsewhere(t *testing.T) {
	requireE2E(t)
	otheraccount.Require(t)
	chromium := requireChromium(t)
	ns := netnstest.New(t)
	// The DevTools port lets the test tell the call window's browser what
	// to load (a page the user opened, or a link someone sent).
	in := StartInstance(t, ns, "A", Options{NoDiscovery: true, Env: []string{
		"PEERLINE_BROWSER=" + chromium, "PEERLINE_BROWSER_ARGS=" + callWindowFlags + " --remote-debugging-port=0"}})
	openCallWindow(t, in)
	token := bridgeTokenOf(t, in)

	// Another account's web server on another port of the same 127.0.0.1
	// (TestHelperCollector, run as nobody): it prints what it is sent.
	bin := otheraccount.Executable(t)
	argv := otheraccount.Argv(bin, "-test.run=^TestHelperCollector$", "-test.v")
	cmd := ns.Command(argv[0], argv[1:]...)
	cmd.Env = append(otheraccount.Env(), envCollect+"=1")
	out := &logbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	var addr string
	pollUntil(t, "the other account's server to listen", func() bool {
		for _, l := range strings.Split(out.String(), "\n") {
			if a, ok := strings.CutPrefix(l, "collect: listening "); ok {
				addr = strings.TrimSpace(a)
				return true
			}
		}
		return false
	})
	other := "http://" + addr + "/collect"

	devtools := devToolsURL(t, filepath.Join(in.Dir, "call-window"))
	d := websocket.Dialer{NetDialContext: ns.DialContext, HandshakeTimeout: 5 * time.Second}
	ws, _, err := d.Dial(devtools, nil)
	if err != nil {
		t.Fatalf("DevTools: %v", err)
	}
	defer ws.Close()
	if err := ws.WriteJSON(map[string]any{"id": 1, "method": "Target.createTarget", "params": map[string]any{"url": other}}); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, "the call window's browser to load the other account's page", func() bool {
		return strings.Contains(out.String(), "collect: request ")
	})
	var lines []string
	for _, l := range strings.Split(out.String(), "\n") {
		h, ok := strings.CutPrefix(l, "collect: header ")
		if !ok {
			continue
		}
		lines = append(lines, h)
		k, v, _ := strings.Cut(h, ": ")
		if strings.Contains(v, token) || strings.EqualFold(k, "Cookie") || strings.EqualFold(k, "Authorization") {
			t.Errorf("the call window's browser sent the other account's server %s: %.40s…", k, v)
		}
	}
	if strings.Contains(out.String(), fmt.Sprintf("collect: uid %d\n", os.Getuid())) || !strings.Contains(out.String(), "collect: uid ") {
		t.Fatalf("the collecting server did not run as another account:\n%s", out.String())
	}
	t.Logf("the other account's server got %d headers", len(lines))
}

// envCollect runs TestHelperCollector, the other account's web server of
// TestCallWindowSendsNoCredentialElsewhere.
const envCollect = "PEERLINE_E2E_COLLECT"

// TestHelperCollector is another account's web server on 127.0.0.1: it
// prints its uid, its address, and every header of every request.
func TestHelperCollector(t *testing.T) {
	if os.Getenv(envCollect) == "" {
		t.Skip("the other account's server of TestCallWindowSendsNoCredentialElsewhere")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	fmt.Printf("collect: uid %d\n", os.Getuid())
	fmt.Printf("collect: listening %s\n", ln.Addr())
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		for k, vs := range r.Header {
			for _, v := range vs {
				fmt.Printf("collect: header %s: %s\n", k, v)
			}
		}
		fmt.Printf("collect: request %s\n", r.URL.Path)
		mu.Unlock()
		w.Write([]byte("<!doctype html><title>other</title>"))
	})}
	srv.Serve(ln) // until the test kills it
}

// bridgeTokenOf is the token in in's ui: URL.
func bridgeTokenOf(t *testing.T, in *Instance) string {
	u, _ := url.Parse(in.URL)
	q, _ := url.ParseQuery(u.Fragment)
	if q.Get("token") == "" {
		t.Fatalf("no token in %s", u.Redacted())
	}
	return q.Get("token")
}

// devToolsURL reads the browser's DevTools WebSocket URL from its profile.
func devToolsURL(t *testing.T, profile string) string {
	t.Helper()
	var data []byte
	pollUntil(t, "DevToolsActivePort", func() bool {
		var err error
		data, err = os.ReadFile(filepath.Join(profile, "DevToolsActivePort"))
		return err == nil && strings.Count(string(data), "\n") >= 1
	})
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Scan()
	port := sc.Text()
	sc.Scan()
	return "ws://127.0.0.1:" + port + sc.Text()
}

// endProcessesUsing kills the processes whose command line names dir and
// waits until they are gone (at most 10 s).
func endProcessesUsing(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		pids := processesNaming(dir)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Logf("processes still using %s after 10 s: %v", dir, pids)
			return
		}
		for _, pid := range pids {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond) // a kill has no event to wait on here
	}
}

func processesNaming(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmd), dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}
