package signaling_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// presenceUntil collects EventPresence until every peer of want has been
// reported, failing on an event that answers more ids than one subscribe
// may carry.
func presenceUntil(t *testing.T, c *signaling.Client, want []identity.PeerID) map[identity.PeerID]bool {
	t.Helper()
	got := make(map[identity.PeerID]bool, len(want))
	for len(got) < len(want) {
		ev := nextEvent(t, c, signaling.EventPresence, 5*time.Second)
		if len(ev.Presence) > signaling.MaxSubscribeIDs {
			t.Fatalf("one presence_list for %d peers: the client sent over %d ids in one subscribe", len(ev.Presence), signaling.MaxSubscribeIDs)
		}
		for _, p := range ev.Presence {
			got[p.Peer] = p.Online
		}
	}
	for _, id := range want {
		if _, ok := got[id]; !ok {
			t.Fatalf("no presence for %s", id.Short())
		}
	}
	return got
}

// A client watching MaxSubscribe peers sends them in subscribes of at most
// MaxSubscribeIDs ids and gets correct presence for all of them, after
// every reconnect too; a change of the set sends only the difference.
func TestClientWatchesFullSetInChunks(t *testing.T) {
	rs := &restartable{t: t, addr: "127.0.0.1:0"}
	rs.start()
	defer func() { rs.stop() }()
	c, err := signaling.NewClient(signaling.ClientConfig{
		DialConfig: signaling.DialConfig{URL: rs.url(), Identity: signalingtest.Key(t)},
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	}()
	nextEvent(t, c, signaling.EventConnected, 3*time.Second)

	peers := make([]identity.PeerID, signaling.MaxSubscribe)
	for i := range peers {
		peers[i] = signalingtest.Key(t).ID()
	}
	early, late := signalingtest.Key(t), signalingtest.Key(t)
	peers[300], peers[signaling.MaxSubscribe-1] = early.ID(), late.ID()
	signalingtest.Dial(t, rs.url(), early)
	if err := c.Subscribe(ctx, peers); err != nil {
		t.Fatal(err)
	}
	for id, on := range presenceUntil(t, c, peers) {
		if on != (id == early.ID()) {
			t.Errorf("%s online=%v", id.Short(), on)
		}
	}
	signalingtest.Dial(t, rs.url(), late) // in the last chunk
	if p := nextPresence(t, c, 3*time.Second); p.Peer != late.ID() || !p.Online {
		t.Fatalf("presence %+v, want the last peer online", p)
	}

	// A change of 10 ids: only the 10 new ones are answered.
	changed := append([]identity.PeerID(nil), peers[10:]...)
	fresh := make([]identity.PeerID, 10)
	for i := range fresh {
		fresh[i] = signalingtest.Key(t).ID()
	}
	changed = append(changed, fresh...)
	if err := c.Subscribe(ctx, changed); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, c, signaling.EventPresence, 3*time.Second)
	if len(ev.Presence) != len(fresh) {
		t.Fatalf("the change was answered for %d peers, want the %d added", len(ev.Presence), len(fresh))
	}

	rs.stop()
	nextEvent(t, c, signaling.EventDisconnected, 3*time.Second)
	rs.start()
	nextEvent(t, c, signaling.EventConnected, 5*time.Second)
	// Re-sent by the client in chunks: every peer offline on the new server.
	for id, on := range presenceUntil(t, c, changed) {
		if on {
			t.Errorf("%s online after the restart", id.Short())
		}
	}
}
