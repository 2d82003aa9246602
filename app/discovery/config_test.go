package discovery

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

func testID(t testing.TB, n byte) identity.PeerID {
	t.Helper()
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = n
	}
	kp, err := identity.FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return kp.ID()
}

func TestConfigDefaults(t *testing.T) {
	cfg := Config{ID: testID(t, 1), HubPort: 1234}
	c, err := cfg.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Name == "" {
		t.Error("Name: no default")
	}
	checks := []struct {
		name      string
		got, want time.Duration
	}{
		{"ProbeInterval", c.ProbeInterval, DefaultProbeInterval},
		{"ProbeTimeout", c.ProbeTimeout, DefaultProbeTimeout},
		{"OfflineAfter", c.OfflineAfter, DefaultOfflineAfter},
		{"OfflineProbeInterval", c.OfflineProbeInterval, DefaultOfflineProbeInterval},
		{"MaxProbeBackoff", c.MaxProbeBackoff, DefaultMaxProbeBackoff},
		{"ForgetAfter", c.ForgetAfter, DefaultForgetAfter},
		{"RebrowseInterval", c.RebrowseInterval, DefaultRebrowseInterval},
		{"InterfacePoll", c.InterfacePoll, DefaultInterfacePoll},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
	if c.GlobalProbeRate != DefaultGlobalProbeRate {
		t.Errorf("GlobalProbeRate = %v, want %v", c.GlobalProbeRate, DefaultGlobalProbeRate)
	}
	if c.Logger == nil {
		t.Error("Logger: no default")
	}
}

func TestConfigValidate(t *testing.T) {
	id := testID(t, 1)
	tests := []struct {
		name string
		cfg  Config
		want string // "" means valid
	}{
		{"minimal", Config{ID: id, HubPort: 47400}, ""},
		{"no id", Config{HubPort: 47400}, "ID"},
		{"no port", Config{ID: id}, "HubPort"},
		{"port too big", Config{ID: id, HubPort: 70000}, "HubPort"},
		{"negative duration", Config{ID: id, HubPort: 1, ProbeTimeout: -time.Second}, "negative"},
		{"offline shorter than a probe", Config{ID: id, HubPort: 1, OfflineAfter: 500 * time.Millisecond}, "OfflineAfter"},
		{"forget before offline", Config{ID: id, HubPort: 1, ForgetAfter: time.Second}, "ForgetAfter"},
		{"bad subnet", Config{ID: id, HubPort: 1, Subnets: []netip.Prefix{{}}}, "Subnets"},
		{"empty interface", Config{ID: id, HubPort: 1, Interfaces: []string{""}}, "Interfaces"},
		{"tuned", Config{ID: id, HubPort: 1, ProbeInterval: 100 * time.Millisecond, ProbeTimeout: 200 * time.Millisecond,
			OfflineAfter: time.Second, Interfaces: []string{"eth0"}, Subnets: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewMDNS(tc.cfg)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("NewMDNS: %v", err)
			case tc.want != "" && !errors.Is(err, ErrBadConfig):
				t.Fatalf("NewMDNS err = %v, want ErrBadConfig", err)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("NewMDNS err = %v, want it to mention %s", err, tc.want)
			}
		})
	}
}
