package discovery

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Static peers are hubs added by address, for networks where mDNS cannot
// work (Wi-Fi client isolation, multicast filtered). They get the same
// probing and events as peers found by mDNS, but /healthz says nothing
// about who answers, so a static peer is keyed by its address and its
// Peer.ID stays zero: the caller knows which contact it added, and learns
// the key for sure when it dials the hub and authenticates.

// AddStatic starts probing the hub at addr like a discovered peer; events
// for it have Peer.Static set and Peer.Addrs[0] == addr. Adding an address
// twice is a no-op. Static peers are never forgotten; RemoveStatic stops
// them. Safe before and during Run.
func (m *MDNS) AddStatic(addr netip.AddrPort) error {
	addr, err := checkHubAddr(addr)
	if err != nil {
		return err
	}
	key := staticKey(addr)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.peers[key]; ok {
		return nil
	}
	st := newPeerState(key, true, []netip.AddrPort{addr})
	st.firstSeen = time.Now()
	m.peers[key] = st
	m.trackAddrs(st.cands)
	m.startProber(st)
	return nil
}

// RemoveStatic stops probing a static peer, with a PeerOffline event if it
// was online. It reports whether addr was a static peer.
func (m *MDNS) RemoveStatic(addr netip.AddrPort) bool {
	addr, err := checkHubAddr(addr)
	if err != nil {
		return false
	}
	key := staticKey(addr)
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.peers[key]
	if !ok || !st.static {
		return false
	}
	wasOnline := st.online
	st.online = false
	m.forget(st)
	if wasOnline {
		m.emit(PeerOffline, st)
	}
	return true
}

func staticKey(addr netip.AddrPort) string { return "addr:" + addr.String() }

// checkHubAddr validates a hub address and unmaps IPv4-in-IPv6.
func checkHubAddr(addr netip.AddrPort) (netip.AddrPort, error) {
	a := addr.Addr()
	switch {
	case !addr.IsValid() || addr.Port() == 0:
		return netip.AddrPort{}, fmt.Errorf("discovery: hub address %s: %w: need an IP and a port", addr, ErrBadAddr)
	case a.IsUnspecified() || a.IsMulticast():
		return netip.AddrPort{}, fmt.Errorf("discovery: hub address %s: %w: not a unicast address", addr, ErrBadAddr)
	case a.Is6() && !a.Is4In6() && a.IsLinkLocalUnicast() && a.Zone() == "":
		return netip.AddrPort{}, fmt.Errorf("discovery: hub address %s: %w: a link-local address needs a zone (%%interface)", addr, ErrBadAddr)
	}
	return netip.AddrPortFrom(a.Unmap(), addr.Port()), nil
}

// ParseHubAddr reads a hub address as a person types it: "192.168.1.20",
// "192.168.1.20:47400", "fe80::1%eth0", "[fe80::1%eth0]:47400". The port
// defaults to DefaultHubPort. Host names are not resolved.
func ParseHubAddr(s string) (netip.AddrPort, error) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return checkHubAddr(ap)
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("discovery: hub address %.64q: %w: want IP or IP:port", s, ErrBadAddr)
	}
	return checkHubAddr(netip.AddrPortFrom(a, DefaultHubPort))
}

// portString formats a port for net.Listen.
func portString(port int) string { return ":" + strconv.Itoa(port) }
