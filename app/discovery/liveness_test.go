package discovery

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// TestProbe checks how a probe classifies what a hub does, against real
// servers on loopback.
func TestProbe(t *testing.T) {
	m, err := NewMDNS(Config{ID: testID(t, 1), HubPort: 1, ProbeTimeout: 300 * time.Millisecond, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	serve := func(status int) netip.AddrPort {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != healthPath {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(status)
		}))
		t.Cleanup(srv.Close)
		return netip.MustParseAddrPort(srv.Listener.Addr().String())
	}
	closed := func() netip.AddrPort {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ap := netip.MustParseAddrPort(ln.Addr().String())
		ln.Close()
		return ap
	}
	// A listener that never accepts: the kernel completes the handshake,
	// the request is never answered (a hung peer, or packets vanishing).
	silent := func() netip.AddrPort {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		return netip.MustParseAddrPort(ln.Addr().String())
	}
	tests := []struct {
		name string
		addr netip.AddrPort
		want error // nil: online
	}{
		{"healthy hub", serve(http.StatusOK), nil},
		{"hub shutting down (503)", serve(http.StatusServiceUnavailable), ErrProbeRefused},
		{"not a hub (404)", serve(http.StatusNotFound), ErrProbeRefused},
		{"nothing listening", closed(), ErrProbeRefused},
		{"no answer", silent(), ErrProbeNoAnswer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			err := m.get(t.Context(), identity.PeerID{}, tc.addr)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("probe %v: %v, want %v", tc.addr, err, tc.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("probe took %v with a 300 ms timeout", d)
			}
		})
	}
}

// TestLivenessRules drives apply with probe outcomes and checks the
// online/offline/forget rules.
func TestLivenessRules(t *testing.T) {
	const (
		interval = 10 * time.Millisecond
		timeout  = 10 * time.Millisecond
		offline  = 100 * time.Millisecond
		forget   = 300 * time.Millisecond
	)
	a := netip.MustParseAddrPort("192.0.2.1:47400")
	b := netip.MustParseAddrPort("[fe80::1%eth0]:47400")
	ok := func(addr netip.AddrPort) probeResult { return probeResult{addr: addr} }
	refused := probeResult{refused: true, err: ErrProbeRefused}
	silent := probeResult{err: ErrProbeNoAnswer}
	type step struct {
		sleep time.Duration
		res   probeResult
		want  []EventKind // events this step emits
		keep  bool        // probing continues
	}
	tests := []struct {
		name   string
		static bool
		steps  []step
	}{
		{"answer brings online; same address is quiet", false, []step{
			{0, ok(a), []EventKind{PeerOnline}, true},
			{0, ok(a), nil, true},
		}},
		{"refusal from the answering address: offline at once", false, []step{
			{0, ok(a), []EventKind{PeerOnline}, true},
			{0, refused, []EventKind{PeerOffline}, true},
			{0, ok(b), []EventKind{PeerOnline}, true},
		}},
		{"no answer: offline only after OfflineAfter", false, []step{
			{0, ok(a), []EventKind{PeerOnline}, true},
			{0, silent, nil, true},
			{offline / 2, silent, nil, true},
			{offline, silent, []EventKind{PeerOffline}, true},
		}},
		{"another address answering is an update", false, []step{
			{0, ok(a), []EventKind{PeerOnline}, true},
			{0, silent, nil, true},
			{0, ok(b), []EventKind{PeerUpdated}, true},
		}},
		{"never answered: no events, forgotten after ForgetAfter", false, []step{
			{0, silent, nil, true},
			{forget + interval, silent, nil, false},
		}},
		{"static peers are never forgotten", true, []step{
			{0, ok(a), []EventKind{PeerOnline}, true},
			{0, refused, []EventKind{PeerOffline}, true},
			{forget + interval, refused, nil, true},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := NewMDNS(Config{ID: testID(t, 1), HubPort: 1, ProbeInterval: interval, ProbeTimeout: timeout,
				OfflineAfter: offline, ForgetAfter: forget, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			st := newPeerState("id:x", tc.static, []netip.AddrPort{a, b})
			st.id = testID(t, 2)
			st.lastSign = time.Now()
			m.peers[st.key] = st
			for i, s := range tc.steps {
				time.Sleep(s.sleep)
				before := len(m.queue)
				_, keep := m.apply(st, s.res)
				var got []EventKind
				for _, ev := range m.queue[before:] {
					got = append(got, ev.Kind)
				}
				if fmt.Sprint(got) != fmt.Sprint(s.want) || keep != s.keep {
					t.Fatalf("step %d (%+v): events %v keep %v, want %v keep %v", i, s.res, got, keep, s.want, s.keep)
				}
			}
			if _, known := m.peers[st.key]; known != tc.steps[len(tc.steps)-1].keep {
				t.Errorf("peer known = %v after the last step", known)
			}
		})
	}
}
