package discovery

import (
	"errors"
	"net/netip"
	"testing"
)

func TestParseHubAddr(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" means ErrBadAddr
	}{
		{"192.168.1.20", "192.168.1.20:47400"},
		{" 192.168.1.20:5000 ", "192.168.1.20:5000"},
		{"[::ffff:192.168.1.20]:5000", "192.168.1.20:5000"},
		{"fe80::1%eth0", "[fe80::1%eth0]:47400"},
		{"[fe80::1%eth0]:5000", "[fe80::1%eth0]:5000"},
		{"[fd00::1]", "[fd00::1]:47400"},
		{"fd00::1", "[fd00::1]:47400"},
		{"fe80::1", ""},
		{"192.168.1.20:0", ""},
		{"0.0.0.0:5000", ""},
		{"224.0.0.251:5353", ""},
		{"peer.local:5000", ""},
		{"", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseHubAddr(tc.in)
			if tc.want == "" {
				if !errors.Is(err, ErrBadAddr) {
					t.Fatalf("ParseHubAddr(%q) = %v, %v; want ErrBadAddr", tc.in, got, err)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Fatalf("ParseHubAddr(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestAddStaticRejectsBadAddr(t *testing.T) {
	m, err := NewMDNS(Config{ID: testID(t, 1), HubPort: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, ap := range []netip.AddrPort{{}, netip.MustParseAddrPort("[fe80::1]:80"), netip.MustParseAddrPort("10.0.0.1:0")} {
		if err := m.AddStatic(ap); !errors.Is(err, ErrBadAddr) {
			t.Errorf("AddStatic(%v) err = %v, want ErrBadAddr", ap, err)
		}
	}
	if m.RemoveStatic(netip.MustParseAddrPort("10.0.0.1:80")) {
		t.Error("RemoveStatic of an unknown address reported true")
	}
}
