package discovery

import (
	"net"
	"net/netip"
	"slices"
	"testing"
)

func TestCandidates(t *testing.T) {
	eth := netIface{Interface: net.Interface{Index: 2, Name: "eth0", Flags: net.FlagUp | net.FlagMulticast},
		prefixes: []netip.Prefix{netip.MustParsePrefix("192.168.1.10/24"), netip.MustParsePrefix("fe80::10/64")}}
	wlan := netIface{Interface: net.Interface{Index: 3, Name: "wlan0", Flags: net.FlagUp | net.FlagMulticast},
		prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.5/24"), netip.MustParsePrefix("fe80::5/64")}}
	docker := netIface{Interface: net.Interface{Index: 4, Name: "docker0", Flags: net.FlagUp | net.FlagMulticast},
		prefixes: []netip.Prefix{netip.MustParsePrefix("172.17.0.1/16")}}
	lo := netIface{Interface: net.Interface{Index: 1, Name: "lo", Flags: net.FlagUp | net.FlagMulticast | net.FlagLoopback},
		prefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8"), netip.MustParsePrefix("::1/128")}}
	local := map[netip.Addr]bool{}
	for _, i := range []netIface{eth, wlan, docker, lo} {
		for _, p := range i.prefixes {
			local[p.Addr()] = true
		}
	}
	all := netView{chosen: []netIface{eth, wlan, docker}, local: local}
	onlyEth := netView{chosen: []netIface{eth}, local: local}
	peerIPs := []netip.Addr{
		netip.MustParseAddr("192.168.1.20"),
		netip.MustParseAddr("172.17.0.1"), // the peer's Docker bridge: ours too
		netip.MustParseAddr("fd00::20"),
		netip.MustParseAddr("fe80::20"),
		netip.MustParseAddr("::ffff:10.0.0.20"),
		netip.MustParseAddr("192.168.1.20"), // duplicate
	}
	tests := []struct {
		name string
		view netView
		cfg  Config
		port uint16
		ips  []netip.Addr // default peerIPs
		want []string
	}{
		{
			name: "all interfaces, peer on another port",
			view: all, cfg: Config{HubPort: 47400}, port: 47401,
			// fd00::20 is on none of our links: dropped.
			want: []string{"192.168.1.20:47401", "172.17.0.1:47401", "10.0.0.20:47401",
				"[fe80::20%eth0]:47401", "[fe80::20%wlan0]:47401"},
		},
		{
			name: "our own address with our port is dropped",
			view: all, cfg: Config{HubPort: 47400}, port: 47400,
			want: []string{"192.168.1.20:47400", "10.0.0.20:47400",
				"[fe80::20%eth0]:47400", "[fe80::20%wlan0]:47400"},
		},
		{
			name: "restricted to eth0: its subnet and its zone only",
			view: onlyEth, cfg: Config{HubPort: 47400, Interfaces: []string{"eth0"}}, port: 47401,
			want: []string{"192.168.1.20:47401", "[fe80::20%eth0]:47401"},
		},
		{
			name: "subnet filter",
			view: netView{chosen: []netIface{wlan}, local: local},
			cfg:  Config{HubPort: 47400, Subnets: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, port: 47401,
			want: []string{"10.0.0.20:47401", "[fe80::20%wlan0]:47401"},
		},
	}
	loop := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")}
	tests = append(tests, []struct {
		name string
		view netView
		cfg  Config
		port uint16
		ips  []netip.Addr
		want []string
	}{
		{name: "loopback from a remote peer is dropped", view: all, cfg: Config{HubPort: 47400}, port: 47401,
			ips: append([]netip.Addr{netip.MustParseAddr("192.168.1.20")}, loop...), want: []string{"192.168.1.20:47401"}},
		{name: "loopback from a peer on this host is dropped too (lo not chosen)", view: all, cfg: Config{HubPort: 47400}, port: 47401,
			ips: append([]netip.Addr{netip.MustParseAddr("192.168.1.10")}, loop...), want: []string{"192.168.1.10:47401"}},
		{name: "loopback only: nothing to probe (a forged 127.0.0.1 never reaches local services)", view: all, cfg: Config{HubPort: 47400}, port: 47401,
			ips: loop, want: nil},
		{name: "loopback where lo is chosen (a test namespace)", view: netView{chosen: []netIface{lo}, local: local}, cfg: Config{HubPort: 47400}, port: 47401,
			ips: loop, want: []string{"127.0.0.1:47401", "[::1]:47401"}},
		{name: "off-link addresses are never probed", view: all, cfg: Config{HubPort: 47400}, port: 47401,
			ips:  []netip.Addr{netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("192.168.2.1"), netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("10.0.0.20")},
			want: []string{"10.0.0.20:47401"}},
		{name: "link-local zones narrowed to the interface the other addresses are on", view: all, cfg: Config{HubPort: 47400}, port: 47401,
			ips:  []netip.Addr{netip.MustParseAddr("10.0.0.20"), netip.MustParseAddr("fe80::20")},
			want: []string{"10.0.0.20:47401", "[fe80::20%wlan0]:47401"}},
	}...)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ips := tc.ips
			if ips == nil {
				ips = peerIPs
			}
			var got []string
			for _, ap := range tc.view.candidates(&tc.cfg, ips, tc.port) {
				got = append(got, ap.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("candidates:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestAdvertised(t *testing.T) {
	eth := netIface{Interface: net.Interface{Name: "eth0"},
		prefixes: []netip.Prefix{netip.MustParsePrefix("192.168.1.10/24"), netip.MustParsePrefix("2001:db8::10/64"), netip.MustParsePrefix("fe80::10/64")}}
	v := netView{chosen: []netIface{eth}}
	if got, want := v.advertised(&Config{}), []string{"192.168.1.10", "2001:db8::10", "fe80::10"}; !slices.Equal(got, want) {
		t.Errorf("advertised = %v, want %v (link-local offered next to the global address)", got, want)
	}
	cfg := Config{Subnets: []netip.Prefix{netip.MustParsePrefix("192.168.0.0/16")}}
	if got, want := v.advertised(&cfg), []string{"192.168.1.10", "fe80::10"}; !slices.Equal(got, want) {
		t.Errorf("advertised with subnets = %v, want %v", got, want)
	}
}
