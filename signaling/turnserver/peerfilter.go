package turnserver

import (
	"net"
	"net/netip"
)

// refusedPeers are the ranges a relay on the internet must not send to
// unless the operator allows them: they reach the server's own host or
// network (loopback, RFC 1918, ULA, link-local, CGNAT), many hosts at once
// (multicast, broadcast), or nothing meaningful (unspecified, reserved).
var refusedPeers = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network", unspecified
	netip.MustParsePrefix("10.0.0.0/8"),     // RFC 1918
	netip.MustParsePrefix("100.64.0.0/10"),  // CGNAT, RFC 6598
	netip.MustParsePrefix("127.0.0.0/8"),    // loopback
	netip.MustParsePrefix("169.254.0.0/16"), // link-local (cloud metadata lives here)
	netip.MustParsePrefix("172.16.0.0/12"),  // RFC 1918
	netip.MustParsePrefix("192.168.0.0/16"), // RFC 1918
	netip.MustParsePrefix("224.0.0.0/4"),    // multicast
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
	netip.MustParsePrefix("::/128"),         // unspecified
	netip.MustParsePrefix("::1/128"),        // loopback
	netip.MustParsePrefix("fc00::/7"),       // ULA
	netip.MustParsePrefix("fe80::/10"),      // link-local
	netip.MustParsePrefix("ff00::/8"),       // multicast
}

// peerFilter decides which peer addresses the relay may talk to.
type peerFilter struct {
	allow []netip.Prefix // the operator's --turn-allow-peers
	own   []netip.Addr   // the relay's own addresses (announced and bound)
}

// refusedRange reports whether ip lies in a range refused by default.
func refusedRange(ip netip.Addr) bool {
	for _, p := range refusedPeers {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// addr converts a net.IP, unmapping IPv4-in-IPv6 so ::ffff:10.0.0.1 is
// judged as 10.0.0.1.
func addr(ip net.IP) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	return a.Unmap(), ok
}

func (f *peerFilter) allowed(ip netip.Addr) bool {
	for _, p := range f.allow {
		if p.Contains(ip) {
			return true
		}
	}
	return !refusedRange(ip)
}

// isOwn reports whether ip is one of the relay's own addresses.
func (f *peerFilter) isOwn(ip netip.Addr) bool {
	for _, o := range f.own {
		if o == ip {
			return true
		}
	}
	return false
}

// permit is the pion PermissionHandler: a permission (or channel) to ip
// is granted when ip is allowed, or when it is the relay's own address —
// relay to relay. The own-address case is narrowed to the relay's ports
// packet by packet (relayConn.WriteTo), because a permission covers every
// port of an address.
func (f *peerFilter) permit(ip net.IP) bool {
	a, ok := addr(ip)
	if !ok {
		return false
	}
	return f.allowed(a) || f.isOwn(a)
}
