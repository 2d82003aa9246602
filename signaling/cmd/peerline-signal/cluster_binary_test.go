package main

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/cluster/clustertest"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// TestBinaryCluster runs three peerline-signal processes on one embedded
// nats-server: routing across them with the sender stamped, cluster-wide
// presence, and a node killed with SIGKILL.
func TestBinaryCluster(t *testing.T) {
	ns := clustertest.RunNATS(t)
	var nodes [3]*proc
	for i := range nodes {
		nodes[i] = startBinary(t, nil, "--listen", "127.0.0.1:0", "--nats", ns.URL,
			"--node-id", "n"+string(rune('1'+i)), "--log-level", "warn")
	}
	url := func(p *proc) string { return "ws://" + p.addr + signaling.Path }
	hc := &http.Client{Timeout: 5 * time.Second}
	for _, p := range nodes {
		waitStatus(t, hc, "http://"+p.addr+"/healthz", http.StatusOK)
	}
	alice, bob := signalingtest.Key(t), signalingtest.Key(t)
	w := signalingtest.Authed(t, url(nodes[1]), signalingtest.Key(t))
	w.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: []signaling.PeerID{bob.ID()}})
	w.Expect(signaling.TypePresenceList)
	b := signalingtest.Authed(t, url(nodes[0]), bob)
	expectOnline(t, w, bob.ID(), true, 5*time.Second)

	a := signalingtest.Authed(t, url(nodes[2]), alice)
	env := signalingtest.Must(t, signaling.TypeHangup, nil)
	env.To, env.Call, env.ID = bob.ID(), "c-1", "m-1"
	a.Send(env)
	got := b.Expect(signaling.TypeHangup)
	if got.From != alice.ID() || got.ID != "m-1" {
		t.Fatalf("relayed %s from %s", got.ID, got.From.Short())
	}
	if _, body := httpGet(t, hc, "http://"+nodes[2].addr+"/metrics"); !strings.Contains(body, "peerline_cluster_relayed_out_total 1") {
		t.Fatal("metrics: no peerline_cluster_relayed_out_total 1")
	}

	start := time.Now()
	nodes[0].cmd.Process.Signal(syscall.SIGKILL)
	expectOnline(t, w, bob.ID(), false, 15*time.Second)
	t.Logf("SIGKILLed node's peer offline after %s", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	signalingtest.Authed(t, url(nodes[2]), bob)
	expectOnline(t, w, bob.ID(), true, 5*time.Second)
	t.Logf("online again on another node after %s", time.Since(start).Round(time.Millisecond))

	if code, _ := nodes[1].terminate(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
}

func expectOnline(t *testing.T, r *signalingtest.Raw, peer signaling.PeerID, online bool, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		env, err := r.TryNext(time.Until(deadline))
		if err != nil {
			t.Fatalf("no presence %s online=%v within %s: %v", peer.Short(), online, within, err)
		}
		var p signaling.Presence
		if env.Type == signaling.TypePresence && env.DecodeBody(&p) == nil && p.Peer == peer && p.Online == online {
			return
		}
	}
}

// waitStatus polls url until it answers status (the process is starting).
func waitStatus(t *testing.T, c *http.Client, url string, status int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == status {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not %d within 10s", url, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
