package discovery

import (
	"cmp"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// netIface is a network interface with its addresses.
type netIface struct {
	net.Interface
	prefixes []netip.Prefix
}

func (i netIface) hasLinkLocal6() bool {
	for _, p := range i.prefixes {
		if p.Addr().Is6() && p.Addr().IsLinkLocalUnicast() {
			return true
		}
	}
	return false
}

// netView is the part of the machine's network discovery uses: the
// chosen interfaces and every local address.
type netView struct {
	chosen  []netIface
	missing []string            // configured interface names not usable
	local   map[netip.Addr]bool // every address of every interface, no zone
}

// names returns the chosen interfaces' names.
func (v netView) names() []string {
	out := make([]string, len(v.chosen))
	for i, c := range v.chosen {
		out[i] = c.Name
	}
	return out
}

// fingerprint changes whenever anything discovery depends on changes: an
// interface appearing, going down, losing carrier or changing address.
func (v netView) fingerprint() string {
	var b strings.Builder
	for _, c := range v.chosen {
		fmt.Fprintf(&b, "%s/%d/%v:", c.Name, c.Index, c.Flags&(net.FlagUp|net.FlagMulticast|net.FlagRunning))
		for _, p := range c.prefixes {
			b.WriteString(p.String())
			b.WriteByte(',')
		}
		b.WriteByte(';')
	}
	fmt.Fprintf(&b, "missing=%v", v.missing)
	return b.String()
}

// zoneInterfaces returns the names of chosen interfaces that have an IPv6
// link-local address: the zones a peer's link-local address may be
// reached through.
func (v netView) zoneInterfaces() []string {
	var out []string
	for _, c := range v.chosen {
		if c.hasLinkLocal6() {
			out = append(out, c.Name)
		}
	}
	return out
}

// scanNetwork lists the interfaces and picks those cfg allows: up,
// multicast-capable, named in cfg.Interfaces if set, with an address in
// cfg.Subnets if set.
func scanNetwork(cfg *Config) (netView, error) {
	all, err := net.Interfaces()
	if err != nil {
		return netView{}, fmt.Errorf("discovery: list interfaces: %w", err)
	}
	v := netView{local: make(map[netip.Addr]bool)}
	chosenNames := make(map[string]bool)
	for _, ifi := range all {
		ni := netIface{Interface: ifi}
		addrs, err := ifi.Addrs()
		if err == nil {
			for _, a := range addrs {
				ipn, ok := a.(*net.IPNet)
				if !ok {
					continue
				}
				ip, ok := netip.AddrFromSlice(ipn.IP)
				if !ok {
					continue
				}
				ip = ip.Unmap()
				ones, _ := ipn.Mask.Size()
				ni.prefixes = append(ni.prefixes, netip.PrefixFrom(ip, ones))
				v.local[ip] = true
			}
		}
		slices.SortFunc(ni.prefixes, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 {
			continue
		}
		if len(cfg.Interfaces) > 0 && !slices.Contains(cfg.Interfaces, ifi.Name) {
			continue
		}
		if len(cfg.Subnets) > 0 && !slices.ContainsFunc(ni.prefixes, func(p netip.Prefix) bool {
			return inSubnets(cfg.Subnets, p.Addr())
		}) {
			continue
		}
		v.chosen = append(v.chosen, ni)
		chosenNames[ifi.Name] = true
	}
	for _, name := range cfg.Interfaces {
		if !chosenNames[name] {
			v.missing = append(v.missing, name)
		}
	}
	slices.SortFunc(v.chosen, func(a, b netIface) int { return cmp.Compare(a.Index, b.Index) })
	return v, nil
}

func inSubnets(subnets []netip.Prefix, a netip.Addr) bool {
	return slices.ContainsFunc(subnets, func(p netip.Prefix) bool { return p.Contains(a) })
}

// advertised returns the addresses to put in our A and AAAA records: every
// address of the chosen interfaces (within cfg.Subnets if set, IPv6
// link-local always), as zeroconf wants them (strings, no zone).
// zeroconf's own Register would offer an interface's IPv6 link-local
// address only when it has no global one; we offer both, since a global
// address may be unroutable between two peers on one link while the
// link-local one always works there.
func (v netView) advertised(cfg *Config) []string {
	var out []string
	seen := make(map[netip.Addr]bool)
	for _, c := range v.chosen {
		for _, p := range c.prefixes {
			a := p.Addr()
			if seen[a] || a.IsMulticast() || a.IsUnspecified() {
				continue
			}
			if len(cfg.Subnets) > 0 && !a.IsLinkLocalUnicast() && !inSubnets(cfg.Subnets, a) {
				continue
			}
			seen[a] = true
			out = append(out, a.String())
		}
	}
	return out
}

// candidates turns the addresses of a peer's mDNS answer into hub
// addresses worth probing. The answer is a claim anyone on the LAN can
// make, so only addresses on the link are probed, never an address
// elsewhere that a forger wants traffic sent to:
//
//   - an address must lie in a prefix of a chosen interface (and in
//     cfg.Subnets when set): zeroconf does not say which interface an
//     answer came in on (grandcat/zeroconf issue 51), so "on the link" is
//     on the link of a chosen interface; with one interface chosen that
//     is exactly the receiving one. Loopback addresses pass only where
//     the loopback interface itself is chosen (test namespaces), so a
//     forged 127.0.0.1 never reaches this machine's local services;
//   - an IPv6 link-local address becomes one candidate per chosen
//     interface that has IPv6 link-local, with that interface as zone,
//     narrowed to the interfaces the answer's other addresses are on when
//     it has any: the probe finds out which zone answers;
//   - an address of this machine with our own hub port is ourselves (a
//     peer advertising, say, a Docker bridge address that we have too) and
//     is dropped, so we never probe our own hub on a peer's behalf.
//
// Order: IPv4, then other IPv6, then link-local; duplicates removed.
func (v netView) candidates(cfg *Config, ips []netip.Addr, port uint16) []netip.AddrPort {
	var v4, v6 []netip.AddrPort
	var lls []netip.Addr
	seen := make(map[netip.AddrPort]bool)
	add := func(list *[]netip.AddrPort, ap netip.AddrPort) {
		if !seen[ap] {
			seen[ap] = true
			*list = append(*list, ap)
		}
	}
	var on []string // interfaces the answer's other addresses are on
	for _, a := range ips {
		a = a.Unmap().WithZone("")
		switch {
		case !a.IsValid() || a.IsUnspecified() || a.IsMulticast():
			continue
		case v.local[a] && int(port) == cfg.HubPort:
			continue
		case a.Is6() && a.IsLinkLocalUnicast():
			if !slices.Contains(lls, a) {
				lls = append(lls, a)
			}
			continue
		}
		ifi, ok := v.onLink(cfg, a)
		if !ok {
			continue
		}
		if !slices.Contains(on, ifi) {
			on = append(on, ifi)
		}
		if a.Is4() {
			add(&v4, netip.AddrPortFrom(a, port))
		} else {
			add(&v6, netip.AddrPortFrom(a, port))
		}
	}
	zones := v.zoneInterfaces()
	if narrowed := slices.DeleteFunc(slices.Clone(zones), func(z string) bool { return !slices.Contains(on, z) }); len(narrowed) > 0 {
		zones = narrowed
	}
	var ll []netip.AddrPort
	for _, a := range lls {
		for _, z := range zones {
			add(&ll, netip.AddrPortFrom(a.WithZone(z), port))
		}
	}
	return slices.Concat(v4, v6, ll)
}

// onLink reports the chosen interface a lies on (in one of its
// prefixes), if any, when a is also in cfg.Subnets (if set).
func (v netView) onLink(cfg *Config, a netip.Addr) (string, bool) {
	if len(cfg.Subnets) > 0 && !inSubnets(cfg.Subnets, a) {
		return "", false
	}
	for _, c := range v.chosen {
		for _, p := range c.prefixes {
			if p.Masked().Contains(a) {
				return c.Name, true
			}
		}
	}
	return "", false
}
