//go:build linux

package e2e

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// TestCallViaServer: with LAN discovery off, two instances reach each
// other only through a real peerline-signal. It runs in A's namespace on
// A's LAN address, so B reaches it over the veth like a server on
// another network; A adds B as a contact at that server, and the same
// round trip as on the LAN works.
func TestCallViaServer(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 2)
	srv := StartSignal(t, lan.Hosts[0], lan.Hosts[0].Addr.String()+":0")
	opts := Options{NoDiscovery: true, SignalURL: srv.URL}
	a := StartInstance(t, lan.Hosts[0], "A", opts)
	b := StartInstance(t, lan.Hosts[1], "B", opts)

	var contact map[string]any
	a.Do(&contact, "Contacts.Add", map[string]string{"id": b.ID(), "name": "Bob", "server": srv.URL})
	if contact["id"] != b.ID() {
		t.Errorf("Contacts.Add returned %v", contact)
	}
	p, at := a.WaitPeer(b.ID(), func(p PeerView) bool { return p.Online }, discoverTimeout)
	t.Logf("server presence: B online at A %v after B's start", at.Sub(b.Started).Round(time.Millisecond))
	if p.LAN {
		t.Errorf("with --no-discovery, A lists B as on the LAN: %+v", p)
	}
	if !p.Contact || p.Name != "Bob" {
		t.Errorf("A lists B as %+v, want the contact named Bob", p)
	}
	if m := metrics(t, srv); m["peerline_signal_connections"] != 2 {
		t.Errorf("server has %v connections, want 2 (A and B)", m["peerline_signal_connections"])
	}

	before := metrics(t, srv)["peerline_signal_messages_relayed_total"]
	roundTrip(t, a, b, b)
	relayed := metrics(t, srv)["peerline_signal_messages_relayed_total"] - before
	t.Logf("the call relayed %v messages through the server", relayed)
	if relayed < 10 {
		t.Errorf("only %v messages relayed by the server: did the call go through it?", relayed)
	}

	t.Run("call back", func(t *testing.T) {
		// B took a call from A through the server; calling back from B
		// must find A there too.
		roundTrip(t, b, a, a)
	})

	t.Run("offline contact", func(t *testing.T) {
		a.Mark()
		b.Quit()
		a.WaitEvent("peer:offline", peerIs(b.ID()), 5*time.Second)
		call := a.StartCall(b.ID(), true, FakeSDP("offer"))
		end := a.WaitState(call.ID, "ended", signalTimeout)
		if end.Outcome != "unavailable" {
			t.Errorf("call to an offline contact ended %q (%s), want unavailable", end.Outcome, end.Reason)
		}
	})
}

// metrics reads the server's Prometheus metrics (unlabelled samples only).
func metrics(t *testing.T, srv *SignalServer) map[string]float64 {
	t.Helper()
	host, port, _ := net.SplitHostPort(srv.Addr)
	resp, err := httpClientIn(srv.NS).Get("http://" + net.JoinHostPort(host, port) + "/metrics")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.Contains(line, "{") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		if v, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = v
		}
	}
	return out
}

// TestServerRestart: the signaling server goes away and comes back on the
// same address: both instances reconnect by themselves, see each other
// again, and can call.
func TestServerRestart(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 2)
	srv := StartSignal(t, lan.Hosts[0], lan.Hosts[0].Addr.String()+":0")
	opts := Options{NoDiscovery: true, SignalURL: srv.URL}
	a := StartInstance(t, lan.Hosts[0], "A", opts)
	b := StartInstance(t, lan.Hosts[1], "B", opts)
	a.Do(nil, "Contacts.Add", map[string]string{"id": b.ID(), "name": "Bob", "server": srv.URL})
	a.WaitPeer(b.ID(), func(p PeerView) bool { return p.Online }, discoverTimeout)

	a.Mark()
	srv.Kill9()
	a.WaitEvent("peer:offline", peerIs(b.ID()), 10*time.Second)
	// From here on: B's first online event at A can arrive after the Mark
	// above but before the kill (WaitPeer saw B online by listing), and
	// must not count as the reconnect.
	a.Mark()
	restarted := time.Now()
	srv2 := StartSignal(t, lan.Hosts[0], srv.Addr)
	if srv2.Addr != srv.Addr {
		t.Fatalf("server came back on %s, not %s", srv2.Addr, srv.Addr)
	}
	ev := a.WaitEvent("peer:online", peerIs(b.ID()), 45*time.Second)
	t.Logf("server restart → B online at A again after %v", ev.At.Sub(restarted).Round(time.Millisecond))
	roundTrip(t, a, b, a)
}
