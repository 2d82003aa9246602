//go:build linux

package e2e

import (
	"testing"
	"time"
)

// Presence targets from app/discovery/doc.go, asserted as the brief
// states them.
const (
	quitOffline   = 1 * time.Second
	killOffline   = 2 * time.Second
	unplugOffline = 10 * time.Second
	comeBack      = 5 * time.Second // "~1 s" in the doc; loose here, measured below
)

// TestPresence: A learns that B went away — quit, killed, cable pulled —
// within the targets, and that B came back after a restart.
func TestPresence(t *testing.T) {
	requireE2E(t)
	a, b, lan := lanPair(t, Options{}, Options{})
	idB := b.ID()

	t.Run("quit", func(t *testing.T) {
		a.Mark()
		sent := time.Now()
		exit := b.Quit()
		ev := a.WaitEvent("peer:offline", peerIs(idB), quitOffline+2*time.Second)
		took := ev.At.Sub(sent)
		t.Logf("SIGTERM → A's peer:offline %v (B exited in %v)", took.Round(time.Millisecond), exit.Round(time.Millisecond))
		if took > quitOffline {
			t.Errorf("quit → offline took %v, target %v", took, quitOffline)
		}
		if p, ok := a.Peer(idB); ok && p.Online {
			t.Errorf("A still lists B online after peer:offline: %+v", p)
		}
	})

	t.Run("back after quit", func(t *testing.T) {
		a.Mark()
		b.Restart()
		if b.ID() != idB {
			t.Fatalf("B's id changed across a restart with the same data dir: %s → %s", idB, b.ID())
		}
		ev := a.WaitEvent("peer:online", peerIs(idB), comeBack)
		t.Logf("B restart → A's peer:online %v", ev.At.Sub(b.Started).Round(time.Millisecond))
	})

	t.Run("kill -9", func(t *testing.T) {
		a.Mark()
		sent := time.Now()
		b.Kill9()
		ev := a.WaitEvent("peer:offline", peerIs(idB), killOffline+3*time.Second)
		took := ev.At.Sub(sent)
		t.Logf("SIGKILL → A's peer:offline %v", took.Round(time.Millisecond))
		if took > killOffline {
			t.Errorf("kill -9 → offline took %v, target %v", took, killOffline)
		}
	})

	t.Run("back after kill -9", func(t *testing.T) {
		a.Mark()
		b.Restart()
		ev := a.WaitEvent("peer:online", peerIs(idB), comeBack)
		t.Logf("B restart after kill -9 → A's peer:online %v", ev.At.Sub(b.Started).Round(time.Millisecond))
		waitOnlineLAN(t, b, a)
	})

	t.Run("unplugged", func(t *testing.T) {
		a.Mark()
		b.Mark()
		sent := time.Now()
		lan.Unplug(t, lan.Hosts[1])
		ev := a.WaitEvent("peer:offline", peerIs(idB), unplugOffline+5*time.Second)
		took := ev.At.Sub(sent)
		t.Logf("veth deleted → A's peer:offline %v", took.Round(time.Millisecond))
		if took > unplugOffline {
			t.Errorf("veth down → offline took %v, target %v", took, unplugOffline)
		}
		evB := b.WaitEvent("peer:offline", peerIs(a.ID()), unplugOffline+5*time.Second)
		t.Logf("veth deleted → B's peer:offline for A %v", evB.At.Sub(sent).Round(time.Millisecond))
		// B is still running; its bridge still answers.
		b.Me()
	})
}

// TestPresenceDuringCall: killing the callee while it rings ends the
// caller's attempt (the link is lost before the call connected) instead
// of leaving it calling until the fallback timer.
func TestPresenceDuringCall(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	call := a.StartCall(b.ID(), true, FakeSDP("offer"))
	b.WaitIncoming(a.ID(), call.ID, signalTimeout)
	a.WaitState(call.ID, "ringing", signalTimeout)
	sent := time.Now()
	b.Kill9()
	end := a.WaitState(call.ID, "ended", 10*time.Second)
	t.Logf("callee killed while ringing → caller's call ended %q (%s) after %v",
		end.Outcome, end.Reason, time.Since(sent).Round(time.Millisecond))
	if end.Outcome == "completed" || end.Outcome == "" {
		t.Errorf("outcome %q after the callee died", end.Outcome)
	}
	checkHistory(t, a, call.ID, "outgoing", end.Outcome)
}
