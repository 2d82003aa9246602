package discovery

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/netip"
	"slices"
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
	port   int
	dials  atomic.Int32
	cancel func()
}

func startProvingHub(t *testing.T, kp *identity.KeyPair, name string) *provingHub {
	t.Helper()
	srv, err := server.New(server.Config{Identity: kp, Personal: true, Name: func() string { return name }, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := ListenHub(0)
	if err != nil {
		t.Fatal(err)
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
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Shutdown(ctx)
	})
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
