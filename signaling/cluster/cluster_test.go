package cluster_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/cluster/clustertest"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// threeNodes starts a nats-server and three signaling nodes on loopback.
func threeNodes(t *testing.T) (*clustertest.NATS, [3]*clustertest.ClusterNode) {
	t.Helper()
	ns := clustertest.RunNATS(t)
	var nodes [3]*clustertest.ClusterNode
	for i := range nodes {
		nodes[i] = clustertest.Node(t, ns, clustertest.Options{})
	}
	return ns, nodes
}

// waitPresence reads r until a presence (or presence_list) says peer is
// online (or offline), failing after timeout; it returns how long it
// took.
func waitPresence(t *testing.T, r *signalingtest.Raw, peer signaling.PeerID, online bool, timeout time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		env, err := r.TryNext(time.Until(deadline))
		if err != nil {
			t.Fatalf("no presence %s online=%v within %s: %v", peer.Short(), online, timeout, err)
		}
		switch env.Type {
		case signaling.TypePresence:
			var p signaling.Presence
			if err := env.DecodeBody(&p); err != nil {
				t.Fatal(err)
			}
			if p.Peer == peer && p.Online == online {
				return time.Since(start)
			}
		case signaling.TypePresenceList:
			var l signaling.PresenceList
			if err := env.DecodeBody(&l); err != nil {
				t.Fatal(err)
			}
			list := l.Offline
			if online {
				list = l.Online
			}
			for _, p := range list {
				if p == peer {
					return time.Since(start)
				}
			}
		}
	}
}

// watch subscribes r to peers.
func watch(r *signalingtest.Raw, peers ...signaling.PeerID) {
	r.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: peers})
}

// send sends a routed message with id from r to to.
func send(t *testing.T, r *signalingtest.Raw, to signaling.PeerID, id string) {
	t.Helper()
	env := signalingtest.Must(t, signaling.TypeCandidate, map[string]any{"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host"})
	env.To, env.Call, env.ID = to, "c-1", id
	r.Send(env)
}

// expectRelayed reads the next message on r: id from from.
func expectRelayed(t *testing.T, r *signalingtest.Raw, from signaling.PeerID, id string) {
	t.Helper()
	env := r.Expect(signaling.TypeCandidate)
	if env.ID != id || env.From != from {
		t.Fatalf("got %s from %s, want %s from %s", env.ID, env.From.Short(), id, from.Short())
	}
}

func TestRouteAcrossNodesExactlyOnce(t *testing.T) {
	_, n := threeNodes(t)
	alice, bob, eve := signalingtest.Key(t), signalingtest.Key(t), signalingtest.Key(t)
	a := signalingtest.Authed(t, n[0].URL, alice)
	watch(a, bob.ID())
	waitPresence(t, a, bob.ID(), false, 5*time.Second)
	b := signalingtest.Authed(t, n[2].URL, bob)
	waitPresence(t, a, bob.ID(), true, 5*time.Second)

	send(t, a, bob.ID(), "m-1")
	expectRelayed(t, b, alice.ID(), "m-1")
	// A forged sender is refused at the first node, as on one node.
	env := signalingtest.Must(t, signaling.TypeCandidate, map[string]any{})
	env.To, env.Call, env.ID, env.From = bob.ID(), "c-1", "m-x", eve.ID()
	a.Send(env)
	a.ExpectError(signaling.CodeForbidden)
	// Exactly once: the next message bob sees is the next one sent.
	send(t, a, bob.ID(), "m-2")
	expectRelayed(t, b, alice.ID(), "m-2")
	// And back.
	send(t, b, alice.ID(), "r-1")
	expectRelayed(t, a, bob.ID(), "r-1")

	// Nobody has eve: the offline error at once, from the first node.
	send(t, a, eve.ID(), "m-3")
	if e := a.ExpectError(signaling.CodeUnavailable); e.Ref != "m-3" {
		t.Fatalf("unavailable ref %q, want m-3", e.Ref)
	}
}

func TestPresenceAcrossNodes(t *testing.T) {
	_, n := threeNodes(t)
	bob := signalingtest.Key(t)
	w := signalingtest.Authed(t, n[1].URL, signalingtest.Key(t))
	watch(w, bob.ID())
	waitPresence(t, w, bob.ID(), false, 5*time.Second)
	b := signalingtest.Authed(t, n[2].URL, bob)
	waitPresence(t, w, bob.ID(), true, 5*time.Second)
	b.WS.Close()
	waitPresence(t, w, bob.ID(), false, 5*time.Second)

	// A watcher subscribing later gets the state of a peer elsewhere in
	// its presence_list.
	b = signalingtest.Authed(t, n[0].URL, bob)
	waitPresence(t, w, bob.ID(), true, 5*time.Second)
	w2 := signalingtest.Authed(t, n[2].URL, signalingtest.Key(t))
	watch(w2, bob.ID())
	env := w2.Expect(signaling.TypePresenceList)
	var l signaling.PresenceList
	if err := env.DecodeBody(&l); err != nil || len(l.Online) != 1 || l.Online[0] != bob.ID() {
		t.Fatalf("presence_list %s, want bob online", env.Body)
	}
}

func TestDuplicateIDNewestWins(t *testing.T) {
	_, n := threeNodes(t)
	alice, bob := signalingtest.Key(t), signalingtest.Key(t)
	a := signalingtest.Authed(t, n[0].URL, alice)
	watch(a, bob.ID())
	waitPresence(t, a, bob.ID(), false, 5*time.Second)
	old := signalingtest.Authed(t, n[1].URL, bob)
	waitPresence(t, a, bob.ID(), true, 5*time.Second)

	cur := signalingtest.Authed(t, n[2].URL, bob)
	old.ExpectError(signaling.CodeReplaced)
	if code := old.ExpectClose(5 * time.Second); code != websocket.CloseNormalClosure {
		t.Fatalf("replaced connection closed with %d, want 1000", code)
	}
	// bob never went offline for alice, and her messages reach the new
	// connection.
	send(t, a, bob.ID(), "m-1")
	expectRelayed(t, cur, alice.ID(), "m-1")
	send(t, cur, alice.ID(), "r-1")
	env := a.Next()
	for env.Type == signaling.TypePresence {
		var p signaling.Presence
		env.DecodeBody(&p)
		if !p.Online {
			t.Fatalf("bob reported offline while replaced")
		}
		env = a.Next()
	}
	if env.Type != signaling.TypeCandidate || env.ID != "r-1" {
		t.Fatalf("got %s %s, want r-1", env.Type, env.ID)
	}
}

func TestKilledNodeExpires(t *testing.T) {
	_, n := threeNodes(t)
	bob := signalingtest.Key(t)
	w := signalingtest.Authed(t, n[1].URL, signalingtest.Key(t))
	watch(w, bob.ID())
	waitPresence(t, w, bob.ID(), false, 5*time.Second)
	signalingtest.Authed(t, n[0].URL, bob)
	waitPresence(t, w, bob.ID(), true, 5*time.Second)

	n[0].Kill()
	took := waitPresence(t, w, bob.ID(), false, 15*time.Second)
	t.Logf("killed node's peer offline after %s", took)
	signalingtest.Authed(t, n[2].URL, bob)
	took = waitPresence(t, w, bob.ID(), true, 5*time.Second)
	t.Logf("online again on another node after %s", took)
}

func TestNATSRestartResyncs(t *testing.T) {
	ns, n := threeNodes(t)
	alice, bob := signalingtest.Key(t), signalingtest.Key(t)
	a := signalingtest.Authed(t, n[0].URL, alice)
	b := signalingtest.Authed(t, n[2].URL, bob)
	watch(a, bob.ID())
	waitPresence(t, a, bob.ID(), true, 5*time.Second)

	ns.Stop()
	waitHealth(t, n[0].HTTP.URL, http.StatusServiceUnavailable, 10*time.Second)
	send(t, a, bob.ID(), "m-down")
	if e := a.ExpectError(signaling.CodeUnavailable); e.Ref != "m-down" {
		t.Fatalf("ref %q", e.Ref)
	}
	// Cut off from NATS, a node's leases on the others run out: bob is
	// offline for alice until the directories resynchronise.
	waitPresence(t, a, bob.ID(), false, 15*time.Second)
	ns.Restart()
	waitHealth(t, n[0].HTTP.URL, http.StatusOK, 10*time.Second)
	took := waitPresence(t, a, bob.ID(), true, 10*time.Second)
	t.Logf("bob online again %s after NATS came back", took)
	send(t, a, bob.ID(), "m-up")
	expectRelayed(t, b, alice.ID(), "m-up")
}

// waitHealth polls /healthz until it answers status.
func waitHealth(t *testing.T, base string, status int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == status {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not %d within %s", status, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
