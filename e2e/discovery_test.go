//go:build linux

package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// TestDiscovery: two instances on a LAN find each other with no
// configuration, each lists the other online and on the LAN, and the one
// already running is told by peer:online.
func TestDiscovery(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 2)
	a := StartInstance(t, lan.Hosts[0], "A", Options{Name: "Ada"})
	b := StartInstance(t, lan.Hosts[1], "B", Options{Name: "Björn ☎"})
	t.Logf("start → ui line: A %v, B %v", a.Ready.Round(time.Millisecond), b.Ready.Round(time.Millisecond))

	meA, meB := a.Me(), b.Me()
	if meA.ID == meB.ID {
		t.Fatalf("both instances have id %s", meA.ID)
	}
	if meA.Name != "Ada" || meB.Name != "Björn ☎" {
		t.Errorf("Identity.Me names %q, %q; want the --name values", meA.Name, meB.Name)
	}
	if meA.HubPort <= 0 || meB.HubPort <= 0 {
		t.Errorf("Identity.Me hubPort %d, %d; want the LAN hub's port", meA.HubPort, meB.HubPort)
	}

	// A was up before B started: it must be told.
	ev := a.WaitEvent("peer:online", peerIs(meB.ID), discoverTimeout)
	var pv PeerView
	decode(t, ev.Data, &pv)
	if !pv.Online || !pv.LAN || pv.Name != "Björn ☎" {
		t.Errorf("A's peer:online data: %+v, want B online, lan, named", pv)
	}
	aSawB := ev.At.Sub(b.Started)

	// B may have found A before its client connected; take the earlier of
	// the event (if it came after) and the list.
	p, at := b.WaitPeer(meA.ID, func(p PeerView) bool { return p.Online && p.LAN }, discoverTimeout)
	if evs := b.Events("peer:online"); len(evs) > 0 {
		for _, e := range evs {
			if peerIs(meA.ID)(e.Data) && e.At.Before(at) {
				at = e.At
			}
		}
	}
	bSawA := at.Sub(b.Started)
	if p.Name != "Ada" {
		t.Errorf("B lists A named %q, want Ada", p.Name)
	}
	pa, _ := a.Peer(meB.ID)
	if !pa.Online || !pa.LAN || pa.Contact || pa.Blocked {
		t.Errorf("A lists B as %+v, want online, lan, not a contact, not blocked", pa)
	}
	t.Logf("discovery: B start → A sees B %v (%v after B's ui line); B start → B sees A ≤ %v",
		aSawB.Round(time.Millisecond), ev.At.Sub(b.Started.Add(b.Ready)).Round(time.Millisecond), bSawA.Round(time.Millisecond))
	if aSawB > 3*time.Second {
		t.Errorf("A took %v from B's start to see it (target < 1 s after registration)", aSawB)
	}

	var diag json.RawMessage
	a.Do(&diag, "Peers.Diagnose")
	t.Logf("A's Peers.Diagnose: %s", diag)

	// Idle memory, as the brief measures it.
	time.Sleep(5 * time.Second)
	for _, in := range []*Instance{a, b} {
		if kb, err := in.RSS(); err == nil {
			t.Logf("%s idle RSS after 5 s: %d KiB", in.Label, kb)
		}
	}

	// Renaming is seen by the other side.
	b.Do(nil, "Identity.SetName", "Bea")
	b.me = nil
	if b.Me().Name != "Bea" {
		t.Errorf("after SetName, Identity.Me name %q", b.Me().Name)
	}
	a.WaitPeer(meB.ID, func(p PeerView) bool { return p.Online && p.Name == "Bea" }, discoverTimeout)

	// Both quit cleanly.
	b.Quit()
	a.Quit()
}

// TestDiscoveryInterfaces: --interfaces limits discovery to the named
// interface, and peers are still found through it.
func TestDiscoveryInterfaces(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{Interfaces: []string{netnstest.LANIface}}, Options{Interfaces: []string{netnstest.LANIface}})
	b.Quit()
	a.WaitEvent("peer:offline", peerIs(b.ID()), 2*time.Second)
}

// TestDiscoverySameHost: two instances on one machine (one namespace, its
// loopback multicast-capable, no other interface) find each other; the
// second can't have the default hub port and takes another.
func TestDiscoverySameHost(t *testing.T) {
	requireE2E(t)
	ns := netnstest.New(t)
	a := StartInstance(t, ns, "A", Options{})
	b := StartInstance(t, ns, "B", Options{})
	if a.Me().HubPort == b.Me().HubPort {
		t.Fatalf("both instances report hub port %d", a.Me().HubPort)
	}
	pa, _ := a.WaitPeer(b.ID(), func(p PeerView) bool { return p.Online }, discoverTimeout)
	b.WaitPeer(a.ID(), func(p PeerView) bool { return p.Online }, discoverTimeout)
	t.Logf("same host: A lists B as %+v", pa)
	roundTrip(t, a, b, b)
	a.Mark()
	b.Quit()
	a.WaitEvent("peer:offline", peerIs(b.ID()), 2*time.Second)
}

// TestDiscoveryIPv6Only: two machines joined by a cable with no DHCP have
// IPv6 link-local addresses only. They still find each other (the
// advertised fe80:: address carries no zone; the app must find the
// interface) and can call.
func TestDiscoveryIPv6Only(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLANWith(t, 2, netnstest.LANOptions{NoIPv4: true})
	linkLocal(t, lan.Hosts[0])
	linkLocal(t, lan.Hosts[1])
	a := StartInstance(t, lan.Hosts[0], "A", Options{})
	b := StartInstance(t, lan.Hosts[1], "B", Options{})
	_, at := a.WaitPeer(b.ID(), func(p PeerView) bool { return p.Online && p.LAN }, discoverTimeout)
	waitOnlineLAN(t, b, a)
	t.Logf("IPv6 link-local only: A sees B %v after B's start", at.Sub(b.Started).Round(time.Millisecond))
	roundTrip(t, a, b, b)
	a.Mark()
	sent := time.Now()
	b.Kill9()
	ev := a.WaitEvent("peer:offline", peerIs(b.ID()), 5*time.Second)
	t.Logf("IPv6 link-local only: kill -9 → offline %v", ev.At.Sub(sent).Round(time.Millisecond))
}

// TestAddressChange: B's IPv4 address changes under it (a new DHCP lease):
// A still reaches B, by the new address, within a few seconds.
func TestAddressChange(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 2)
	// IPv4 only: with link-local IPv6 left in place the peers would never
	// lose each other.
	for _, h := range lan.Hosts {
		h.Run(t, "sysctl", "-q", "-w", "net.ipv6.conf."+netnstest.LANIface+".disable_ipv6=1")
	}
	a := StartInstance(t, lan.Hosts[0], "A", Options{})
	b := StartInstance(t, lan.Hosts[1], "B", Options{})
	waitOnlineLAN(t, a, b)
	waitOnlineLAN(t, b, a)
	a.Mark()
	changed := time.Now()
	lan.Readdress(t, lan.Hosts[1], 77)
	// Whether A saw B go offline in between depends on timing; what
	// matters is that a call works again soon.
	deadline := changed.Add(15 * time.Second)
	for {
		raw, err := a.Call("Calls.Start", b.ID(), false, FakeSDP("offer"))
		var c CallInfo
		if err == nil && json.Unmarshal(raw, &c) == nil && c.State != "ended" {
			if _, err := b.TryWaitEvent("call:incoming", incomingIs(c.ID), signalTimeout); err != nil {
				t.Fatalf("call placed after the address change but B never rang: %v", err)
			}
			t.Logf("address changed → A can call B again after %v", time.Since(changed).Round(time.Millisecond))
			a.Do(nil, "Calls.Cancel", c.ID)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("A still cannot call B 15 s after B's address changed: %s %v; A lists B as %+v", raw, err, mustJSON(a.Peers()))
		}
		time.Sleep(250 * time.Millisecond)
	}
}
