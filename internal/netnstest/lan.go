package netnstest

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"testing"
)

// LANIface is the name of the LAN interface in every host namespace.
const LANIface = "veth0"

var lanCounter atomic.Int64

// LAN is a set of namespaces on one Ethernet segment: a veth pair for two
// hosts, a bridge in a switch namespace for more. Each host has LANIface
// with 10.99.<subnet>.<i+1>/24 and an IPv6 link-local address.
type LAN struct {
	Hosts  []*Netns
	Switch *Netns // nil for a direct pair
	Subnet int
}

// LANOptions vary a LAN.
type LANOptions struct {
	// NoIPv4 leaves the hosts with IPv6 link-local addresses only, like
	// two computers joined by a cable with no DHCP server.
	NoIPv4 bool
}

// NewLAN makes n host namespaces joined into one LAN.
func NewLAN(t testing.TB, n int) *LAN { return NewLANWith(t, n, LANOptions{}) }

// NewLANWith is NewLAN with options.
func NewLANWith(t testing.TB, n int, o LANOptions) *LAN {
	t.Helper()
	if n < 1 {
		t.Fatalf("NewLAN(%d)", n)
	}
	lan := &LAN{Subnet: int(lanCounter.Add(1)%250) + 1}
	for range n {
		lan.Hosts = append(lan.Hosts, New(t))
	}
	switch {
	case n == 2:
		IP(t, "link", "add", LANIface, "netns", lan.Hosts[0].Name, "type", "veth",
			"peer", "name", LANIface, "netns", lan.Hosts[1].Name)
	case n > 2:
		sw := New(t)
		lan.Switch = sw
		sw.IP(t, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0", "forward_delay", "0")
		sw.IP(t, "link", "set", "br0", "up")
		for i, h := range lan.Hosts {
			port := fmt.Sprintf("p%d", i)
			IP(t, "link", "add", LANIface, "netns", h.Name, "type", "veth", "peer", "name", port, "netns", sw.Name)
			sw.IP(t, "link", "set", port, "master", "br0", "up")
		}
	}
	if n >= 2 {
		for i, h := range lan.Hosts {
			if !o.NoIPv4 {
				h.Addr = netip.AddrFrom4([4]byte{10, 99, byte(lan.Subnet), byte(i + 1)})
				h.IP(t, "addr", "add", h.Addr.String()+"/24", "dev", LANIface)
			}
			h.IP(t, "link", "set", LANIface, "up", "multicast", "on")
		}
	}
	return lan
}

// Unplug deletes h's LAN interface (and, for a veth pair, its other end):
// the machine drops off the network without a word.
func (lan *LAN) Unplug(t testing.TB, h *Netns) {
	t.Helper()
	h.IP(t, "link", "del", LANIface)
}

// Readdress moves h to another IPv4 address on the LAN (a DHCP lease
// changing under a running app).
func (lan *LAN) Readdress(t testing.TB, h *Netns, last byte) {
	t.Helper()
	old := h.Addr
	h.Addr = netip.AddrFrom4([4]byte{10, 99, byte(lan.Subnet), last})
	// Old one out first: deleting a subnet's primary address also deletes
	// its secondaries (unless promote_secondaries is set).
	h.IP(t, "addr", "del", old.String()+"/24", "dev", LANIface)
	h.IP(t, "addr", "add", h.Addr.String()+"/24", "dev", LANIface)
}
