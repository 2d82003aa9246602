package discovery

import (
	"encoding/json"
	"errors"
	"net/netip"
	"testing"
)

func TestEventKindNames(t *testing.T) {
	tests := []struct {
		kind EventKind
		wire string
	}{
		{PeerOnline, "online"},
		{PeerOffline, "offline"},
		{PeerUpdated, "updated"},
		{PeerForgotten, "forgotten"},
	}
	for _, tc := range tests {
		t.Run(tc.wire, func(t *testing.T) {
			if got := tc.kind.String(); got != tc.wire {
				t.Fatalf("String = %q, want %q", got, tc.wire)
			}
			back, err := ParseEventKind(tc.wire)
			if err != nil || back != tc.kind {
				t.Fatalf("ParseEventKind(%q) = %v, %v", tc.wire, back, err)
			}
			b, err := json.Marshal(tc.kind)
			if err != nil || string(b) != `"`+tc.wire+`"` {
				t.Fatalf("json = %s, %v", b, err)
			}
			var k EventKind
			if err := json.Unmarshal(b, &k); err != nil || k != tc.kind {
				t.Fatalf("json round trip = %v, %v", k, err)
			}
		})
	}
	for _, bad := range []string{"", "unknown", "Online", "gone"} {
		if _, err := ParseEventKind(bad); !errors.Is(err, ErrUnknownName) {
			t.Errorf("ParseEventKind(%q) err = %v, want ErrUnknownName", bad, err)
		}
	}
	if _, err := EventKindUnknown.MarshalText(); !errors.Is(err, ErrUnknownName) {
		t.Errorf("marshal unknown: err = %v", err)
	}
	if got := EventKind(99).String(); got != "EventKind(99)" {
		t.Errorf("out of range String = %q", got)
	}
}

func TestReasonNames(t *testing.T) {
	tests := []struct {
		reason Reason
		wire   string
	}{
		{ReasonOK, "ok"},
		{ReasonNotRunning, "not_running"},
		{ReasonNoInterface, "no_interface"},
		{ReasonAdvertiseFailed, "advertise_failed"},
		{ReasonBrowseFailed, "browse_failed"},
		{ReasonMulticastBlocked, "multicast_blocked"},
		{ReasonPeersUnreachable, "peers_unreachable"},
		{ReasonNoPeers, "no_peers"},
	}
	if len(tests) != len(reasonNames)-1 {
		t.Fatalf("table has %d reasons, package %d", len(tests), len(reasonNames)-1)
	}
	for _, tc := range tests {
		t.Run(tc.wire, func(t *testing.T) {
			if got := tc.reason.String(); got != tc.wire {
				t.Fatalf("String = %q, want %q", got, tc.wire)
			}
			back, err := ParseReason(tc.wire)
			if err != nil || back != tc.reason {
				t.Fatalf("ParseReason(%q) = %v, %v", tc.wire, back, err)
			}
			var r Reason
			if err := r.UnmarshalText([]byte(tc.wire)); err != nil || r != tc.reason {
				t.Fatalf("UnmarshalText = %v, %v", r, err)
			}
		})
	}
	if _, err := ParseReason("unknown"); !errors.Is(err, ErrUnknownName) {
		t.Errorf("ParseReason(unknown) err = %v", err)
	}
}

func TestPeerKey(t *testing.T) {
	id := testID(t, 7)
	ap := netip.MustParseAddrPort("192.0.2.1:47400")
	tests := []struct {
		name string
		peer Peer
		want string
	}{
		{"mdns", Peer{ID: id, Addrs: []netip.AddrPort{ap}}, "id:" + id.String()},
		{"static", Peer{Static: true, Addrs: []netip.AddrPort{ap}}, "addr:192.0.2.1:47400"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.peer.Key(); got != tc.want {
				t.Fatalf("Key = %q, want %q", got, tc.want)
			}
		})
	}
}
