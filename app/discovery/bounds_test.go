package discovery

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/grandcat/zeroconf"

	"github.com/peerline/peerline/internal/netnstest"
	"github.com/peerline/peerline/signaling/identity"
)

// The forged-announcement tests run real MDNS instances in this test
// binary's private network namespace (netnstest.Main), whose loopback is
// a multicast interface of its own: an announcement naming 127.0.0.x is
// on-link there. Time is scaled down (ProbeInterval 50 ms); the figures at
// the default settings are in docs/performance.md.

// boundsConfig is the scaled-down timing the tests use.
func boundsConfig(cfg *Config) {
	cfg.ProbeInterval = 50 * time.Millisecond
	cfg.ProbeTimeout = 200 * time.Millisecond
	cfg.OfflineProbeInterval = 100 * time.Millisecond
	cfg.MaxProbeBackoff = 400 * time.Millisecond
	cfg.OfflineAfter = time.Second
}

// target is a real HTTP server on every address of this namespace that
// counts the connections it accepts, by the address they were sent to. A
// probe of an unproven address starts with a proving TLS dial, which a
// plain HTTP server refuses, so every probe is a new connection: counting
// connections counts probes whichever way the probe is made.
type target struct {
	port  int
	mu    sync.Mutex
	by    map[netip.Addr]int
	first time.Time
	hit   chan struct{} // capacity 1: a probe arrived
}

// countingListener reports each accepted connection to its target.
type countingListener struct {
	net.Listener
	tg *target
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	ap := netip.MustParseAddrPort(c.LocalAddr().String())
	tg := l.tg
	tg.mu.Lock()
	if tg.first.IsZero() {
		tg.first = time.Now()
	}
	tg.by[ap.Addr().Unmap()]++
	tg.mu.Unlock()
	select {
	case tg.hit <- struct{}{}:
	default:
	}
	return c, nil
}

func startTarget(t *testing.T, status int) *target {
	t.Helper()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	tg := &target{port: ln.Addr().(*net.TCPAddr).Port, by: map[netip.Addr]int{}, hit: make(chan struct{}, 1)}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
	})}
	go srv.Serve(countingListener{Listener: ln, tg: tg})
	t.Cleanup(func() { srv.Close() })
	return tg
}

// total returns the requests so far, to any address.
func (tg *target) total() int {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	n := 0
	for _, c := range tg.by {
		n += c
	}
	return n
}

func (tg *target) to(a string) int {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	return tg.by[netip.MustParseAddr(a)]
}

// waitHit waits for the first request.
func (tg *target) waitHit(t *testing.T, within time.Duration) {
	t.Helper()
	select {
	case <-tg.hit:
	case <-time.After(within):
		t.Fatalf("no request reached the target within %v", within)
	}
}

// forge announces a peer over real mDNS on the loopback: id, the target's
// port, and addrs in the A records. Cleanup withdraws it.
func forge(t *testing.T, id identity.PeerID, port int, addrs ...string) {
	t.Helper()
	lo, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	inst := instanceName(id)
	srv, err := zeroconf.RegisterProxy(inst, ServiceType, Domain, port, inst, addrs,
		encodeTXT(id, "Mallory"), []net.Interface{*lo})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
}

// entry builds the service entry zeroconf would report for a forged
// announcement, for handleEntry (the path every real one takes).
func entry(id identity.PeerID, port int, addr string) *zeroconf.ServiceEntry {
	inst := instanceName(id)
	e := zeroconf.NewServiceEntry(inst, ServiceType, Domain)
	e.HostName, e.Port, e.Text = inst+".local.", port, encodeTXT(id, "Mallory")
	e.AddrIPv4 = []net.IP{net.ParseIP(addr)}
	return e
}

// waitScanned waits until p's MDNS has looked at the interfaces, so that
// handleEntry judges addresses against them.
func waitScanned(t *testing.T, p *localPeer) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		p.m.mu.Lock()
		ok := p.m.scanned
		p.m.mu.Unlock()
		if ok {
			return
		}
	}
	t.Fatal("interfaces not scanned within 5 s")
}

// backoffBound is the most probes one failing address can get in window
// after its first: the backoff schedule at its shortest jitter, plus the
// early probes announcements may ask for.
func backoffBound(cfg Config, window time.Duration) int {
	n, at := 1, time.Duration(0)
	for k := 1; ; k++ {
		d := cfg.ProbeInterval
		if k > 1 {
			d = min(cfg.OfflineProbeInterval<<min(k-2, 30), cfg.MaxProbeBackoff)
		}
		if at += d / 2; at > window {
			return n + announceWakeBurst
		}
		n++
	}
}

// TestForgedAnnouncementBackoff: one forged announcement, over real mDNS,
// naming a host that answers 404 at /healthz. Before, the app probed it
// every ProbeInterval for OfflineAfter and every OfflineProbeInterval
// after that, forever; now it backs off exponentially.
func TestForgedAnnouncementBackoff(t *testing.T) {
	netnstest.Require(t)
	tg := startTarget(t, http.StatusNotFound)
	p := startLocal(t, 40, "Victim", boundsConfig)
	forge(t, testID(t, 41), tg.port, "127.0.0.1")
	tg.waitHit(t, 5*time.Second)

	const window = 3 * time.Second
	time.Sleep(window) // counting requests over a window is the point here
	got := tg.total()
	bound := backoffBound(p.m.cfg, window)
	t.Logf("measure: probes of a 404 target in %v after one forged announcement = %d (bound %d)", window, got, bound)
	if got > bound {
		t.Errorf("one forged announcement made %d probes in %v; the backoff allows %d", got, window, bound)
	}
}

// TestForgedReannouncementsOfLiveTarget: a target that answers 200 is
// probed at the liveness rate, and announcing it again and again (here
// 100 times, each under a new instance name, through handleEntry) adds no
// probes. Before, every announcement probed at once.
func TestForgedReannouncementsOfLiveTarget(t *testing.T) {
	netnstest.Require(t)
	tg := startTarget(t, http.StatusOK)
	p := startLocal(t, 42, "Victim", boundsConfig)
	waitScanned(t, p)
	id := testID(t, 43)
	p.m.handleEntry(entry(id, tg.port, "127.0.0.1"))
	tg.waitHit(t, 5*time.Second)

	const window, again = 2 * time.Second, 100
	start, before := time.Now(), tg.total()
	for range again {
		p.m.handleEntry(entry(id, tg.port, "127.0.0.1"))
		time.Sleep(window / again)
	}
	got := tg.total() - before
	bound := int(time.Since(start)/(p.m.cfg.ProbeInterval*9/10)) + 2
	t.Logf("measure: probes of a live target in %v with %d forged re-announcements = %d (bound %d)", time.Since(start).Round(time.Millisecond), again, got, bound)
	if got > bound {
		t.Errorf("%d re-announcements: %d probes in %v, the liveness rate allows %d", again, got, window, bound)
	}
}

// TestManyForgedAnnouncements: 300 forged peers, each naming its own
// address, stay within the global token bucket, and the peer table stays
// within maxAnnouncedPeers.
func TestManyForgedAnnouncements(t *testing.T) {
	netnstest.Require(t)
	tg := startTarget(t, http.StatusNotFound)
	const rate = 20
	p := startLocal(t, 44, "Victim", func(cfg *Config) {
		boundsConfig(cfg)
		cfg.GlobalProbeRate = rate
	})
	waitScanned(t, p)
	start := time.Now()
	for i := range 300 {
		addr := fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250)
		p.m.handleEntry(entry(testIDFor(t, i), tg.port, addr))
	}
	p.m.mu.Lock()
	tracked := len(p.m.peers)
	p.m.mu.Unlock()
	if tracked > maxAnnouncedPeers {
		t.Errorf("%d peers tracked after 300 forged announcements, bound %d", tracked, maxAnnouncedPeers)
	}

	const window = 2 * time.Second
	time.Sleep(window - time.Since(start)) // counting over a window is the point
	got := tg.total()
	burst := max(rate, maxAddrsPerPeer)
	bound := burst + int(rate*time.Since(start).Seconds()) + 2
	t.Logf("measure: probes in %v after 300 forged announcements = %d (global bucket %d/s, bound %d)", window, got, rate, bound)
	if got > bound {
		t.Errorf("300 forged announcements: %d probes in %v, the global bucket allows %d", got, window, bound)
	}
}

// testIDFor returns a distinct peer id for any n (testID takes a byte).
func testIDFor(t *testing.T, n int) identity.PeerID {
	t.Helper()
	seed := make([]byte, 32)
	copy(seed, "forged")
	seed[30], seed[31] = byte(n>>8), byte(n)
	kp, err := identity.FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return kp.ID()
}

// TestOffLinkAddressNeverProbed: a forged announcement, over real mDNS,
// names an address on no chosen interface (here an address of this
// machine on one end of a veth pair with multicast off, so that a probe
// would arrive and be counted) next to an on-link one. Only the on-link one is
// probed. Before, every announced address was probed unless interfaces
// were configured.
func TestOffLinkAddressNeverProbed(t *testing.T) {
	netnstest.Require(t)
	n := nextNet()
	link, offLink := fmt.Sprintf("pl%da", n), fmt.Sprintf("10.99.%d.1", n)
	netnstest.IP(t, "link", "add", link, "type", "veth", "peer", "name", fmt.Sprintf("pl%db", n))
	t.Cleanup(func() { netnstest.IP(t, "link", "del", link) })
	netnstest.IP(t, "link", "set", link, "multicast", "off", "up")
	netnstest.IP(t, "link", "set", fmt.Sprintf("pl%db", n), "up")
	netnstest.IP(t, "addr", "add", offLink+"/32", "dev", link)

	tg := startTarget(t, http.StatusNotFound)
	startLocal(t, 46, "Victim", boundsConfig)
	forge(t, testID(t, 47), tg.port, offLink, "127.0.0.1")
	// Several rounds, each probing every address that is due.
	for deadline := time.Now().Add(10 * time.Second); tg.to("127.0.0.1") < 4; {
		select {
		case <-tg.hit:
		case <-time.After(time.Until(deadline)):
			t.Fatalf("the on-link address got %d probes within 10 s", tg.to("127.0.0.1"))
		}
	}
	if got := tg.to(offLink); got != 0 {
		t.Errorf("the off-link address %s was probed %d times", offLink, got)
	}
}

// TestBackoffSchedule checks the shape of the backoff: a quick retry,
// then doubling from OfflineProbeInterval up to the cap, each within
// [d/2, d].
func TestBackoffSchedule(t *testing.T) {
	cfg := Config{ProbeInterval: 500 * time.Millisecond, OfflineProbeInterval: time.Second, MaxProbeBackoff: 30 * time.Second}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for i, d := range want {
		for range 50 {
			if got := cfg.backoff(i + 1); got < d/2 || got > d {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", i+1, got, d/2, d)
			}
		}
	}
	if got := cfg.backoff(1000); got > cfg.MaxProbeBackoff {
		t.Errorf("backoff(1000) = %v, over the cap", got)
	}
}
