package app

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// freePort returns a TCP port free on loopback a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestHubListensOnlyWhenAsked: with discovery off, nothing listens on
// the hub port unless Options.ListenLAN (or the setting) asks for it.
// Before, --no-discovery still listened on every interface.
func TestHubListensOnlyWhenAsked(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   Options
		listen bool
	}{
		{"discovery off", Options{NoDiscovery: true}, false},
		{"discovery off, ListenLAN", Options{NoDiscovery: true, ListenLAN: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			port := freePort(t)
			opts := tc.opts
			opts.DataDir, opts.HubPort, opts.Logger = t.TempDir(), port, testLogger(tc.name)
			a, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if _, err := a.Start(); err != nil {
				t.Fatal(err)
			}
			if tc.listen && a.hubLn == nil {
				t.Fatal("hub asked to listen, but it has no listener")
			}
			if tc.listen {
				// ListenHub falls back to a free port when another test took
				// this one meanwhile: dial the port it got.
				port = a.hubLn.Addr().(*net.TCPAddr).Port
			}
			c, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
			if c != nil {
				c.Close()
			}
			switch {
			case tc.listen && err != nil:
				t.Fatalf("hub asked to listen, but dialling port %d: %v", port, err)
			case !tc.listen && err == nil:
				t.Fatalf("discovery off: something listens on the hub port %d", port)
			case !tc.listen && !errors.Is(err, syscall.ECONNREFUSED):
				t.Fatalf("dialling the hub port: %v, want connection refused", err)
			}
		})
	}
}

// TestHubIdleConnectionClosed: a kept-alive connection that made one
// request and went quiet is closed after the idle timeout. Before, the
// hub had no IdleTimeout and held it forever.
func TestHubIdleConnectionClosed(t *testing.T) {
	const idle = 200 * time.Millisecond
	a, err := New(Options{DataDir: t.TempDir(), ListenLAN: true, NoDiscovery: true, HubIdleTimeout: idle, Logger: testLogger("idle")})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Start(); err != nil {
		t.Fatal(err)
	}
	port := a.hubLn.Addr().(*net.TCPAddr).Port
	hostPort := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	// The hub speaks TLS with a certificate that names nothing; this test
	// is about idleness, not who the hub is (lan-link.md).
	c, err := tls.Dial("tcp", hostPort, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: "+hostPort+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.Close {
		t.Fatal("the hub closed the connection after the answer; this test needs keep-alive")
	}
	// A guard, far above the idle timeout, so that the old code fails
	// rather than hangs: the wait itself ends on the hub's EOF.
	c.SetReadDeadline(time.Now().Add(idle + 10*time.Second))
	start := time.Now()
	if _, err := br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Fatalf("idle kept-alive connection: read %v, want EOF from the hub closing it", err)
	}
	t.Logf("closed after %v idle (timeout %v)", time.Since(start).Round(time.Millisecond), idle)
}
