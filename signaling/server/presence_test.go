package server_test

import (
	"slices"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

func expectPresence(t *testing.T, r *signalingtest.Raw, peer signaling.PeerID, online bool) {
	t.Helper()
	env := r.Expect(signaling.TypePresence)
	var p signaling.Presence
	if err := env.DecodeBody(&p); err != nil {
		t.Fatal(err)
	}
	if p.Peer != peer || p.Online != online {
		t.Fatalf("presence = %s online=%v, want %s online=%v", p.Peer.Short(), p.Online, peer.Short(), online)
	}
}

// expectPresenceList reads the answer to a subscribe.
func expectPresenceList(t *testing.T, r *signalingtest.Raw, online, offline []signaling.PeerID) {
	t.Helper()
	env := r.Expect(signaling.TypePresenceList)
	var l signaling.PresenceList
	if err := env.DecodeBody(&l); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(l.Online, online) || !slices.Equal(l.Offline, offline) {
		t.Fatalf("presence_list = %s, want online %v offline %v", env.Body, online, offline)
	}
}

func TestPresenceOnConnectAndDisconnect(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	alice, bob := signalingtest.Key(t), signalingtest.Key(t)
	watcher := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	watcher.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: []signaling.PeerID{alice.ID(), bob.ID(), alice.ID()}})
	// One answer listing each peer once (duplicates folded), in order.
	expectPresenceList(t, watcher, []signaling.PeerID{}, []signaling.PeerID{alice.ID(), bob.ID()})

	a := signalingtest.Authed(t, srv.URL, alice)
	expectPresence(t, watcher, alice.ID(), true)
	b := signalingtest.Authed(t, srv.URL, bob)
	expectPresence(t, watcher, bob.ID(), true)

	a.WS.Close() // abrupt: no close frame
	expectPresence(t, watcher, alice.ID(), false)
	b.WS.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	expectPresence(t, watcher, bob.ID(), false)

	// A new subscribe replaces the old set: alice is no longer watched.
	watcher.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: []signaling.PeerID{bob.ID()}})
	expectPresenceList(t, watcher, []signaling.PeerID{}, []signaling.PeerID{bob.ID()})
	signalingtest.Authed(t, srv.URL, alice)
	signalingtest.Authed(t, srv.URL, bob)
	expectPresence(t, watcher, bob.ID(), true) // and nothing about alice before it
}

func TestSecondConnectionReplacesFirst(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	alice, bob := signalingtest.Key(t), signalingtest.Key(t)
	watcher := signalingtest.Authed(t, srv.URL, bob)
	first := signalingtest.Authed(t, srv.URL, alice)
	watcher.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: []signaling.PeerID{alice.ID()}})
	expectPresenceList(t, watcher, []signaling.PeerID{alice.ID()}, []signaling.PeerID{})

	second := signalingtest.Authed(t, srv.URL, alice)
	first.ExpectError(signaling.CodeReplaced)
	if code := first.ExpectClose(3 * time.Second); code != websocket.CloseNormalClosure {
		t.Fatalf("replaced connection closed with %d", code)
	}
	// Messages now reach the second connection, and presence did not flap.
	watcher.SendText(`{"v":1,"type":"hangup","to":"` + alice.ID().String() + `","call":"c1"}`)
	if env := second.Expect(signaling.TypeHangup); env.From != bob.ID() {
		t.Fatalf("from = %v", env.From)
	}
	if env, err := watcher.TryNext(300 * time.Millisecond); err == nil {
		t.Fatalf("watcher got %s %s after a replacement, want nothing", env.Type, env.Body)
	}
	if !srv.Hub().Online(alice.ID()) || srv.Hub().Len() != 2 {
		t.Fatalf("hub: alice online=%v, len=%d", srv.Hub().Online(alice.ID()), srv.Hub().Len())
	}
}

func TestMessageToOfflinePeerIsUnavailable(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	r := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	gone := signalingtest.Key(t)
	g := signalingtest.Authed(t, srv.URL, gone)
	g.WS.Close()
	deadline := time.Now().Add(3 * time.Second)
	for srv.Hub().Online(gone.ID()) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	r.SendText(`{"v":1,"type":"invite","id":"x1","to":"` + gone.ID().String() + `","call":"c","body":{}}`)
	if e := r.ExpectError(signaling.CodeUnavailable); e.Ref != "x1" {
		t.Fatalf("ref = %q", e.Ref)
	}
}
