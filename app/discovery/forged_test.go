package discovery

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grandcat/zeroconf"

	"github.com/peerline/peerline/internal/netnstest"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
)

// provingHub is a LAN hub as the app runs it: personal, with its owner's
// key and name, TLS only, behind GuardHub. It counts handshakes, so a
// test can wait for a proof to have happened.
type provingHub struct {
	port  int
	dials atomic.Int32
	stop  func() // shuts it down (cleanup does too)
}

func startProvingHub(t *testing.T, kp *identity.KeyPair, name string) *provingHub {
	t.Helper()
	return startProvingHubOn(t, kp, name, 0)
}

// startProvingHubOn starts the hub on port (0: ListenHub's default).
func startProvingHubOn(t *testing.T, kp *identity.KeyPair, name string, port int) *provingHub {
	t.Helper()
	srv, err := server.New(server.Config{Identity: kp, Personal: true, Name: func() string { return name }, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := ListenHub(port)
	if err != nil {
		t.Fatal(err)
	}
	if port != 0 && ln.Addr().(*net.TCPAddr).Port != port {
		ln.Close()
		t.Fatalf("hub: port %d is taken", port)
	}
	tc, err := server.EphemeralTLS()
	if err != nil {
		t.Fatal(err)
	}
	h := &provingHub{port: ln.Addr().(*net.TCPAddr).Port}
	inner := GuardHub(srv.Handler(), HubGuardConfig{ID: kp.ID(), Port: h.port})
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == signaling.Path {
			h.dials.Add(1)
		}
		inner.ServeHTTP(w, r)
	})}
	go hs.Serve(tls.NewListener(ln, tc))
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
			hs.Shutdown(ctx)
		})
	}
	t.Cleanup(h.stop)
	return h
}

// TestForgedAnnouncement: Mallory, on the LAN, announces Grace's peer id
// with her own hub's address and the name "Mallory". Alice, who has seen
// (and proven) Grace, keeps Grace's name and address: the announcement
// asks for a new proof, which only Grace's hub can give, and Mallory's
// hub cannot prove Grace's key.
func TestForgedAnnouncement(t *testing.T) {
	netnstest.Require(t)
	grace, mallory := testKey(t, 41), testKey(t, 42)
	gh := startProvingHub(t, grace, "Grace")
	mh := startProvingHub(t, mallory, "Mallory") // a real hub, with Mallory's own key

	// Grace announces herself; Alice proves her.
	alice := startLocal(t, 40, "Alice", func(c *Config) { c.Identity = testKey(t, 40) })
	gm, err := NewMDNS(Config{ID: grace.ID(), HubPort: gh.port, Name: "Grace", Identity: grace, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	gDone := make(chan struct{})
	go func() { gm.Run(ctx); close(gDone) }()
	t.Cleanup(func() { cancel(); <-gDone })
	ev, _ := waitEvent(t, alice.rec, 0, PeerOnline, grace.ID(), time.Now(), 5*time.Second)
	graceAddr := ev.Peer.Addrs[0]
	if ev.Peer.Name != "Grace" || graceAddr.Port() != uint16(gh.port) {
		t.Fatalf("Grace as Alice first sees her: %+v", ev.Peer)
	}

	// Mallory's forgery: Grace's id, Mallory's address (her hub's port on
	// this host) and name.
	from := alice.rec.len()
	before := gh.dials.Load()
	ifaces, _ := net.Interfaces()
	var ips []string
	for _, a := range ev.Peer.Addrs {
		ips = append(ips, a.Addr().WithZone("").String())
	}
	inst := instanceName(grace.ID())
	forged, err := zeroconf.RegisterProxy(inst, ServiceType, Domain, mh.port, inst, ips, encodeTXT(grace.ID(), "Mallory"), ifaces)
	if err != nil {
		t.Fatalf("forge: %v", err)
	}
	defer forged.Shutdown()

	// The forged name differs from the proven one, so Alice proves Grace
	// again (after reproveAfter): wait for that proof at Grace's hub, and
	// a probe round after it.
	deadline := time.Now().Add(reproveAfter + 5*time.Second)
	for gh.dials.Load() == before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	settle()

	peers := alice.m.Peers()
	i := slices.IndexFunc(peers, func(p Peer) bool { return p.ID == grace.ID() })
	if i < 0 {
		t.Fatalf("Grace gone from Alice's peers: %+v", peers)
	}
	got := peers[i]
	if got.Name != "Grace" {
		t.Errorf("Grace renamed to %q by a forged announcement", got.Name)
	}
	if !got.Online || len(got.Addrs) == 0 || got.Addrs[0] != graceAddr {
		t.Errorf("Grace's addresses %v (online %v), want %v first", got.Addrs, got.Online, graceAddr)
	}
	for _, a := range got.Addrs {
		if a.Port() == uint16(mh.port) {
			t.Errorf("Mallory's address %v is among Grace's", a)
		}
	}
	for _, e := range alice.rec.all()[from:] {
		if e.Peer.ID == grace.ID() && (e.Peer.Name == "Mallory" || e.Kind == PeerOffline ||
			slices.ContainsFunc(e.Peer.Addrs, func(a netip.AddrPort) bool { return a.Port() == uint16(mh.port) })) {
			t.Errorf("event after the forgery: %s", describe([]timedEvent{e}))
		}
	}
	if gh.dials.Load() == before {
		t.Errorf("no new proof at Grace's hub after the announcement changed her name")
	}
}

// announce runs discovery for kp (its hub on port) until the returned
// stop is called (cleanup calls it too).
func announce(t *testing.T, kp *identity.KeyPair, name string, port int) (stop func()) {
	t.Helper()
	m, err := NewMDNS(Config{ID: kp.ID(), HubPort: port, Name: name, Identity: kp, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

// provenEvent reports a PeerProven event for id in evs.
func provenEvent(evs []timedEvent, id identity.PeerID) (Event, bool) {
	for _, e := range evs {
		if e.Kind == PeerProven && e.Peer.ID == id {
			return e.Event, true
		}
	}
	return Event{}, false
}

// knownAddrs lists every address evs name for id: the peers' addresses
// and the addresses proofs were taken at.
func knownAddrs(evs []timedEvent, id identity.PeerID) []netip.AddrPort {
	var out []netip.AddrPort
	add := func(a netip.AddrPort) {
		if a.IsValid() && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	for _, e := range evs {
		if e.Peer.ID != id {
			continue
		}
		for _, a := range e.Peer.Addrs {
			add(a)
		}
		if e.Kind == PeerProven {
			add(e.At)
		}
	}
	return out
}

// TestProvenKeyAtAddress: discovery says which key a hub proved at which
// address (PeerProven), the fact "identity changed" rests on (package
// trust decides). A forged announcement of a new id at Grace's address,
// whose hub cannot prove it, is no such fact: no PeerProven for it. When
// Grace's machine is reinstalled (a new key, the same address and port),
// the hub there proves the new key: PeerProven for the new id at Grace's
// address, with its key.
func TestProvenKeyAtAddress(t *testing.T) {
	netnstest.Require(t)
	grace, forgedID, reinstalled := testKey(t, 51), testKey(t, 52), testKey(t, 53)
	gh := startProvingHub(t, grace, "Grace")
	alice := startLocal(t, 50, "Alice", func(c *Config) { c.Identity = testKey(t, 50) })
	stopGrace := announce(t, grace, "Grace", gh.port)
	ev, _ := waitEvent(t, alice.rec, 0, PeerOnline, grace.ID(), time.Now(), 5*time.Second)
	if pe, ok := provenEvent(alice.rec.all(), grace.ID()); !ok || !slices.Contains(ev.Peer.Addrs, pe.At) || !pe.Key.Equal(grace.Public()) {
		t.Fatalf("Grace online at %v; her proof: %+v (found %v)", ev.Peer.Addrs, pe, ok)
	}

	// The forgery: a new id at Grace's address and port, with her name.
	before := gh.dials.Load()
	var ips []string
	for _, a := range ev.Peer.Addrs {
		ips = append(ips, a.Addr().WithZone("").String())
	}
	ifaces, _ := net.Interfaces()
	inst := instanceName(forgedID.ID())
	forged, err := zeroconf.RegisterProxy(inst, ServiceType, Domain, gh.port, inst, ips, encodeTXT(forgedID.ID(), "Grace"), ifaces)
	if err != nil {
		t.Fatalf("forge: %v", err)
	}
	// Alice tries to prove the forged id at Grace's hub (a dial there).
	deadline := time.Now().Add(10 * time.Second)
	for gh.dials.Load() == before && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if gh.dials.Load() == before {
		t.Fatal("Alice never tried to prove the forged announcement")
	}
	settle()
	forged.Shutdown()
	if pe, ok := provenEvent(alice.rec.all(), forgedID.ID()); ok {
		t.Errorf("a forged announcement at Grace's address counted as proven: %+v", pe)
	}

	// Grace's addresses: every address her hub was seen or proven at by
	// now. Each is proven (and backs off when it fails) on its own, so the
	// online event may name only the first, and the new hub may be proven
	// at any of them first.
	graceAddrs := knownAddrs(alice.rec.all(), grace.ID())

	// The reinstall: Grace's Peerline stops; a new one, with a new key,
	// serves on the same port and announces itself.
	from := alice.rec.len()
	stopGrace()
	gh.stop()
	nh := startProvingHubOn(t, reinstalled, "Grace", gh.port)
	announce(t, reinstalled, "Grace", nh.port)
	// The new hub's addresses are proven one after another (the first to
	// answer, then the rest in the background): wait for one at Grace's.
	_, _, atHome := alice.rec.next(from, 10*time.Second, func(e Event) bool {
		return e.Kind == PeerProven && e.Peer.ID == reinstalled.ID() && slices.Contains(graceAddrs, e.At)
	})
	for _, e := range alice.rec.all()[from:] {
		if e.Kind == PeerProven && e.Peer.ID == reinstalled.ID() && !e.Key.Equal(reinstalled.Public()) {
			t.Errorf("PeerProven for the new id carries key %x", e.Key)
		}
	}
	if !atHome {
		t.Errorf("no PeerProven for the new id at Grace's addresses %v; events: %s", graceAddrs, describe(alice.rec.all()[from:]))
	}
}

// TestRefusedAddressProvesItsNewOwner: Grace reinstalled (a new key, the
// same address and port). Her old id's probes back the address off, and
// its probe loop, woken just when the address is due, keeps taking the
// probe there; the new id's proof at that address (what "identity
// changed" is matched by) must not wait on that. So a refusal of the old
// id at the address proves the new one there at once, past the backoff;
// once the new id is proven there, a refusal proves nothing more.
func TestRefusedAddressProvesItsNewOwner(t *testing.T) {
	netnstest.Require(t)
	grace, reinstalled := testKey(t, 61), testKey(t, 62)
	nh := startProvingHub(t, reinstalled, "Grace") // what now serves at Grace's address
	alice := startLocal(t, 60, "Alice", func(c *Config) { c.Identity = testKey(t, 60) })
	addr := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(nh.port))

	// Alice knows both ids at the address, and the address has failed
	// long enough to wait a minute for its next probe. No probe loop runs
	// for either peer: only what the refusal does can prove the new id.
	m := alice.m
	m.mu.Lock()
	for _, kp := range []*identity.KeyPair{grace, reinstalled} {
		st := newPeerState("id:"+kp.ID().String(), false, []netip.AddrPort{addr})
		st.id, st.name, st.announced = kp.ID(), "Grace", "Grace"
		st.lastSign, st.firstSeen = time.Now(), time.Now()
		st.probing = true // keeps Run from starting a probe loop for it
		m.peers[st.key] = st
		m.trackAddrs(st.cands)
	}
	m.addrs[addr].fails, m.addrs[addr].next = 6, time.Now().Add(time.Minute)
	m.mu.Unlock()

	from := alice.rec.len()
	if err := m.get(context.Background(), grace.ID(), addr); !errors.Is(err, ErrUnproven) {
		t.Fatalf("the old id at the reinstalled hub: %v, want ErrUnproven", err)
	}
	ev, _, ok := alice.rec.next(from, 10*time.Second, func(e Event) bool {
		return e.Kind == PeerProven && e.Peer.ID == reinstalled.ID() && e.At == addr
	})
	if !ok {
		t.Fatalf("the new id was not proven at %v after the old one was refused there; events: %s", addr, describe(alice.rec.all()[from:]))
	}
	if !ev.Key.Equal(reinstalled.Public()) {
		t.Errorf("PeerProven for the new id carries key %x", ev.Key)
	}

	// Now the new id is proven there: another refusal of the old id costs
	// its own dial and nothing more.
	waitIdle := time.Now().Add(5 * time.Second)
	for {
		m.mu.Lock()
		busy := m.proving[addr]
		m.mu.Unlock()
		if !busy || time.Now().After(waitIdle) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	before := nh.dials.Load()
	if err := m.get(context.Background(), grace.ID(), addr); !errors.Is(err, ErrUnproven) {
		t.Fatalf("the old id again: %v, want ErrUnproven", err)
	}
	alice.stop() // waits for every goroutine discovery started
	if n := nh.dials.Load() - before; n != 1 {
		t.Errorf("a refusal with the new id proven there made %d dials, want 1 (the old id's own)", n)
	}
}
