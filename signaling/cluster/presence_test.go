package cluster

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/peerline/peerline/signaling/hub"
	"github.com/peerline/peerline/signaling/identity"
)

// These tests speak the wire format from a bare NATS connection as
// another node would ("a", the fake), to a real Node over a real
// nats-server, so they can place a delta right behind a snapshot.

func runNATS(t *testing.T) string {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns.ClientURL()
}

func startNode(t *testing.T, url, id string) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := Start(ctx, hub.New(), Options{URLs: []string{url}, NodeID: id,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	return n
}

// fakeNode is node "a" on a bare NATS connection.
type fakeNode struct {
	t  *testing.T
	nc *nats.Conn
	h  header
}

func newFake(t *testing.T, url string) *fakeNode {
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return &fakeNode{t: t, nc: nc, h: header{node: "a", incarnation: 7}}
}

func (f *fakeNode) head(k kind) []byte {
	h := f.h
	h.kind = k
	return appendHeader(nil, h)
}

func (f *fakeNode) pub(subj string, msg []byte) {
	f.t.Helper()
	if err := f.nc.Publish(subj, msg); err != nil {
		f.t.Fatal(err)
	}
}

// snapshot publishes peers as generation gen on subj, in chunks of
// about presenceChunk as a node does.
func (f *fakeNode) snapshot(subj string, gen uint64, peers []identity.PeerID) {
	var entries []byte
	for i, p := range peers {
		entries = appendEntry(entries, entry{peer: p, online: true, stamp: 1})
		if last := i == len(peers)-1; last || len(entries)+entryMax > presenceChunk-64 {
			f.pub(subj, append(appendSnapshotHead(f.head(kindSnapshot), gen, last), entries...))
			entries = entries[:0]
		}
	}
}

func (f *fakeNode) delta(es ...entry) {
	msg := f.head(kindDelta)
	for _, e := range es {
		msg = appendEntry(msg, e)
	}
	f.pub("peerline.presence", msg)
}

// view returns what n holds for node id (nil: nothing).
func (n *Node) view(id string) map[identity.PeerID]bool {
	n.mu.RLock()
	defer n.mu.RUnlock()
	rn := n.nodes[id]
	if rn == nil {
		return nil
	}
	out := make(map[identity.PeerID]bool, len(rn.ids))
	for p := range rn.ids {
		out[p] = true
	}
	return out
}

// waitView waits until n's view of node "a" is want; a view that is
// wrong stays wrong (the fake sends no beats), so the deadline decides.
func waitView(t *testing.T, n *Node, want map[identity.PeerID]bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := n.view("a")
		if len(got) == len(want) {
			same := true
			for p := range want {
				same = same && got[p]
			}
			if same {
				return
			}
		}
		if time.Now().After(deadline) {
			missing, extra := 0, 0
			for p := range want {
				if !got[p] {
					missing++
				}
			}
			for p := range got {
				if !want[p] {
					extra++
				}
			}
			t.Fatalf("%s: view of a has %d peers, want %d (%d missing, %d extra)", what, len(got), len(want), missing, extra)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func peers(round, n int) []identity.PeerID {
	out := make([]identity.PeerID, n)
	for i := range out {
		out[i][0], out[i][1], out[i][2], out[i][3] = byte(round), byte(round>>8), byte(i), byte(i>>8)
		out[i][31] = 0xaa
	}
	return out
}

// A delta published right after a snapshot sent to this node alone
// (another subject) is applied after the snapshot, never overwritten by
// it: a peer that left stays gone and one that came stays. With the two
// subscriptions on two goroutines (before one channel took both) the
// small delta overtook the large snapshot in most rounds.
func TestDeltaAfterPrivateSnapshotKept(t *testing.T) {
	url := runNATS(t)
	b := startNode(t, url, "b")
	f := newFake(t, url)
	f.pub("peerline.presence", append(f.head(kindHello), helloPrivate))
	for round := 1; round <= 30; round++ {
		ps := peers(round, 3000) // 3 chunks
		came := peers(round+1000, 1)[0]
		f.snapshot("peerline.presence.b", uint64(round), ps)
		f.delta(entry{peer: ps[0]}, entry{peer: came, online: true, stamp: 2})
		want := make(map[identity.PeerID]bool, len(ps))
		for _, p := range ps[1:] {
			want[p] = true
		}
		want[came] = true
		waitView(t, b, want, fmt.Sprintf("round %d", round))
	}
}

// A node answers a hello, and a want, on the asker's own presence
// subject when the hello said it takes them there, and on the shared
// subject for a node whose hello has no flags (an older build).
func TestSnapshotAnswerSubject(t *testing.T) {
	for _, tc := range []struct {
		name     string
		hello    []byte
		wantSubj string // where a sends its want
		want     string // where b's answers go
	}{
		{"private", []byte{helloPrivate}, "peerline.presence.b", "peerline.presence.a"},
		{"older node", nil, "peerline.presence", "peerline.presence"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := runNATS(t)
			f := newFake(t, url)
			answers := make(chan string, 16)
			for _, subj := range []string{"peerline.presence", "peerline.presence.a"} {
				if _, err := f.nc.Subscribe(subj, func(m *nats.Msg) {
					if h, _, err := parseHeader(m.Data); err == nil && h.kind == kindSnapshot && h.node == "b" {
						answers <- m.Subject
					}
				}); err != nil {
					t.Fatal(err)
				}
			}
			f.nc.Flush()
			startNode(t, url, "b")
			if got := <-answers; got != "peerline.presence" {
				t.Fatalf("b's own snapshot on joining went to %s", got)
			}
			f.pub("peerline.presence", append(f.head(kindHello), tc.hello...))
			if got := <-answers; got != tc.want {
				t.Fatalf("answer to hello on %s, want %s", got, tc.want)
			}
			// A want for b, where a node of that kind sends it.
			f.pub(tc.wantSubj, appendWant(f.head(kindWant), "b"))
			if got := <-answers; got != tc.want {
				t.Fatalf("answer to want on %s, want %s", got, tc.want)
			}
		})
	}
}
