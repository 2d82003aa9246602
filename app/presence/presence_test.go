package presence

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/peerline/peerline/app/discovery"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// heard records what a Listener is told.
type heard struct {
	mu      sync.Mutex
	changes []string // "id online" / "id offline"
	servers int
	names   []string
}

func (h *heard) PresenceChanged(id identity.PeerID, online bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := " offline"
	if online {
		s = " online"
	}
	h.changes = append(h.changes, id.Short()+s)
}
func (h *heard) ServersChanged() { h.mu.Lock(); h.servers++; h.mu.Unlock() }
func (h *heard) NameHeard(_ context.Context, _ identity.PeerID, name string) {
	h.mu.Lock()
	h.names = append(h.names, name)
	h.mu.Unlock()
}

func (h *heard) snapshot() ([]string, int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.changes...), h.servers, append([]string(nil), h.names...)
}

func TestMergedPresence(t *testing.T) {
	p := signalingtest.Key(t).ID()
	tr, h := New(), &heard{}
	tr.Notify(h)
	const a, b = "wss://a.example", "wss://b.example"

	tr.FromServer(p, true, a) // online through a
	tr.FromServer(p, true, b) // still online: no second announcement
	if on, lan := tr.Online(p); !on || lan {
		t.Fatalf("Online = %v, %v; want online, not on the LAN", on, lan)
	}
	if got := tr.ServerOf(p); got != a {
		t.Fatalf("ServerOf = %q, want the first by name, %q", got, a)
	}
	tr.FromServer(p, false, a) // b still reports it
	ice := []signaling.ICEServer{{URLs: []string{"turn:b.example"}}}
	tr.ServerStatus(b, true, ice, nil)
	tr.ServerStatus(b, false, nil, errors.New("read: connection reset")) // b drops: p is offline
	changes, servers, _ := h.snapshot()
	if want := []string{p.Short() + " online", p.Short() + " offline"}; !equal(changes, want) {
		t.Fatalf("announced %q, want %q", changes, want)
	}
	if servers != 2 {
		t.Fatalf("ServersChanged %d times, want 2", servers)
	}
	st := tr.ServerStates()[b]
	if st.Connected || st.Error == "" || len(st.ICE) != 1 {
		t.Fatalf("server b after the drop: %+v; want disconnected, with the error and the last ICE servers kept", st)
	}
}

func TestFromDiscovery(t *testing.T) {
	p := signalingtest.Key(t).ID()
	tr, h := New(), &heard{}
	tr.Notify(h)
	evs := make(chan discovery.Event, 4)
	evs <- discovery.Event{Peer: discovery.Peer{Name: "static, no id yet"}}
	evs <- discovery.Event{Peer: discovery.Peer{ID: p, Name: "Bob", Online: true}}
	evs <- discovery.Event{Peer: discovery.Peer{ID: p, Name: "Bob", Online: false}}
	close(evs)
	tr.FromDiscovery(context.Background(), evs) // returns when evs closes
	changes, _, names := h.snapshot()
	if want := []string{p.Short() + " online", p.Short() + " offline"}; !equal(changes, want) {
		t.Fatalf("announced %q, want %q", changes, want)
	}
	if !equal(names, []string{"Bob"}) || tr.LANName(p) != "Bob" || len(tr.LANPeers()) != 1 {
		t.Fatalf("names heard %q, LANName %q, %d LAN peers", names, tr.LANName(p), len(tr.LANPeers()))
	}
}

type book map[identity.PeerID]store.Contact

func (b book) GetContact(_ context.Context, id identity.PeerID) (store.Contact, error) {
	if c, ok := b[id]; ok {
		return c, nil
	}
	return store.Contact{}, store.ErrNotFound
}

type lan []discovery.Peer

func (l lan) Peers() []discovery.Peer { return l }

func TestResolver(t *testing.T) {
	byAddr, byServer, seen := signalingtest.Key(t).ID(), signalingtest.Key(t).ID(), signalingtest.Key(t).ID()
	tr := New()
	tr.FromServer(seen, true, "wss://seen.example")
	r := &Resolver{Ctx: context.Background(), Tracker: tr,
		Contacts: book{byAddr: {ID: byAddr, LANAddr: "192.0.2.7:7070"}, byServer: {ID: byServer, SignalURL: "wss://mine.example"}},
		LAN:      lan{{ID: byAddr, Addrs: []netip.AddrPort{netip.MustParseAddrPort("198.51.100.2:7070")}}}}
	if got := r.LANAddrs(byAddr); !equal(got, []string{"198.51.100.2:7070", "192.0.2.7:7070"}) {
		t.Errorf("LANAddrs = %q: want discovery's first, then the contact's", got)
	}
	if got := r.ServerFor(byServer); got != "wss://mine.example" {
		t.Errorf("ServerFor(contact) = %q", got)
	}
	if got := r.ServerFor(seen); got != "wss://seen.example" {
		t.Errorf("ServerFor(stranger seen on a server) = %q", got)
	}
	r.LAN = nil // discovery off
	if got := r.LANAddrs(byAddr); !equal(got, []string{"192.0.2.7:7070"}) {
		t.Errorf("LANAddrs without discovery = %q", got)
	}
}

func equal(a, b []string) bool { return slices.Equal(a, b) }
