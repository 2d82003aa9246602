package discovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// Liveness: every known peer has one goroutine that probes its hub with
// GET /healthz: every ProbeInterval while it answers, and with
// exponential backoff (and jitter) while it does not.
//
// Why an HTTP GET rather than a bare TCP connect: the hub answers /healthz
// with 503 as soon as it starts shutting down, before its listener closes,
// so a peer that quits goes offline on the next probe; a 200 from
// /healthz says a hub is there, where a completed TCP handshake only says
// that something listens on the port (after kill -9 and a port reuse,
// something else might); and the request goes over a kept-alive
// connection, so a steady-state probe costs one small request and answer,
// not a TCP handshake and teardown every probe.
//
// The rules:
//
//   - an answer with 200 from any of the peer's addresses makes it online;
//     that address is tried first from then on;
//   - a refusal (connection refused or reset, or any other status) from
//     the address that last answered makes the peer offline at once: the
//     hub is gone or going (quit, kill -9);
//   - no answer (timeout, host or network unreachable) counts only by
//     time: the peer goes offline once OfflineAfter has passed since its
//     last answer (network vanished, machine off). While the usual address
//     fails, every address is tried at once, so a peer with a second path
//     (Ethernet and Wi-Fi) stays online.
//
// And the bounds (bounds.go), because anyone on the LAN can announce any
// address:
//
//   - each address has one record, shared by every peer naming it: after
//     an answer it is not probed again for 0.9 ProbeInterval, after the
//     n-th failure in a row it waits Config.backoff(n) (ProbeInterval,
//     then OfflineProbeInterval doubling up to MaxProbeBackoff, jittered);
//     only an answer resets that, not a new announcement or a new peer id;
//   - an announcement may bring a failing address's next probe forward
//     only within that address's wake budget (announceWakeBurst, then one
//     per announceWakeEvery);
//   - every probe request takes a token from one bucket of
//     GlobalProbeRate per second.
type peerState struct {
	key    string
	static bool
	id     identity.PeerID
	name   string // with proofs on, the name the hub signed
	// announced is the name of the last mDNS announcement (a hint: with
	// proofs on it only asks for a new proof when it differs from name).
	announced string
	version   int
	// cands are the addresses to probe, the one that last answered first.
	cands []netip.AddrPort
	// good is the address that answered last; invalid after a refusal.
	good       netip.AddrPort
	failing    bool // the last probe got no answer
	online     bool
	everOnline bool
	lastOK     time.Time // last answered probe
	lastSign   time.Time // last answered probe or mDNS announcement
	firstSeen  time.Time // first announcement (eviction order)
	probing    bool      // a probe loop runs
	removed    bool
	kick       chan struct{} // probe now; capacity 1
	stop       chan struct{} // closed when removed
}

func newPeerState(key string, static bool, cands []netip.AddrPort) *peerState {
	return &peerState{
		key:    key,
		static: static,
		cands:  slices.Clone(cands),
		kick:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
	}
}

// view returns the public Peer. Callers hold MDNS.mu.
func (st *peerState) view() Peer {
	return Peer{
		ID:       st.id,
		Name:     st.name,
		Addrs:    slices.Clone(st.cands),
		Version:  st.version,
		LastSeen: st.lastOK,
		Online:   st.online,
		Static:   st.static,
	}
}

// wake makes the probe loop probe now.
func (st *peerState) wake() {
	select {
	case st.kick <- struct{}{}:
	default:
	}
}

// setCandidates replaces the addresses (a newer announcement is
// authoritative), keeping the answering one first if it is still among
// them. It reports whether the set changed. Callers hold MDNS.mu.
func (m *MDNS) setCandidates(st *peerState, cands []netip.AddrPort) bool {
	if sameSet(st.cands, cands) {
		return false
	}
	m.untrackAddrs(st.cands)
	m.trackAddrs(cands)
	st.cands = slices.Clone(cands)
	if i := slices.Index(st.cands, st.good); i > 0 {
		moveToFront(st.cands, i)
	} else if i < 0 {
		st.good = netip.AddrPort{}
	}
	return true
}

func sameSet(a, b []netip.AddrPort) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func moveToFront(list []netip.AddrPort, i int) {
	x := list[i]
	copy(list[1:i+1], list[:i])
	list[0] = x
}

// probeLoop probes st until ctx ends, the peer is removed, or it is
// forgotten. A round probes only the addresses whose records allow it
// (see bounds.go); a round where none does probes nothing and only lets
// time-based rules (offline, forget) apply.
func (m *MDNS) probeLoop(ctx context.Context, st *peerState) {
	for {
		m.mu.Lock()
		if st.removed {
			m.mu.Unlock()
			return
		}
		now := time.Now()
		var ready []netip.AddrPort
		useGood := st.good.IsValid() && !st.failing
		if useGood {
			ready, _ = m.due([]netip.AddrPort{st.good}, now)
		} else {
			ready, _ = m.due(st.cands, now)
		}
		m.mu.Unlock()

		var res probeResult
		switch {
		case len(ready) == 0:
			res = probeResult{idle: true, err: fmt.Errorf("discovery: probe: %w: backing off", ErrProbeNoAnswer)}
		case m.bucket.WaitN(ctx, len(ready)) != nil:
			return // ctx ended
		case useGood:
			res = m.probeOne(ctx, st, ready[0])
			if !res.addr.IsValid() {
				res.failed = ready
			} else {
				m.proveRest(ctx, st)
			}
		default:
			res = m.probeAll(ctx, st, ready)
		}
		if ctx.Err() != nil {
			return
		}
		wait, keep := m.apply(st, res)
		if !keep {
			return
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-st.stop:
			t.Stop()
			return
		case <-st.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// proveRest proves, in the background (owned by m.wg), st's candidates
// that are due and not proven for it yet, besides the one that answers:
// an address announced later (say the IPv6 one) gets proven too, so
// package trust knows every address a contact's key was proven at. Each
// takes a token of the global bucket (none left: next round) and counts
// as a probe of its address (a failure backs that address off).
func (m *MDNS) proveRest(ctx context.Context, st *peerState) {
	if m.cfg.Identity == nil || st.static || st.id.IsZero() {
		return
	}
	m.mu.Lock()
	var todo []netip.AddrPort
	ready, _ := m.due(st.cands, time.Now())
	for _, a := range ready {
		if a == st.good || m.proving[a] {
			continue
		}
		if pf, ok := m.proofs[a]; ok && pf.id.Equal(st.id) {
			continue
		}
		if !m.bucket.Allow() {
			break
		}
		m.proving[a] = true
		todo = append(todo, a)
	}
	m.mu.Unlock()
	for _, a := range todo {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			err := m.prove(ctx, st.id, a)
			m.mu.Lock()
			delete(m.proving, a)
			m.recordProbe(a, err == nil, time.Now())
			m.mu.Unlock()
		}()
	}
}

// probeResult is the outcome of one probe round.
type probeResult struct {
	addr    netip.AddrPort   // the address that answered; invalid if none
	refused bool             // every address tried refused
	err     error            // why no address answered
	failed  []netip.AddrPort // addresses whose probe failed (not those cut short)
	idle    bool             // no address was due: nothing was probed
}

// probeOne probes the address that answered last time.
func (m *MDNS) probeOne(ctx context.Context, st *peerState, addr netip.AddrPort) probeResult {
	err := m.get(ctx, st.id, addr)
	if err == nil {
		return probeResult{addr: addr}
	}
	return probeResult{refused: errors.Is(err, ErrProbeRefused), err: err}
}

// probeAll probes every address at once; the first to answer wins.
func (m *MDNS) probeAll(ctx context.Context, st *peerState, cands []netip.AddrPort) probeResult {
	if len(cands) == 0 {
		return probeResult{err: fmt.Errorf("discovery: probe: %w: no address", ErrProbeNoAnswer)}
	}
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answer struct {
		addr netip.AddrPort
		err  error
	}
	answers := make(chan answer, len(cands)) // never blocks a sender
	var wg sync.WaitGroup
	for _, a := range cands {
		if m.needsProof(st.id, a) {
			// A proof runs to its end even once another address won the
			// round (bounded by ProbeTimeout; owned by m.wg): every
			// address of a peer gets proven, so a peer with IPv4 and IPv6
			// addresses is known at both, which "identity changed" needs
			// (package trust matches a new key by the address proven).
			m.wg.Add(1)
			go func() {
				defer m.wg.Done()
				answers <- answer{a, m.get(parent, st.id, a)}
			}()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers <- answer{a, m.get(ctx, st.id, a)}
		}()
	}
	res := probeResult{refused: true}
	for range cands {
		a := <-answers
		if a.err == nil {
			res = probeResult{addr: a.addr, failed: res.failed}
			break
		}
		res.failed = append(res.failed, a.addr)
		if res.err == nil {
			res.err = a.err
		}
		if !errors.Is(a.err, ErrProbeRefused) {
			res.refused = false
		}
	}
	cancel()
	wg.Wait() // cancelled requests return at once; proofs go on
	return res
}

// apply records a probe round's outcome, emits the events it causes, and
// says how long to wait before the next round (keep false: stop probing).
func (m *MDNS) apply(st *peerState, res probeResult) (wait time.Duration, keep bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st.removed {
		return 0, false
	}
	now := time.Now()
	for _, a := range res.failed {
		m.recordProbe(a, false, now)
	}
	if res.addr.IsValid() {
		m.recordProbe(res.addr, true, now)
		i := slices.Index(st.cands, res.addr)
		if i < 0 {
			return 0, true // the addresses changed meanwhile: probe again now
		}
		moved := i > 0
		moveToFront(st.cands, i)
		st.good, st.failing = res.addr, false
		st.lastOK, st.lastSign = now, now
		switch {
		case !st.online:
			st.online, st.everOnline = true, true
			m.log.Debug("discovery: online", "id", st.id.Short(), "name", st.name, "addr", res.addr)
			m.emit(PeerOnline, st)
		case moved:
			m.emit(PeerUpdated, st)
		}
		return m.cfg.liveWait(), true
	}

	if !res.idle {
		st.failing = true
		if res.refused {
			st.good = netip.AddrPort{}
		}
	}
	if st.online && ((res.refused && !res.idle) || now.Sub(st.lastOK) >= m.cfg.OfflineAfter) {
		st.online = false
		m.log.Debug("discovery: offline", "id", st.id.Short(), "name", st.name, "err", res.err)
		m.emit(PeerOffline, st)
	}
	if !st.static && !st.online && now.Sub(st.lastSign) >= m.cfg.ForgetAfter {
		m.log.Debug("discovery: forgotten", "id", st.id.Short(), "name", st.name)
		m.forget(st)
		return 0, false
	}
	// Next round: when the first address may be probed again, and no
	// later than the moment an online peer's silence makes it offline.
	_, earliest := m.due(st.cands, now)
	if earliest.IsZero() {
		earliest = now
	}
	if st.online {
		earliest = minTime(earliest, st.lastOK.Add(m.cfg.OfflineAfter))
	}
	if !st.static {
		earliest = minTime(earliest, st.lastSign.Add(m.cfg.ForgetAfter))
	}
	return max(earliest.Sub(now), time.Millisecond), true
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// healthPath is the hub's health endpoint (signaling/server).
const healthPath = "/healthz"

// newProbeClient returns the HTTP client for probes: no proxy (LAN
// addresses must never go through one), no redirects, one kept-alive
// connection per address, TLS through dialTLS (the hub serves only TLS;
// see proof.go for the certificate pin).
func newProbeClient(timeout time.Duration, dialTLS func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialTLSContext:        dialTLS,
			MaxIdleConns:          256,
			MaxIdleConnsPerHost:   1,
			IdleConnTimeout:       30 * time.Second,
			ResponseHeaderTimeout: timeout,
			DisableCompression:    true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// get probes one address of peer id: nil for a 200 from /healthz, else an
// error wrapping ErrProbeRefused or ErrProbeNoAnswer. With proofs on
// (Config.Identity) an address not yet proven for id is proven first (a
// failed proof is a refusal), and /healthz must come from the pinned hub.
func (m *MDNS) get(ctx context.Context, id identity.PeerID, addr netip.AddrPort) error {
	if m.needsProof(id, addr) {
		if err := m.prove(ctx, id, addr); err != nil {
			if errors.Is(err, ErrUnproven) {
				m.freeAddr(id, addr)
			}
			return err
		}
		m.applyProof(id, addr)
		return nil // a proven handshake is an answer too
	}
	ctx, cancel := context.WithTimeout(ctx, m.cfg.ProbeTimeout)
	defer cancel()
	u := url.URL{Scheme: "https", Host: addr.String(), Path: healthPath}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("discovery: probe %s: %w: %w", addr, ErrProbeNoAnswer, err)
	}
	resp, err := m.probes.Do(req)
	if err != nil {
		if isRefused(err) || errors.Is(err, errPinMismatch) {
			m.forgetProof(addr)
			if errors.Is(err, errPinMismatch) {
				m.freeAddr(id, addr)
			}
			return fmt.Errorf("discovery: probe %s: %w: %w", addr, ErrProbeRefused, err)
		}
		return fmt.Errorf("discovery: probe %s: %w: %w", addr, ErrProbeNoAnswer, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 512)) // lets the connection be reused
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		m.forgetProof(addr)
		return fmt.Errorf("discovery: probe %s: %w: HTTP %d", addr, ErrProbeRefused, resp.StatusCode)
	}
	return nil
}

// isRefused reports an active refusal: the host is there but nothing
// (any more) listens on the port.
func isRefused(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	return errno == errConnRefused || errno == errConnReset
}
