package hub

import (
	"testing"

	"github.com/peerline/peerline/signaling"
)

// TestElsewhere checks that presence is the union of this node's
// connections and the other nodes': a watcher hears one change when the
// union changes, none when a peer moves between here and elsewhere.
func TestElsewhere(t *testing.T) {
	h := New()
	w, bob := newPeer(t, 1), newPeer(t, 2)
	h.Attach(w)
	h.Subscribe(w, []signaling.PeerID{bob.id})
	steps := []struct {
		name string
		do   func()
		want []signaling.Presence // presence notices w gets, in order
	}{
		{"online elsewhere", func() { h.SetElsewhere(bob.id, true) }, []signaling.Presence{{Peer: bob.id, Online: true}}},
		{"again: no news", func() { h.SetElsewhere(bob.id, true) }, nil},
		{"here too: no news", func() { h.Attach(bob) }, nil},
		{"gone elsewhere, still here", func() { h.SetElsewhere(bob.id, false) }, nil},
		{"gone here", func() { h.Detach(bob) }, []signaling.Presence{{Peer: bob.id}}},
		{"back elsewhere", func() { h.SetElsewhere(bob.id, true) }, []signaling.Presence{{Peer: bob.id, Online: true}}},
		{"gone", func() { h.SetElsewhere(bob.id, false) }, []signaling.Presence{{Peer: bob.id}}},
	}
	seen := len(w.presences(t)) // the presence_list answer
	for _, s := range steps {
		s.do()
		got := w.presences(t)[seen:]
		seen += len(got)
		if len(got) != len(s.want) {
			t.Fatalf("%s: presence %+v, want %+v", s.name, got, s.want)
		}
		for i := range got {
			if got[i] != s.want[i] {
				t.Fatalf("%s: presence %+v, want %+v", s.name, got, s.want)
			}
		}
	}
	h.SetElsewhere(bob.id, true)
	if !h.Online(bob.id) {
		t.Fatal("Online: a peer elsewhere is online")
	}
	w2 := newPeer(t, 3)
	h.Attach(w2)
	h.Subscribe(w2, []signaling.PeerID{bob.id})
	if ps := w2.presences(t); len(ps) != 1 || !ps[0].Online {
		t.Fatalf("presence_list %+v: want bob online", ps)
	}
	// Without a cluster joined, a message for a peer elsewhere has nowhere
	// to go.
	env := signaling.Envelope{Type: signaling.TypeHangup, To: bob.id, Call: "c"}
	if err := h.Route(&env); err == nil {
		t.Fatal("Route without Join: want unavailable")
	}
}
