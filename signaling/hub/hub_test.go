package hub

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// recorder is a Conn that keeps what it is sent. The hub's real
// connections are exercised by the server tests; this isolates the
// routing table's own rules.
type recorder struct {
	id     identity.PeerID
	mu     sync.Mutex
	frames []signaling.Envelope
	failed *signaling.Error
	full   bool
}

func (r *recorder) Peer() identity.PeerID { return r.id }
func (r *recorder) Send(frame []byte) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.full {
		return false
	}
	env, err := signaling.Decode(frame)
	if err != nil {
		panic(fmt.Sprintf("hub sent a bad frame %s: %v", frame, err))
	}
	r.frames = append(r.frames, env)
	return true
}
func (r *recorder) Fail(e *signaling.Error) { r.mu.Lock(); r.failed = e; r.mu.Unlock() }

func (r *recorder) presences(t *testing.T) []signaling.Presence {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []signaling.Presence
	for _, env := range r.frames {
		if env.Type == signaling.TypePresence || env.Type == signaling.TypePresenceList {
			ps, err := signaling.PresenceOf(env)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, ps...)
		}
	}
	return out
}

func newPeer(t testing.TB, b byte) *recorder {
	kp, err := identity.FromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return &recorder{id: kp.ID()}
}

func TestStaleDetachKeepsReplacement(t *testing.T) {
	h := New()
	first, watcher := newPeer(t, 1), newPeer(t, 2)
	second := &recorder{id: first.id}
	h.Attach(watcher)
	h.Subscribe(watcher, []identity.PeerID{first.id})
	h.Attach(first)
	h.Attach(second)
	if first.failed == nil || first.failed.Code != signaling.CodeReplaced {
		t.Fatalf("first connection: failed = %v, want replaced", first.failed)
	}
	h.Detach(first) // the old connection's read loop ends later
	if !h.Online(first.id) {
		t.Fatal("detaching the replaced connection took the peer offline")
	}
	ps := watcher.presences(t)
	if len(ps) != 2 || ps[0].Online || !ps[1].Online {
		t.Fatalf("watcher saw %+v, want offline then online once", ps)
	}
	h.Detach(second)
	if h.Online(first.id) || len(watcher.presences(t)) != 3 {
		t.Fatal("detaching the current connection must notify offline")
	}
}

func TestRouteToFullQueueIsUnavailable(t *testing.T) {
	h := New()
	dst := newPeer(t, 1)
	dst.full = true
	h.Attach(dst)
	env := signaling.Envelope{Type: signaling.TypeHangup, To: dst.id, Call: "c", ID: "m1"}
	err := h.Route(&env)
	var se *signaling.Error
	if err == nil || !errors.As(err, &se) || se.Code != signaling.CodeUnavailable || se.Ref != "m1" {
		t.Fatalf("Route = %v, want unavailable with ref", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	h := New()
	peers := make([]*recorder, 32)
	for i := range peers {
		peers[i] = newPeer(t, byte(i+1))
	}
	ids := make([]identity.PeerID, len(peers))
	for i, p := range peers {
		ids[i] = p.id
	}
	var wg sync.WaitGroup
	for i, p := range peers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 50; round++ {
				h.Attach(p)
				h.Subscribe(p, ids[:i])
				env := signaling.Envelope{Type: signaling.TypeHangup, To: ids[(i+1)%len(ids)], Call: "c"}
				h.Route(&env)
				h.Detach(p)
			}
		}()
	}
	wg.Wait()
	if h.Len() != 0 || len(h.watchers) != 0 || len(h.watching) != 0 {
		t.Fatalf("after everyone left: %d conns, %d watched, %d watching", h.Len(), len(h.watchers), len(h.watching))
	}
}

func TestLookupFollowsTheTable(t *testing.T) {
	h := New()
	first := newPeer(t, 1)
	second := &recorder{id: first.id}
	steps := []struct {
		name string
		do   func()
		want Conn // nil: not found
	}{
		{"empty", func() {}, nil},
		{"attached", func() { h.Attach(first) }, first},
		{"replaced", func() { h.Attach(second) }, second},
		{"stale detach", func() { h.Detach(first) }, second},
		{"detached", func() { h.Detach(second) }, nil},
	}
	for _, s := range steps {
		s.do()
		c, ok := h.Lookup(first.id)
		if ok != (s.want != nil) || (ok && c != s.want) {
			t.Fatalf("%s: Lookup = %v, %v; want %v", s.name, c, ok, s.want)
		}
	}
	env := signaling.Envelope{Type: signaling.TypeHangup, To: first.id, Call: "c", ID: "m2"}
	if err := h.Route(&env); err == nil || err.Error() != NotConnected(&env).Error() {
		t.Fatalf("Route to a missing peer = %v, want %v", err, NotConnected(&env))
	}
}

// With a small frame limit the answer to a subscribe is split into as few
// frames as fit, each within the limit, listing every peer once in order.
func TestSubscribeAnswerFitsTheFrameLimit(t *testing.T) {
	const limit = 1024
	h := NewWith(Options{MaxFrameBytes: limit})
	watcher := newPeer(t, 1)
	var peers []identity.PeerID
	for i := range 40 {
		peers = append(peers, newPeer(t, byte(10+i)).id)
	}
	on := newPeer(t, 20)
	h.Attach(on)
	h.Subscribe(watcher, peers)
	per := (limit - presenceListOverhead) / presenceListIDBytes
	if want := (len(peers) + per - 1) / per; len(watcher.frames) != want {
		t.Fatalf("%d frames, want %d of at most %d ids", len(watcher.frames), want, per)
	}
	for _, env := range watcher.frames {
		if frame, _ := env.Encode(); len(frame) > limit {
			t.Errorf("frame of %d bytes over the limit %d", len(frame), limit)
		}
	}
	ps := watcher.presences(t)
	if len(ps) != len(peers) {
		t.Fatalf("%d peers answered, want %d", len(ps), len(peers))
	}
	seen := map[identity.PeerID]bool{}
	for _, p := range ps {
		seen[p.Peer] = true
		if p.Online != (p.Peer == on.id) {
			t.Errorf("%s online=%v", p.Peer.Short(), p.Online)
		}
	}
	if len(seen) != len(peers) {
		t.Errorf("%d distinct peers answered, want %d", len(seen), len(peers))
	}
}

// The answer to a subscribe is the body encoding/json would write.
func TestPresenceListIsWhatEncodeWrites(t *testing.T) {
	h := New()
	a, b, watcher := newPeer(t, 1), newPeer(t, 2), newPeer(t, 3)
	h.Attach(a)
	for _, tc := range []struct {
		peers []identity.PeerID
		want  signaling.PresenceList
	}{
		{nil, signaling.PresenceList{Online: []identity.PeerID{}, Offline: []identity.PeerID{}}},
		{[]identity.PeerID{a.id}, signaling.PresenceList{Online: []identity.PeerID{a.id}, Offline: []identity.PeerID{}}},
		{[]identity.PeerID{b.id, a.id}, signaling.PresenceList{Online: []identity.PeerID{a.id}, Offline: []identity.PeerID{b.id}}},
	} {
		watcher.frames = nil
		h.Subscribe(watcher, tc.peers)
		env, err := signaling.New(signaling.TypePresenceList, tc.want)
		if err != nil {
			t.Fatal(err)
		}
		if len(watcher.frames) != 1 || !bytes.Equal(watcher.frames[0].Body, env.Body) {
			t.Errorf("Subscribe(%d peers) sent %v, want one frame with body %s", len(tc.peers), watcher.frames, env.Body)
		}
	}
}
