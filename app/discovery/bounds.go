package discovery

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"golang.org/x/time/rate"
)

// Bounds on what other machines on the LAN can make discovery do. An mDNS
// announcement is unauthenticated: anyone on the link can send one naming
// any host and port, so every probe it causes and every entry it adds is
// bounded here (docs/security/lan-bounds.md has the rules and the tests).
const (
	// maxAnnouncedPeers bounds the peers found by mDNS that are tracked
	// at once (static peers, added by the user, do not count). When it is
	// full, a new announcement evicts the oldest peer that never
	// answered; if every one has answered, the announcement is ignored.
	maxAnnouncedPeers = 128
	// maxAddrsPerPeer bounds the addresses probed for one peer (after
	// IPv6 link-local addresses are multiplied by zones).
	maxAddrsPerPeer = 8
	// maxAddrRecords bounds the per-address probe records. Records of
	// addresses no peer lists any more are kept (so that a forged
	// announcement under a new id does not reset an address's backoff)
	// and evicted oldest first beyond this.
	maxAddrRecords = 2 * maxAnnouncedPeers * maxAddrsPerPeer
	// maxEntriesPerBrowse bounds the services one browse session reports:
	// zeroconf keeps every instance it reported in a map until the
	// browse ends, so a flood of forged instance names ends the browse
	// (the network loop starts a new one at its next poll).
	maxEntriesPerBrowse = 512
	// announceWakeEvery and announceWakeBurst bound the early probes that
	// announcements may ask of one failing address: a restarted peer is
	// probed at once, a forger repeating its announcement gets one probe
	// per announceWakeEvery beyond the burst.
	announceWakeEvery = 30 * time.Second
	announceWakeBurst = 2
)

// addrState is what discovery remembers about probing one hub address,
// shared by every peer that lists it: two peers naming one address do not
// double its probes, and a failing address backs off whoever names it.
type addrState struct {
	fails     int       // consecutive failed probes
	next      time.Time // not probed before this
	lastProbe time.Time
	refs      int           // peers listing it
	wakes     *rate.Limiter // early probes announcements may ask for
}

// newGlobalLimiter returns the token bucket every probe request takes a
// token from. Its burst covers one round of a peer's addresses.
func newGlobalLimiter(perSecond float64) *rate.Limiter {
	return rate.NewLimiter(rate.Limit(perSecond), max(int(perSecond), maxAddrsPerPeer))
}

// backoff returns the wait after the n-th consecutive failure of an
// address (n >= 1), with jitter: a quick retry first (ProbeInterval: a
// lost packet), then OfflineProbeInterval doubling up to MaxProbeBackoff,
// each drawn from [d/2, d] so that many failing addresses spread out.
func (c *Config) backoff(n int) time.Duration {
	d := c.ProbeInterval
	if n > 1 {
		d = c.OfflineProbeInterval
		for i := 2; i < n && d < c.MaxProbeBackoff; i++ {
			d *= 2
		}
	}
	d = min(d, c.MaxProbeBackoff)
	return d/2 + rand.N(d/2+1)
}

// liveWait returns the wait after an answered probe: ProbeInterval and up
// to a tenth more.
func (c *Config) liveWait() time.Duration {
	return c.ProbeInterval + rand.N(c.ProbeInterval/10+1)
}

// trackAddrs records that a peer lists cands. Callers hold mu.
func (m *MDNS) trackAddrs(cands []netip.AddrPort) {
	for _, a := range cands {
		rec := m.addrs[a]
		if rec == nil {
			m.evictAddrs()
			rec = &addrState{wakes: rate.NewLimiter(rate.Every(announceWakeEvery), announceWakeBurst)}
			m.addrs[a] = rec
		}
		rec.refs++
	}
}

// untrackAddrs undoes trackAddrs. Callers hold mu.
func (m *MDNS) untrackAddrs(cands []netip.AddrPort) {
	for _, a := range cands {
		if rec := m.addrs[a]; rec != nil && rec.refs > 0 {
			rec.refs--
		}
	}
}

// evictAddrs makes room for one more record when the table is full: the
// unreferenced record probed longest ago goes. Callers hold mu.
func (m *MDNS) evictAddrs() {
	if len(m.addrs) < maxAddrRecords {
		return
	}
	var oldest netip.AddrPort
	var at time.Time
	for a, rec := range m.addrs {
		if rec.refs == 0 && (!oldest.IsValid() || rec.lastProbe.Before(at)) {
			oldest, at = a, rec.lastProbe
		}
	}
	if oldest.IsValid() {
		delete(m.addrs, oldest)
	}
}

// due splits cands into those that may be probed now and, if none may,
// the earliest time one may. Callers hold mu.
func (m *MDNS) due(cands []netip.AddrPort, now time.Time) (ready []netip.AddrPort, earliest time.Time) {
	for _, a := range cands {
		rec := m.addrs[a]
		if rec == nil || !rec.next.After(now) {
			ready = append(ready, a)
			continue
		}
		if earliest.IsZero() || rec.next.Before(earliest) {
			earliest = rec.next
		}
	}
	return ready, earliest
}

// recordProbe notes one address's probe outcome. Callers hold mu.
func (m *MDNS) recordProbe(a netip.AddrPort, ok bool, now time.Time) {
	rec := m.addrs[a]
	if rec == nil {
		return
	}
	rec.lastProbe = now
	if ok {
		rec.fails = 0
		// Whoever else lists this address waits too: one address, one
		// liveness rate.
		rec.next = now.Add(m.cfg.ProbeInterval * 9 / 10)
		return
	}
	rec.fails++
	rec.next = now.Add(m.cfg.backoff(rec.fails))
}

// announced lets an announcement bring forward the next probe of its
// failing addresses, within each address's wake budget. Callers hold mu.
func (m *MDNS) announced(cands []netip.AddrPort, now time.Time) {
	for _, a := range cands {
		if rec := m.addrs[a]; rec != nil && rec.fails > 0 && rec.next.After(now) && rec.wakes.AllowN(now, 1) {
			rec.next = now
		}
	}
}

// resetBackoff forgets every address's failures: after a change of our
// own interfaces, the failures say nothing about the network we have
// now. Only the local machine causes this. Callers hold mu.
func (m *MDNS) resetBackoff() {
	for _, rec := range m.addrs {
		rec.fails, rec.next = 0, time.Time{}
	}
	for _, st := range m.peers {
		st.wake()
	}
}

// makeRoom evicts the oldest announced peer that never answered, when
// maxAnnouncedPeers are tracked; it reports whether there is room for one
// more. Callers hold mu.
func (m *MDNS) makeRoom() bool {
	var n int
	var oldest *peerState
	for _, st := range m.peers {
		if st.static {
			continue
		}
		n++
		if !st.everOnline && (oldest == nil || st.firstSeen.Before(oldest.firstSeen)) {
			oldest = st
		}
	}
	if n < maxAnnouncedPeers {
		return true
	}
	if oldest == nil {
		return false
	}
	m.log.Debug("discovery: evicted", "id", oldest.id.Short(), "reason", "too many announced peers")
	m.forget(oldest)
	return true
}

// forget stops tracking st. Callers hold mu.
func (m *MDNS) forget(st *peerState) {
	if st.removed {
		return
	}
	st.removed = true
	close(st.stop)
	delete(m.peers, st.key)
	m.untrackAddrs(st.cands)
	if st.everOnline && !st.static {
		m.emit(PeerForgotten, st)
	}
}
