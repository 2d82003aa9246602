//go:build unix

package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// The tests in this file build the real binary once and run it as a child
// process on loopback ports.

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary returns the path of a freshly built peerline-signal.
func binary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: builds and runs the binary")
	}
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "peerline-signal-test-"); buildErr != nil {
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("the go tool is not on PATH: %w", err)
			return
		}
		bin := filepath.Join(binDir, "peerline-signal")
		out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		binPath = bin
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// cleanEnv is the test's environment without PEERLINE_SIGNAL_ variables,
// plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envPrefix) {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// proc is a running peerline-signal.
type proc struct {
	cmd    *exec.Cmd
	addr   string // from the "listening on" line
	stderr *syncBuffer
	exited chan struct{} // closed when the process has exited
	ready  time.Duration // from exec to the "listening on" line
}

// startBinary runs the binary with args and env and waits for its
// "listening on" line. The process is killed when the test ends if it is
// still running.
func startBinary(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = cleanEnv(env...)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = pw, p.stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	go func() { cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
		pr.Close()
		if t.Failed() {
			t.Logf("peerline-signal stderr:\n%s", p.stderr)
		}
	})

	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				lines <- addr
			}
		}
	}()
	select {
	case p.addr = <-lines:
		p.ready = time.Since(start)
	case <-p.exited:
		t.Fatalf("peerline-signal exited before listening (%s):\n%s", cmd.ProcessState, p.stderr)
	case <-time.After(10 * time.Second):
		t.Fatalf("no \"listening on\" line within 10s:\n%s", p.stderr)
	}
	return p
}

// terminate sends SIGTERM and returns the exit code and how long the
// process took to exit.
func (p *proc) terminate(t *testing.T, within time.Duration) (code int, took time.Duration) {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode(), time.Since(start)
	case <-time.After(within):
		t.Fatalf("peerline-signal still running %s after SIGTERM", within)
		return -1, 0
	}
}

// reader reads a connection continuously, as a real client does, and
// hands over what arrives in order: envelopes, then the error that ended
// the connection.
type reader struct {
	items chan readItem
}

type readItem struct {
	env signaling.Envelope
	err error
}

func readAll(c *signaling.Conn) *reader {
	r := &reader{items: make(chan readItem, 64)}
	go func() {
		for {
			env, err := c.Recv()
			r.items <- readItem{env, err}
			if err != nil {
				return
			}
		}
	}()
	return r
}

func (r *reader) item(t *testing.T, who string) readItem {
	t.Helper()
	select {
	case it := <-r.items:
		return it
	case <-time.After(5 * time.Second):
		t.Fatalf("%s: nothing within 5s", who)
		return readItem{}
	}
}

func (r *reader) next(t *testing.T, who string) signaling.Envelope {
	t.Helper()
	it := r.item(t, who)
	if it.err != nil {
		t.Fatalf("%s: connection ended: %v", who, it.err)
	}
	return it.env
}

// expectShutdown checks the end of a connection when the server stops:
// error shutting_down with a retry delay, then close 1012.
func (r *reader) expectShutdown(t *testing.T, who string) {
	t.Helper()
	env := r.next(t, who)
	e := signaling.ErrorOf(env)
	if env.Type != signaling.TypeError || e.Code != signaling.CodeShuttingDown || e.RetryMs <= 0 {
		t.Fatalf("%s got %s %+v, want error shutting_down with retry_ms > 0", who, env.Type, e)
	}
	it := r.item(t, who)
	var ce *signaling.CloseError
	if !errors.As(it.err, &ce) || ce.Code != websocket.CloseServiceRestart {
		t.Fatalf("%s: after shutting_down got %v / %s, want close 1012", who, it.err, it.env.Type)
	}
}

func httpGet(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// relay sends a signed invite from a to b through the server and checks
// that b receives it stamped with a's id and with a signature that still
// verifies, then a ringing back.
func relay(t *testing.T, a, b *signaling.Conn, ar, br *reader, alice, bob *identity.KeyPair) {
	t.Helper()
	ctx := context.Background()
	offer := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"
	inv := signalingtest.Invite(t, alice, bob.ID(), "call-1", offer)
	inv.ID = "m1"
	if err := a.Send(ctx, inv); err != nil {
		t.Fatal(err)
	}
	got := br.next(t, "bob")
	var body signaling.Invite
	if got.Type != signaling.TypeInvite || got.From != alice.ID() || got.Call != "call-1" || got.DecodeBody(&body) != nil {
		t.Fatalf("bob got %s from %s, want alice's invite", got.Type, got.From.Short())
	}
	if err := signaling.VerifyDescription(body.Key, body.Sig, signaling.KindOffer, got.Call, got.From, bob.ID(), body.Time, body.SDP, time.Now()); err != nil {
		t.Fatalf("relayed offer: %v", err)
	}
	ring := signalingtest.Must(t, signaling.TypeRinging, nil)
	ring.To, ring.Call = alice.ID(), "call-1"
	if err := b.Send(ctx, ring); err != nil {
		t.Fatal(err)
	}
	if got := ar.next(t, "alice"); got.Type != signaling.TypeRinging || got.From != bob.ID() {
		t.Fatalf("alice got %s from %s, want bob's ringing", got.Type, got.From.Short())
	}
}

func TestBinaryServesRelaysAndShutsDown(t *testing.T) {
	p := startBinary(t, nil, "--listen", "127.0.0.1:0", "--shutdown-timeout", "5s")
	t.Logf("listening %s after exec", p.ready)
	hc := &http.Client{Timeout: 5 * time.Second}
	base := "http://" + p.addr

	if code, body := httpGet(t, hc, base+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}

	url := "ws://" + p.addr + signaling.Path
	alice, bob := signalingtest.Key(t), signalingtest.Key(t)
	a, b := signalingtest.Dial(t, url, alice), signalingtest.Dial(t, url, bob)
	ar, br := readAll(a), readAll(b)
	relay(t, a, b, ar, br, alice, bob)

	// The gauge moves just after the welcome is sent: poll briefly.
	var metrics string
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(metrics, "\npeerline_signal_connections 2\n") {
		if time.Now().After(deadline) {
			t.Fatalf("/metrics never showed 2 connections:\n%s", metrics)
		}
		_, metrics = httpGet(t, hc, base+"/metrics")
	}
	for _, want := range []string{
		"\npeerline_signal_messages_relayed_total 2\n",
		"\ngo_goroutines ",
		"\ngo_memstats_alloc_bytes ",
		"\nprocess_cpu_seconds_total ",
		"\nprocess_open_fds ",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
		}
	}

	code, took := p.terminate(t, 7*time.Second)
	ar.expectShutdown(t, "alice")
	br.expectShutdown(t, "bob")
	if code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0", code)
	}
	t.Logf("exited %s after SIGTERM", took)
	for _, want := range []string{"addr=" + p.addr, "tls=false", "shutting down", "msg=stopped"} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

func TestBinaryTLS(t *testing.T) {
	certFile, keyFile, pool := writeCert(t, t.TempDir(), 1)
	p := startBinary(t, nil, "--listen", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile,
		"--log-format", "json", "--shutdown-timeout", "5s")
	trust := &tls.Config{RootCAs: pool}

	// https, offered h2 but answered in HTTP/1.1 (WebSocket needs it).
	hc := &http.Client{Timeout: 5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: trust.Clone(), ForceAttemptHTTP2: true}}
	resp, err := hc.Get("https://" + p.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Proto != "HTTP/1.1" {
		t.Fatalf("/healthz over TLS: %d %s, want 200 HTTP/1.1", resp.StatusCode, resp.Proto)
	}

	dial := func(url string, kp *identity.KeyPair, tlsConf *tls.Config) (*signaling.Conn, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return signaling.Dial(ctx, signaling.DialConfig{URL: url, Identity: kp,
			Dialer: &websocket.Dialer{TLSClientConfig: tlsConf, HandshakeTimeout: 5 * time.Second}})
	}
	url := "wss://" + p.addr + signaling.Path
	alice, bob := signalingtest.Key(t), signalingtest.Key(t)
	a, err := dial(url, alice, trust)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := dial(url, bob, trust)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ar, br := readAll(a), readAll(b)
	relay(t, a, b, ar, br, alice, bob)

	if c, err := dial(url, signalingtest.Key(t), &tls.Config{}); err == nil {
		c.Close()
		t.Error("a client that does not trust the certificate connected")
	}
	if c, err := dial("ws://"+p.addr+signaling.Path, signalingtest.Key(t), nil); err == nil {
		c.Close()
		t.Error("plain ws:// connected to the TLS listener")
	}

	code, _ := p.terminate(t, 7*time.Second)
	ar.expectShutdown(t, "alice")
	br.expectShutdown(t, "bob")
	if code != 0 {
		t.Fatalf("exit code %d, want 0", code)
	}
	// --log-format json: every line is one JSON object.
	var startup map[string]any
	for _, line := range strings.Split(strings.TrimSpace(p.stderr.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if rec["msg"] == "peerline-signal listening" {
			startup = rec
		}
	}
	if startup == nil || startup["tls"] != true || startup["addr"] != p.addr {
		t.Fatalf("startup log %v, want tls true and addr %s", startup, p.addr)
	}
}

func TestBinaryEnforcesToken(t *testing.T) {
	const token = "correct-horse-battery-staple"
	tokenFile := writeFile(t, t.TempDir(), "token", token+"\n")
	tests := []struct {
		name string
		env  []string
		args []string
	}{
		{"token file", nil, []string{"--token-file", tokenFile}},
		{"token variable", []string{envToken + "=" + token}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := startBinary(t, tc.env, append([]string{"--listen", "127.0.0.1:0", "--log-level", "debug"}, tc.args...)...)
			url := "ws://" + p.addr + signaling.Path
			dial := func(tok string) (*signaling.Conn, error) {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				return signaling.Dial(ctx, signaling.DialConfig{URL: url, Identity: signalingtest.Key(t), Token: tok})
			}
			for _, wrong := range []string{"", "wrong", token + "x"} {
				c, err := dial(wrong)
				if err == nil {
					c.Close()
					t.Fatalf("token %q accepted", wrong)
				}
				if !errors.Is(err, signaling.ErrAuthFailed) {
					t.Fatalf("token %q: %v, want auth_failed", wrong, err)
				}
			}
			c, err := dial(token)
			if err != nil {
				t.Fatalf("right token refused: %v", err)
			}
			r := readAll(c)
			defer c.Close()
			if code, _ := p.terminate(t, 7*time.Second); code != 0 {
				t.Fatalf("exit code %d", code)
			}
			r.expectShutdown(t, "client")
			logs := p.stderr.String()
			if strings.Contains(logs, token) {
				t.Fatalf("the token appears in the log:\n%s", logs)
			}
			if !strings.Contains(logs, "token_required=true") || !strings.Contains(logs, "access token missing or wrong") {
				t.Errorf("log does not show the token check:\n%s", logs)
			}
		})
	}
}

func TestBinaryExitCodes(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name       string
		args       []string
		env        []string
		code       int
		stdout     string // substring
		stderr     string // substring
		quietOnErr bool
	}{
		{name: "help", args: []string{"--help"}, code: 0, stdout: "PEERLINE_SIGNAL_LISTEN"},
		{name: "version", args: []string{"--version"}, code: 0, stdout: "peerline-signal "},
		{name: "bad flag value", args: []string{"--rate", "fast"}, code: 2, stderr: `--rate "fast": want a number`},
		{name: "bad variable", env: []string{"PEERLINE_SIGNAL_PING_INTERVAL=10"}, code: 2, stderr: "PEERLINE_SIGNAL_PING_INTERVAL"},
		{name: "cert without key", args: []string{"--tls-cert", "cert.pem"}, code: 2, stderr: "needs --tls-key"},
		{name: "unknown flag", args: []string{"--bogus"}, code: 2, stderr: "unknown flag --bogus"},
		{name: "unreadable token file", args: []string{"--token-file", "/nonexistent/token"}, code: 2, stderr: "no such file"},
		{name: "address in use", args: []string{"--listen", busy.Addr().String()}, code: 1, stderr: "address already in use"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, binary(t), tc.args...)
			cmd.Env = cleanEnv(tc.env...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			if got := cmd.ProcessState.ExitCode(); got != tc.code {
				t.Fatalf("exit code %d, want %d\nstdout: %s\nstderr: %s", got, tc.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) || !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("stdout %q\nstderr %q\nwant %q and %q", stdout.String(), stderr.String(), tc.stdout, tc.stderr)
			}
		})
	}
}

// TestBinaryStartsFast measures from exec to the first WebSocket that
// completes the handshake, dialing in a loop from the moment the process
// starts. The target is a few tens of milliseconds; the assertion is loose
// so a loaded machine does not fail it.
func TestBinaryStartsFast(t *testing.T) {
	bin := binary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	kp := signalingtest.Key(t)
	dialer := &websocket.Dialer{HandshakeTimeout: 2 * time.Second}
	cmd := exec.Command(bin, "--listen", addr, "--log-level", "error")
	cmd.Env = cleanEnv()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		cmd.Process.Kill()
		<-exited
	}()
	var took time.Duration
	for attempts := 1; ; attempts++ {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := signaling.Dial(ctx, signaling.DialConfig{URL: "ws://" + addr + signaling.Path, Identity: kp, Dialer: dialer})
		cancel()
		if err == nil {
			took = time.Since(start)
			c.Close()
			t.Logf("first WebSocket welcomed %s after exec (%d attempts)", took, attempts)
			break
		}
		select {
		case <-exited:
			t.Fatalf("peerline-signal exited: %s", cmd.ProcessState)
		default:
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("no WebSocket within 5s: %v", err)
		}
		time.Sleep(200 * time.Microsecond)
	}
	if took > time.Second {
		t.Errorf("first WebSocket took %s; the target is a few tens of milliseconds", took)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if code := cmd.ProcessState.ExitCode(); code != 0 {
			t.Fatalf("exit code %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}
