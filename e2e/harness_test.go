//go:build linux

package e2e

// Tests of the harness itself, with peerline-signal as the process under
// test: namespaces, the LAN between them, the setns dialer, and process
// plumbing. When one of these fails, the app tests' failures say nothing
// about the app.

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/internal/netnstest"
)

// httpClientIn returns an HTTP client whose connections are made in ns.
func httpClientIn(ns *netnstest.Netns) *http.Client {
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: ns.DialContext, DisableKeepAlives: true}}
}

func healthz(t *testing.T, ns *netnstest.Netns, addr string) (int, error) {
	t.Helper()
	resp, err := httpClientIn(ns).Get("http://" + addr + "/healthz")
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, nil
}

func TestHarnessNamespaces(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 2)
	a, b := lan.Hosts[0], lan.Hosts[1]

	// On A's own loopback: reachable from A only.
	lo := StartSignal(t, a, "127.0.0.1:0")
	if code, err := healthz(t, a, lo.Addr); err != nil || code != http.StatusOK {
		t.Fatalf("healthz on A's loopback, dialed from A: %d, %v", code, err)
	}
	if _, err := healthz(t, b, lo.Addr); err == nil {
		t.Fatalf("A's loopback %s answered from B: the namespaces are not apart", lo.Addr)
	}

	// On every address of A: reachable from B over the veth, by IPv4 and
	// by IPv6 link-local.
	all := StartSignal(t, a, "[::]:0")
	_, port, _ := net.SplitHostPort(all.Addr)
	if code, err := healthz(t, b, net.JoinHostPort(a.Addr.String(), port)); err != nil || code != http.StatusOK {
		t.Fatalf("healthz on A's veth address, dialed from B: %d, %v", code, err)
	}
	// The zone is B's interface index: Go's zone cache maps names in the
	// namespace of whichever thread filled it, so a name is unreliable here.
	ll, zone := linkLocal(t, a), ifIndex(t, b, netnstest.LANIface)
	if code, err := healthz(t, b, net.JoinHostPort(ll+"%25"+zone, port)); err != nil || code != http.StatusOK {
		t.Fatalf("healthz on A's link-local %s, dialed from B: %d, %v", ll, code, err)
	}

	// A WebSocket handshake through the namespace dialer.
	d := websocket.Dialer{NetDialContext: b.DialContext, HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial(fmt.Sprintf("ws://%s:%s/v1/signal", a.Addr, port), nil)
	if err != nil {
		t.Fatalf("websocket from B to A's signal server: %v (%v)", err, resp)
	}
	conn.Close()
}

func TestHarnessBridgedLAN(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 3)
	srv := StartSignal(t, lan.Hosts[0], lan.Hosts[0].Addr.String()+":0")
	for i, h := range lan.Hosts[1:] {
		if code, err := healthz(t, h, srv.Addr); err != nil || code != http.StatusOK {
			t.Fatalf("host %d → host 0 over the bridge: %d, %v", i+1, code, err)
		}
	}
}

func TestHarnessUnplug(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 2)
	a, b := lan.Hosts[0], lan.Hosts[1]
	srv := StartSignal(t, a, a.Addr.String()+":0")
	if _, err := healthz(t, b, srv.Addr); err != nil {
		t.Fatal(err)
	}
	lan.Unplug(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c, err := b.DialContext(ctx, "tcp", srv.Addr); err == nil {
		c.Close()
		t.Fatal("A still reachable from B after B's veth was deleted")
	}
}

var ifIndexRE = regexp.MustCompile(`^(\d+): `)

// ifIndex returns the index of ns's interface name, as text.
func ifIndex(t testing.TB, ns *netnstest.Netns, name string) string {
	t.Helper()
	out := ns.Run(t, "ip", "-o", "link", "show", "dev", name)
	m := ifIndexRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no index for %s in %s: %s", name, ns, out)
	}
	return m[1]
}

var linkLocalRE = regexp.MustCompile(`inet6 (fe80::[0-9a-f:]+)/64`)

// linkLocal returns ns's IPv6 link-local address on netnstest.LANIface.
func linkLocal(t testing.TB, ns *netnstest.Netns) string {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		out := ns.Run(t, "ip", "-6", "addr", "show", "dev", netnstest.LANIface, "scope", "link")
		if m := linkLocalRE.FindStringSubmatch(out); m != nil && !strings.Contains(out, "tentative") {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no usable link-local address on %s in %s:\n%s", netnstest.LANIface, ns, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
