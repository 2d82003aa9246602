package cluster_test

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/peerline/peerline/signaling/cluster/clustertest"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// snapshotSeen is a snapshot chunk an observer saw: who sent it, on
// which subject.
type snapshotSeen struct{ node, subject string }

// observeSnapshots reports every snapshot chunk on the presence subjects
// (the message header's kind byte 3, docs in doc.go).
func observeSnapshots(t *testing.T, url string) <-chan snapshotSeen {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ch := make(chan snapshotSeen, 64)
	for _, subj := range []string{"peerline.presence", "peerline.presence.*"} {
		if _, err := nc.Subscribe(subj, func(m *nats.Msg) {
			if d := m.Data; len(d) > 3 && d[1] == 3 && len(d) >= 3+int(d[2]) {
				ch <- snapshotSeen{string(d[3 : 3+int(d[2])]), m.Subject}
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return ch
}

// A node that joins gets every other node's list on its own presence
// subject, not on the shared one every node reads; only its own list
// goes to all.
func TestJoinSnapshotsOnlyToJoiner(t *testing.T) {
	ns := clustertest.RunNATS(t)
	seen := observeSnapshots(t, ns.URL)
	n1 := clustertest.Node(t, ns, clustertest.Options{})
	n2 := clustertest.Node(t, ns, clustertest.Options{})
	for range 3 {
		signalingtest.Authed(t, n1.URL, signalingtest.Key(t))
		signalingtest.Authed(t, n2.URL, signalingtest.Key(t))
	}
	waitRemote(t, n1, 3)
	waitRemote(t, n2, 3)
	// Drain what the first two joins sent (n2's hello is answered by n1
	// on n2's subject).
	drain := time.After(200 * time.Millisecond)
	for done := false; !done; {
		select {
		case <-seen:
		case <-drain:
			done = true
		}
	}

	n3 := clustertest.Node(t, ns, clustertest.Options{})
	waitRemote(t, n3, 6)
	mine := "peerline.presence." + n3.Node.ID()
	got := map[snapshotSeen]bool{}
	for len(got) < 3 {
		select {
		case s := <-seen:
			got[s] = true
		case <-time.After(5 * time.Second):
			t.Fatalf("snapshots seen: %v", got)
		}
	}
	for s := range got {
		switch {
		case s.node == n3.Node.ID() && s.subject == "peerline.presence":
		case s.node != n3.Node.ID() && s.subject == mine:
		default:
			t.Errorf("snapshot of %s on %s", s.node, s.subject)
		}
	}
	select {
	case s := <-seen:
		t.Errorf("one more snapshot: %s on %s", s.node, s.subject)
	case <-time.After(300 * time.Millisecond):
	}
}

// waitRemote waits until n knows want peers on other nodes.
func waitRemote(t *testing.T, n *clustertest.ClusterNode, want int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for n.Node.RemotePeers() != want {
		if time.Now().After(deadline) {
			t.Fatalf("node %s knows %d remote peers, want %d", n.Node.ID(), n.Node.RemotePeers(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
