package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/logbuf"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// syncBuffer collects log output written from several goroutines.
type syncBuffer = logbuf.Buffer

func noEnv(string) string { return "" }

// startRun runs run in-process with args and returns the bound address,
// the function that stops it, and run's result.
func startRun(t *testing.T, args ...string) (addr string, stop context.CancelFunc, done <-chan error, stdout, stderr *syncBuffer) {
	t.Helper()
	return startRunEnv(t, nil, args...)
}

// startRunEnv is startRun with environment variables.
func startRunEnv(t *testing.T, env map[string]string, args ...string) (addr string, stop context.CancelFunc, done <-chan error, stdout, stderr *syncBuffer) {
	t.Helper()
	o, err := parseConfig(append([]string{"--listen", "127.0.0.1:0"}, args...), func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	ready := make(chan net.Addr, 1)
	result := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		result <- run(ctx, o, stdout, stderr, func(a net.Addr) { ready <- a })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-finished:
		case <-time.After(15 * time.Second):
			t.Error("run did not return after cancel")
		}
		if t.Failed() {
			t.Logf("stderr:\n%s", stderr)
		}
	})
	select {
	case a := <-ready:
		return a.String(), cancel, result, stdout, stderr
	case err := <-result:
		t.Fatalf("run returned before ready: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("run not ready within 10s")
	}
	return "", nil, nil, nil, nil
}

func healthz(addr string) int {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get("http://" + addr + "/healthz")
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestRunDrains cancels run while a client that does not read is
// connected: the server must report 503 on /healthz while it waits for the
// client, tell the client to come back later, and return nil.
func TestRunDrains(t *testing.T) {
	addr, stop, done, stdout, stderr := startRun(t, "--shutdown-timeout", "5s")
	if got := stdout.String(); got != "listening on "+addr+"\n" {
		t.Fatalf("stdout %q", got)
	}
	if code := healthz(addr); code != http.StatusOK {
		t.Fatalf("/healthz %d before shutdown", code)
	}
	c := signalingtest.Dial(t, "ws://"+addr+signaling.Path, signalingtest.Key(t))

	stop()
	deadline := time.Now().Add(3 * time.Second)
	for code := healthz(addr); code != http.StatusServiceUnavailable; code = healthz(addr) {
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered 503 while draining (last %d)", code)
		}
		time.Sleep(5 * time.Millisecond)
	}

	env := signalingtest.Recv(t, c, 5*time.Second)
	if e := signaling.ErrorOf(env); env.Type != signaling.TypeError || e.Code != signaling.CodeShuttingDown || e.RetryMs <= 0 {
		t.Fatalf("got %s %+v, want error shutting_down with retry_ms", env.Type, e)
	}
	_, err := c.Recv()
	var ce *signaling.CloseError
	if !errors.As(err, &ce) || ce.Code != 1012 {
		t.Fatalf("after the error: %v, want close 1012", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("run did not return")
	}
	for _, want := range []string{"peerline-signal listening", "shutting down", "stopped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %q", want)
		}
	}
}

// TestRunShutdownTimeout: a client that never answers the close would
// hold a graceful shutdown for the close grace period; --shutdown-timeout
// cuts it short.
func TestRunShutdownTimeout(t *testing.T) {
	addr, stop, done, _, stderr := startRun(t, "--shutdown-timeout", "100ms")
	signalingtest.Dial(t, "ws://"+addr+signaling.Path, signalingtest.Key(t)) // never reads
	start := time.Now()
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("run did not return")
	}
	// The server's own close grace is 1 s: returning well before it shows
	// the timeout, not the client, ended the wait.
	if took := time.Since(start); took > 800*time.Millisecond {
		t.Fatalf("shutdown took %s with --shutdown-timeout 100ms", took)
	}
	if !strings.Contains(stderr.String(), "did not close in time") {
		t.Errorf("log does not say connections were cut:\n%s", stderr)
	}
}

func TestRunAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	o, err := parseConfig([]string{"--listen", ln.Addr().String()}, noEnv)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	err = run(context.Background(), o, &stdout, &stderr, func(net.Addr) { t.Error("ready called") })
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Fatalf("run: %v, want a listen error", err)
	}
	if stdout.String() != "" {
		t.Errorf("stdout %q, want nothing", stdout.String())
	}
}
