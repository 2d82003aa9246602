package signaling

import (
	"testing"

	"github.com/peerline/peerline/signaling/identity"
)

// subscribeMessages takes a server from one set to another in messages
// of at most per ids each; to an older server (per 0), in one replace.
func TestSubscribeMessages(t *testing.T) {
	mk := func(from, n int) []identity.PeerID {
		out := make([]identity.PeerID, n)
		for i := range out {
			out[i] = identity.PeerID{byte(from + i), byte((from + i) >> 8), 1}
		}
		return out
	}
	set := func(ids []identity.PeerID) map[identity.PeerID]struct{} {
		m := make(map[identity.PeerID]struct{}, len(ids))
		for _, p := range ids {
			m[p] = struct{}{}
		}
		return m
	}
	big := mk(0, MaxSubscribe)
	for _, tc := range []struct {
		name     string
		from, to []identity.PeerID
		fresh    bool
		per      int
		messages int
	}{
		{"older server", nil, big, true, 0, 1},
		{"fits one", nil, big[:MaxSubscribeIDs], true, MaxSubscribeIDs, 1},
		{"empty", nil, nil, true, MaxSubscribeIDs, 1},
		{"fresh, full", nil, big, true, MaxSubscribeIDs, MaxSubscribe / MaxSubscribeIDs},
		{"fresh, odd size", nil, big[:200], true, MaxSubscribeIDs, 4},
		{"no change", big, big, false, MaxSubscribeIDs, 0},
		{"swap 10", big, append(big[10:len(big):len(big)], mk(1000, 10)...), false, MaxSubscribeIDs, 1},
		{"swap 100", big, append(big[100:len(big):len(big)], mk(1000, 100)...), false, MaxSubscribeIDs, 4},
		{"shrink to one message", big, big[:5], false, MaxSubscribeIDs, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var from map[identity.PeerID]struct{}
			if !tc.fresh {
				from = set(tc.from)
			}
			msgs := subscribeMessages(from, tc.to, tc.per)
			if len(msgs) != tc.messages {
				t.Errorf("%d messages, want %d", len(msgs), tc.messages)
			}
			// Play them as a server does, checking the bounds.
			server := map[identity.PeerID]struct{}{}
			for p := range from {
				server[p] = struct{}{}
			}
			for i, m := range msgs {
				n := len(m.Peers) + len(m.Add) + len(m.Remove)
				if tc.per > 0 && n > tc.per {
					t.Fatalf("message %d carries %d ids, over %d", i, n, tc.per)
				}
				if !m.Incremental() {
					server = set(m.Peers)
					continue
				}
				for _, p := range m.Remove {
					delete(server, p)
				}
				for _, p := range m.Add {
					server[p] = struct{}{}
				}
				if len(server) > MaxSubscribe {
					t.Fatalf("after message %d the server watches %d", i, len(server))
				}
			}
			if want := set(tc.to); len(server) != len(want) {
				t.Fatalf("server watches %d, want %d", len(server), len(want))
			}
			for p := range set(tc.to) {
				if _, ok := server[p]; !ok {
					t.Fatalf("server misses %v", p)
				}
			}
		})
	}
}
