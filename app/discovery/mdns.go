package discovery

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/grandcat/zeroconf"
	"golang.org/x/time/rate"
)

// MDNS advertises this peer's hub on the LAN, browses for other peers and
// keeps each one's online state by probing its hub. Create it with
// NewMDNS, start it with Run; the other methods are safe to call from any
// goroutine, before, during and after Run.
type MDNS struct {
	cfg    Config
	log    *slog.Logger
	events chan Event
	probes *http.Client
	bucket *rate.Limiter // every probe request takes a token (bounds.go)
	ran    atomic.Bool
	// kickAdvertise asks the network loop to register again (SetName).
	kickAdvertise chan struct{}

	mu        sync.Mutex
	running   bool
	ctx       context.Context // Run's context while running
	wg        *sync.WaitGroup // every goroutine Run owns
	name      string
	peers     map[string]*peerState
	addrs     map[netip.AddrPort]*addrState // probe records (bounds.go)
	proofs    map[netip.AddrPort]proof      // see proof.go
	proving   map[netip.AddrPort]bool       // background proofs under way (proveRest)
	queue     []Event
	queued    chan struct{} // signals the pump; capacity 1
	view      netView
	scanned   bool // view holds a first scan
	advErr    error
	browseErr error
	advSince  time.Time // when advertising last started working
	heardSelf bool
}

// NewMDNS validates cfg and returns an MDNS that is not yet running.
func NewMDNS(cfg Config) (*MDNS, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &MDNS{
		cfg:           c,
		log:           c.Logger.With("peer", c.ID.Short()),
		events:        make(chan Event),
		bucket:        newGlobalLimiter(c.GlobalProbeRate),
		kickAdvertise: make(chan struct{}, 1),
		name:          c.Name,
		peers:         make(map[string]*peerState),
		addrs:         make(map[netip.AddrPort]*addrState),
		proofs:        make(map[netip.AddrPort]proof),
		proving:       make(map[netip.AddrPort]bool),
		queued:        make(chan struct{}, 1),
	}
	m.probes = newProbeClient(c.ProbeTimeout, m.dialProbeTLS)
	return m, nil
}

// Events returns the channel of peer changes. Events for one peer arrive
// in order; none is dropped: they queue inside MDNS, so discovery never
// waits for the reader (who should keep reading). The channel is closed
// when Run returns. Read it from one goroutine.
func (m *MDNS) Events() <-chan Event { return m.events }

// Peers returns a snapshot of the known peers, online ones first, then by
// name: every static peer, and every peer found by mDNS that has been
// online (an offline one stays until ForgetAfter). Peers announced over
// mDNS whose hub never answered are left out (Diagnose counts them).
func (m *MDNS) Peers() []Peer {
	m.mu.Lock()
	out := make([]Peer, 0, len(m.peers))
	for _, st := range m.peers {
		if st.everOnline || st.static {
			out = append(out, m.viewOf(st))
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b Peer) int {
		if a.Online != b.Online {
			if a.Online {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Key(), b.Key()))
	})
	return out
}

// SetName changes the advertised display name (cut like Config.Name; ""
// advertises no name, and peers show the short id). Peers see a
// PeerUpdated within about a second: the service is registered again
// under a new instance name (see the package comment for why a TXT update
// alone is not enough).
func (m *MDNS) SetName(name string) {
	m.mu.Lock()
	m.name = cleanName(name)
	m.mu.Unlock()
	select {
	case m.kickAdvertise <- struct{}{}:
	default:
	}
}

// Run advertises, browses and probes until ctx is done, then stops every
// goroutine it started, withdraws the advertisement (goodbye packets),
// closes the Events channel and returns nil. (zeroconf's own announcing
// goroutine may outlive it by up to 3.5 s; see the package comment.)
// Network trouble (no interface, a failed registration) never ends Run:
// Diagnose reports it, and it is retried every InterfacePoll. An MDNS
// runs once; a second call returns ErrRunning.
func (m *MDNS) Run(ctx context.Context) error {
	if !m.ran.CompareAndSwap(false, true) {
		return fmt.Errorf("discovery: run: %w", ErrRunning)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	m.mu.Lock()
	m.running, m.ctx, m.wg = true, ctx, &wg
	for _, st := range m.peers { // static peers added before Run
		m.startProber(st)
	}
	m.mu.Unlock()

	wg.Add(1)
	go func() {
		defer wg.Done()
		m.pump(ctx)
	}()
	m.network(ctx, &wg)

	cancel()
	m.mu.Lock()
	m.running = false
	m.mu.Unlock()
	wg.Wait()
	m.probes.CloseIdleConnections()
	close(m.events)
	return nil
}

// network runs in Run's goroutine: it advertises and browses on the
// current interfaces, re-does both when they change, and restarts the
// browse every RebrowseInterval.
//
// Why restart the browse at all: grandcat/zeroconf's Browse reports each
// instance name once per browse and never again (no update when its
// records change, no removal on goodbye or expiry: issues 65 and 122),
// its socket joins the multicast group only on the interfaces that
// existed when it started, and it gives up by itself (closing the entries
// channel) after about 15 minutes without an answer. Per-registration
// instance names (see instanceName) make peers that re-register appear at
// once; the periodic restart is the backstop that re-reports every live
// peer, including ones forgotten after ForgetAfter and ones whose
// announcement was lost.
func (m *MDNS) network(ctx context.Context, wg *sync.WaitGroup) {
	var (
		adv    *zeroconf.Server
		br     *browse
		lastFP string
		view   netView
	)
	defer func() {
		if br != nil {
			br.stop()
		}
		if adv != nil {
			adv.Shutdown() // sends the goodbye (TTL 0) records
		}
	}()
	restartBrowse := func() {
		nb := m.startBrowse(ctx, wg, view)
		if br != nil {
			br.stop()
		}
		br = nb
	}
	refresh := func() {
		v, err := scanNetwork(&m.cfg)
		if err != nil {
			m.log.Warn("discovery: interfaces", "err", err)
			return
		}
		fp := v.fingerprint()
		changed := fp != lastFP
		lastFP, view = fp, v
		m.mu.Lock()
		m.view, m.scanned = v, true
		if changed {
			m.resetBackoff()
		}
		m.mu.Unlock()
		if changed {
			m.log.Debug("discovery: interfaces", "chosen", v.names(), "missing", v.missing)
		}
		// Advertise first: the browse's first query then reaches our own
		// responder too, whose multicast answer tells every peer about us
		// at once (instead of with zeroconf's first announcement, up to
		// 0.5 s later) and lets us hear ourselves (Diagnose).
		if changed || adv == nil {
			adv = m.advertise(adv, view)
		}
		if changed || br == nil {
			restartBrowse()
		}
	}

	select {
	case <-m.kickAdvertise: // a SetName before Run: refresh advertises it
	default:
	}
	refresh()
	poll := time.NewTicker(m.cfg.InterfacePoll)
	defer poll.Stop()
	rebrowse := time.NewTicker(m.cfg.RebrowseInterval)
	defer rebrowse.Stop()
	for {
		var browseEnded <-chan struct{}
		if br != nil {
			browseEnded = br.done
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
			refresh()
		case <-m.kickAdvertise:
			adv = m.advertise(adv, view)
		case <-rebrowse.C:
			restartBrowse()
		case <-browseEnded:
			// The next poll starts a new one (not at once: a browse that
			// keeps failing must not spin).
			m.log.Debug("discovery: browse ended by itself")
			br = nil
		}
	}
}

// advertise withdraws old (if any) and registers the service on view's
// interfaces under a fresh instance name. It returns nil when there is
// nothing to advertise on or registration failed (recorded for Diagnose).
func (m *MDNS) advertise(old *zeroconf.Server, view netView) *zeroconf.Server {
	if old != nil {
		old.Shutdown()
	}
	if len(view.chosen) == 0 {
		m.setAdvertised(nil)
		return nil
	}
	ips := view.advertised(&m.cfg)
	if len(ips) == 0 {
		m.setAdvertised(fmt.Errorf("discovery: advertise: %w: interfaces %v have no addresses", ErrAdvertise, view.names()))
		return nil
	}
	inst := instanceName(m.cfg.ID)
	m.mu.Lock()
	name := m.name
	m.mu.Unlock()
	srv, err := zeroconf.RegisterProxy(inst, ServiceType, Domain, m.cfg.HubPort, inst, ips,
		encodeTXT(m.cfg.ID, name), ifaceList(view))
	if err != nil {
		m.setAdvertised(fmt.Errorf("discovery: advertise: %w: %w", ErrAdvertise, err))
		return nil
	}
	m.log.Debug("discovery: advertised", "instance", inst, "port", m.cfg.HubPort, "addrs", ips)
	m.setAdvertised(nil)
	return srv
}

func (m *MDNS) setAdvertised(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		if !sameErr(err, m.advErr) { // retried every InterfacePoll: log changes only
			m.log.Warn("discovery: advertise failed", "err", err)
		}
		m.advSince = time.Time{}
	} else if m.advErr != nil || m.advSince.IsZero() {
		m.advSince = time.Now()
	}
	m.advErr = err
}

// browse is one zeroconf browse session.
type browse struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when zeroconf closed the entries channel
}

// stop ends the session. The drain goroutine (owned by Run's WaitGroup)
// keeps reading until zeroconf closes the channel: zeroconf sends entries
// without watching its context, so a reader that stopped early would
// leave its goroutine and sockets stuck forever.
func (b *browse) stop() { b.cancel() }

// startBrowse starts browsing on view's interfaces; nil when there is
// nothing to browse on or zeroconf failed (recorded for Diagnose).
func (m *MDNS) startBrowse(ctx context.Context, wg *sync.WaitGroup, view netView) *browse {
	if len(view.chosen) == 0 {
		m.setBrowseErr(nil)
		return nil
	}
	res, err := newResolver(view)
	if err != nil {
		m.setBrowseErr(fmt.Errorf("discovery: browse: %w: %w", ErrBrowse, err))
		return nil
	}
	bctx, cancel := context.WithCancel(ctx)
	entries := make(chan *zeroconf.ServiceEntry, 16)
	b := &browse{cancel: cancel, done: make(chan struct{})}
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(b.done)
		n := 0
		for e := range entries {
			if n++; n == maxEntriesPerBrowse {
				// zeroconf remembers every instance it reported until
				// the browse ends: end it (and so the memory); the
				// network loop starts another at its next poll.
				m.log.Debug("discovery: browse reported too many services; restarting it", "n", n)
				cancel()
			}
			if n <= maxEntriesPerBrowse {
				m.handleEntry(e)
			}
		}
	}()
	if err := res.Browse(bctx, ServiceType, Domain, entries); err != nil {
		cancel() // zeroconf closes entries, which ends the drain goroutine
		m.setBrowseErr(fmt.Errorf("discovery: browse: %w: %w", ErrBrowse, err))
		return nil
	}
	m.setBrowseErr(nil)
	return b
}

func (m *MDNS) setBrowseErr(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil && !sameErr(err, m.browseErr) { // retried every InterfacePoll: log changes only
		m.log.Warn("discovery: browse failed", "err", err)
	}
	m.browseErr = err
}

func sameErr(a, b error) bool {
	return a != nil && b != nil && a.Error() == b.Error()
}

// newResolver makes a zeroconf resolver on view's interfaces. zeroconf
// fails outright when it cannot open one of the IPv4 and IPv6 sockets it
// is asked for (and leaks the one it did open), so ask only for the
// families the interfaces have, and fall back to one family.
func newResolver(view netView) (*zeroconf.Resolver, error) {
	var has4, has6 bool
	for _, c := range view.chosen {
		for _, p := range c.prefixes {
			has4 = has4 || p.Addr().Is4()
			has6 = has6 || p.Addr().Is6()
		}
	}
	ifs := ifaceList(view)
	var first error
	for _, t := range []zeroconf.IPType{zeroconf.IPv4AndIPv6, zeroconf.IPv4, zeroconf.IPv6} {
		if (t&zeroconf.IPv4 != 0 && !has4) || (t&zeroconf.IPv6 != 0 && !has6) {
			continue
		}
		r, err := zeroconf.NewResolver(zeroconf.SelectIfaces(ifs), zeroconf.SelectIPTraffic(t))
		if err == nil {
			return r, nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = fmt.Errorf("interfaces %v have no addresses", view.names())
	}
	return nil, first
}

func ifaceList(view netView) []net.Interface {
	out := make([]net.Interface, len(view.chosen))
	for i, c := range view.chosen {
		out[i] = c.Interface
	}
	return out
}

// handleEntry takes one service zeroconf reported. Everything in it is
// what some machine on the LAN claims: it is parsed with bounds, only
// on-link addresses are kept (candidates), and at most maxAddrsPerPeer of
// them, and the peer table stays within maxAnnouncedPeers.
func (m *MDNS) handleEntry(e *zeroconf.ServiceEntry) {
	rec, err := parseTXT(e.Text)
	if err != nil {
		m.log.Debug("discovery: ignoring service", "instance", e.Instance, "err", err)
		return
	}
	if e.Port <= 0 || e.Port > 65535 {
		return
	}
	n := min(len(e.AddrIPv4)+len(e.AddrIPv6), 4*maxAddrsPerPeer)
	ips := make([]netip.Addr, 0, n)
	for _, ip := range slices.Concat(e.AddrIPv4, e.AddrIPv6) {
		if len(ips) == n {
			break
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			ips = append(ips, a)
		}
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if rec.id.Equal(m.cfg.ID) { // ourselves (or a copy of our identity)
		m.heardSelf = true
		return
	}
	cands := m.view.candidates(&m.cfg, ips, uint16(e.Port))
	if len(cands) == 0 {
		m.log.Debug("discovery: no usable address", "instance", e.Instance, "addrs", ips)
		return
	}
	if len(cands) > maxAddrsPerPeer {
		cands = cands[:maxAddrsPerPeer]
	}
	now := time.Now()
	key := "id:" + rec.id.String()
	st := m.peers[key]
	if st == nil {
		if !m.makeRoom() {
			m.log.Debug("discovery: ignoring service", "instance", e.Instance, "reason", "too many announced peers")
			return
		}
		st = newPeerState(key, false, cands)
		st.id, st.announced, st.version = rec.id, rec.name, rec.version
		if m.cfg.Identity == nil {
			st.name = rec.name // proofs off: the announcement is all we have
		}
		st.lastSign, st.firstSeen = now, now
		m.peers[key] = st
		m.trackAddrs(cands)
		m.announced(cands, now)
		m.log.Debug("discovery: announced", "id", rec.id.Short(), "name", rec.name, "addrs", cands)
		m.startProber(st)
		return
	}
	changed := st.version != rec.version
	st.announced, st.version = rec.name, rec.version
	if m.cfg.Identity == nil {
		changed = changed || st.name != rec.name
		st.name = rec.name
	} else {
		// Only a refusal removes a proven address; the name waits for
		// the proof the wake below asks for (needsProof).
		cands = m.keepProven(st.id, st.cands, cands)
	}
	if m.setCandidates(st, cands) {
		changed = true
	}
	st.lastSign = now
	if changed && st.online {
		m.emit(PeerUpdated, st)
	}
	m.announced(cands, now)
	st.wake() // costs no request unless an address is due
}

// startProber starts st's probe loop if Run is running. Callers hold mu.
func (m *MDNS) startProber(st *peerState) {
	if !m.running || st.probing {
		return
	}
	st.probing = true
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		m.probeLoop(m.ctx, st)
	}()
}

// emit queues an event with st's current state. Callers hold mu.
func (m *MDNS) emit(kind EventKind, st *peerState) {
	m.queueEvent(Event{Kind: kind, Peer: m.viewOf(st)})
}

// queueEvent queues ev. Callers hold mu.
func (m *MDNS) queueEvent(ev Event) {
	m.queue = append(m.queue, ev)
	select {
	case m.queued <- struct{}{}:
	default:
	}
}

// pump moves queued events to the Events channel.
func (m *MDNS) pump(ctx context.Context) {
	for {
		m.mu.Lock()
		if len(m.queue) == 0 {
			m.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-m.queued:
				continue
			}
		}
		ev := m.queue[0]
		m.queue[0] = Event{}
		m.queue = m.queue[1:]
		m.mu.Unlock()
		select {
		case m.events <- ev:
		case <-ctx.Done():
			return
		}
	}
}

// Diagnose says why nobody may be found, for the UI.
func (m *MDNS) Diagnose() Diagnosis {
	m.mu.Lock()
	defer m.mu.Unlock()
	d := Diagnosis{
		Interfaces: m.view.names(),
		Missing:    slices.Clone(m.view.missing),
		HeardSelf:  m.heardSelf,
	}
	for _, st := range m.peers {
		if st.online {
			d.Online++
		}
		if !st.static {
			d.Announced++
			if !st.everOnline {
				d.Unreachable++
			}
		}
	}
	switch {
	case !m.running || !m.scanned:
		d.Reason = ReasonNotRunning
	case d.Online > 0:
		d.Reason = ReasonOK
	case len(m.view.chosen) == 0:
		d.Reason = ReasonNoInterface
		d.Err = fmt.Errorf("discovery: %w", ErrNoInterface)
	case m.advErr != nil:
		d.Reason, d.Err = ReasonAdvertiseFailed, m.advErr
	case m.browseErr != nil:
		d.Reason, d.Err = ReasonBrowseFailed, m.browseErr
	case d.Unreachable > 0:
		d.Reason = ReasonPeersUnreachable
	case !m.heardSelf && d.Announced == 0 && !m.advSince.IsZero() && time.Since(m.advSince) > selfSeenGrace:
		d.Reason = ReasonMulticastBlocked
	default:
		d.Reason = ReasonNoPeers
	}
	d.explain()
	return d
}
