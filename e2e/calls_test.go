//go:build linux

package e2e

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// TestCallLAN: a whole call between two LAN peers, hung up by the callee,
// then a second one hung up by the caller (the line is free again).
func TestCallLAN(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	first := roundTrip(t, a, b, b)
	second := roundTrip(t, a, b, a)
	if first == second {
		t.Errorf("two calls share the id %s", first)
	}
	// The other direction works too.
	third := roundTrip(t, b, a, a)

	// Keys were pinned on the first call (trust on first use): from now on
	// each side's calls ring as verified.
	call := a.StartCall(b.ID(), false, FakeSDP("offer"))
	inc := b.WaitIncoming(a.ID(), call.ID, signalTimeout)
	if !inc.Call.Verified {
		t.Errorf("a call from a peer whose key was pinned on an earlier call rings unverified: %+v", inc.Call)
	}
	a.Do(nil, "Calls.Cancel", call.ID)
	b.WaitState(call.ID, "ended", signalTimeout)

	// History pages, newest first.
	var page HistoryPage
	a.Do(&page, "History.List", 2, "")
	if len(page.Entries) != 2 || page.Entries[0].CallID != call.ID || page.Entries[1].CallID != third {
		t.Fatalf("History.List(2): %v, want the last two calls newest first", page.Entries)
	}
	var next string
	if json.Unmarshal(page.Next, &next) != nil || next == "" {
		t.Fatalf("History.List(2) of 4 entries has no next cursor: %s", page.Next)
	}
	var rest HistoryPage
	a.Do(&rest, "History.List", 10, next)
	if len(rest.Entries) != 2 || rest.Entries[0].CallID != second || rest.Entries[1].CallID != first {
		t.Errorf("History.List(10, next): %v, want the first two calls", rest.Entries)
	}
}

// TestEarlyCandidates: the caller trickles candidates at once, before the
// callee has accepted; none is lost on the way (the callee's UI queues
// them until it has the remote description).
func TestEarlyCandidates(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	call := a.StartCall(b.ID(), true, FakeSDP("offer"))
	sent := []Candidate{FakeCandidate(1, "10.0.0.1"), FakeCandidate(2, "10.0.0.1"), FakeCandidate(3, "10.0.0.1")}
	var errs []error
	for _, c := range sent {
		if _, err := a.Call("Calls.Candidate", call.ID, c); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		t.Errorf("Calls.Candidate before the callee answered: %v", errs)
	}
	b.WaitIncoming(a.ID(), call.ID, signalTimeout)
	b.Do(nil, "Calls.Accept", call.ID, true, FakeSDP("answer"))
	a.WaitSignal(call.ID, "answer", nil, signalTimeout)
	deadline := time.Now().Add(2 * time.Second)
	var got int
	for time.Now().Before(deadline) {
		got = 0
		for _, ev := range b.Events("call:signal") {
			var s Signal
			if json.Unmarshal(ev.Data, &s) == nil && s.Call == call.ID && s.Kind == "candidate" {
				got++
			}
		}
		if got == len(sent) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got != len(sent) {
		t.Errorf("callee got %d of %d candidates sent before it answered", got, len(sent))
	}
	endCalls(t, a, b)
}

// TestCallDeclined: the callee declines; both end declined.
func TestCallDeclined(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	call := a.StartCall(b.ID(), false, FakeSDP("offer"))
	inc := b.WaitIncoming(a.ID(), call.ID, signalTimeout)
	if len(inc.Call.Media) != 1 || inc.Call.Media[0] != "audio" {
		t.Errorf("audio-only call rings with media %v", inc.Call.Media)
	}
	b.Do(nil, "Calls.Decline", call.ID)
	if end := a.WaitState(call.ID, "ended", signalTimeout); end.Outcome != "declined" {
		t.Errorf("caller: outcome %q (%s), want declined", end.Outcome, end.Reason)
	}
	if end := b.WaitState(call.ID, "ended", signalTimeout); end.Outcome != "declined" {
		t.Errorf("callee: outcome %q (%s), want declined", end.Outcome, end.Reason)
	}
	checkHistory(t, a, call.ID, "outgoing", "declined")
	checkHistory(t, b, call.ID, "incoming", "declined")
	// Declining twice, or accepting after declining, is refused.
	if _, err := b.Call("Calls.Accept", call.ID, true, FakeSDP("answer")); err == nil {
		t.Error("Calls.Accept of a declined call succeeded")
	}
}

// TestCallCancelled: the caller gives up while it rings: caller
// cancelled, callee missed.
func TestCallCancelled(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	call := a.StartCall(b.ID(), true, FakeSDP("offer"))
	b.WaitIncoming(a.ID(), call.ID, signalTimeout)
	a.WaitState(call.ID, "ringing", signalTimeout)
	a.Do(nil, "Calls.Cancel", call.ID)
	if end := a.WaitState(call.ID, "ended", signalTimeout); end.Outcome != "cancelled" {
		t.Errorf("caller: outcome %q (%s), want cancelled", end.Outcome, end.Reason)
	}
	if end := b.WaitState(call.ID, "ended", signalTimeout); end.Outcome != "missed" {
		t.Errorf("callee: outcome %q (%s), want missed", end.Outcome, end.Reason)
	}
	checkHistory(t, a, call.ID, "outgoing", "cancelled")
	checkHistory(t, b, call.ID, "incoming", "missed")
	if _, err := b.Call("Calls.Accept", call.ID, true, FakeSDP("answer")); err == nil {
		t.Error("Calls.Accept of a cancelled call succeeded")
	}
}

// TestCallNoAnswer: nobody answers within the callee's --ring-timeout:
// callee missed, caller no_answer.
func TestCallNoAnswer(t *testing.T) {
	requireE2E(t)
	const ring = 2 * time.Second
	a, b, _ := lanPair(t, Options{}, Options{RingTimeout: ring})
	call := a.StartCall(b.ID(), true, FakeSDP("offer"))
	inc := b.WaitIncoming(a.ID(), call.ID, signalTimeout)
	rang := time.Now()
	endB := b.WaitState(call.ID, "ended", ring+3*time.Second)
	endA := a.WaitState(call.ID, "ended", signalTimeout)
	took := time.Since(rang)
	if endB.Outcome != "missed" {
		t.Errorf("callee: outcome %q (%s), want missed", endB.Outcome, endB.Reason)
	}
	if endA.Outcome != "no_answer" {
		t.Errorf("caller: outcome %q (%s), want no_answer", endA.Outcome, endA.Reason)
	}
	if took < ring-300*time.Millisecond {
		t.Errorf("rang for only %v with --ring-timeout %v", took, ring)
	}
	t.Logf("rang %v (ring timeout %v)", took.Round(time.Millisecond), ring)
	checkHistory(t, a, inc.Call.ID, "outgoing", "no_answer")
	checkHistory(t, b, inc.Call.ID, "incoming", "missed")
}

// TestCallBusy: C calls B while B is in a call with A: C ends busy, B
// never rings, and the A–B call carries on. Three machines on one
// Ethernet segment (a Linux bridge in a fourth namespace): each instance
// keeps its own namespace, addresses and default hub port, as on a real
// LAN, rather than three instances sharing one namespace's loopback.
func TestCallBusy(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 3)
	a := StartInstance(t, lan.Hosts[0], "A", Options{})
	b := StartInstance(t, lan.Hosts[1], "B", Options{})
	c := StartInstance(t, lan.Hosts[2], "C", Options{})
	waitOnlineLAN(t, a, b)
	waitOnlineLAN(t, b, a)
	waitOnlineLAN(t, c, b)
	waitOnlineLAN(t, c, a)

	callID := connectedCall(t, a, b)

	cCall := c.StartCall(b.ID(), true, FakeSDP("offer"))
	end := c.WaitState(cCall.ID, "ended", signalTimeout)
	if end.Outcome != "busy" {
		t.Errorf("C: outcome %q (%s), want busy", end.Outcome, end.Reason)
	}
	checkHistory(t, c, cCall.ID, "outgoing", "busy")
	for _, ev := range b.Events("call:incoming") {
		if callIs(cCall.ID, "")(json.RawMessage(mustField(t, ev.Data, "call"))) {
			t.Errorf("B rang for C's call during the call with A: %s", ev.Data)
		}
	}
	// B's history shows the call it could not take.
	if e := b.HistoryEntry(cCall.ID); e.Direction != "incoming" {
		t.Errorf("B's history entry for C's call: %+v", e)
	} else {
		t.Logf("B's history entry for the busy call: outcome %q", e.Outcome)
	}
	for _, in := range []*Instance{a, b} {
		var cur *CallInfo
		in.Do(&cur, "Calls.Current")
		if cur == nil || cur.ID != callID || cur.State != "connected" {
			t.Errorf("%s: after C's attempt, Calls.Current = %+v, want the A–B call connected", in.Label, cur)
		}
	}
	// A can't place a second call while in one.
	if _, err := a.Call("Calls.Start", c.ID(), true, FakeSDP("offer")); err == nil {
		t.Error("Calls.Start during a call succeeded")
	}
	a.Do(nil, "Calls.Hangup", callID)
	b.WaitState(callID, "ended", signalTimeout)
	// B is free again: C gets through.
	c.Mark()
	again := c.StartCall(b.ID(), true, FakeSDP("offer"))
	b.WaitIncoming(c.ID(), again.ID, signalTimeout)
	c.Do(nil, "Calls.Cancel", again.ID)
}

func mustField(t *testing.T, raw json.RawMessage, name string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	decode(t, raw, &m)
	return m[name]
}

// TestCallGlare: A and B call each other at the same moment. Exactly one
// call survives (the one placed by the lower peer id); the other side
// drops its own and gets the survivor as an incoming call marked
// autoAccept; once it accepts, the call connects.
func TestCallGlare(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	const attempts = 10
	for i := 1; i <= attempts; i++ {
		a.Mark()
		b.Mark()
		var wg sync.WaitGroup
		var start sync.WaitGroup
		start.Add(1)
		type res struct {
			info CallInfo
			err  error
		}
		results := make([]res, 2)
		for k, pair := range [][2]*Instance{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				raw, err := pair[0].Call("Calls.Start", pair[1].ID(), true, FakeSDP("offer"))
				if err == nil {
					err = json.Unmarshal(raw, &results[k].info)
				}
				results[k].err = err
			}()
		}
		start.Done()
		wg.Wait()
		if results[0].err != nil || results[1].err != nil {
			// One invite arrived before the other side called: not glare,
			// just "already in a call". Clean up and try again.
			t.Logf("attempt %d: not simultaneous (A: %v, B: %v); again", i, results[0].err, results[1].err)
			time.Sleep(200 * time.Millisecond)
			endCalls(t, a, b)
			time.Sleep(500 * time.Millisecond)
			continue
		}
		t.Logf("attempt %d: both calls placed", i)
		checkGlare(t, a, b, results[0].info, results[1].info)
		return
	}
	t.Fatalf("no simultaneous start in %d attempts", attempts)
}

func checkGlare(t *testing.T, a, b *Instance, aCall, bCall CallInfo) {
	t.Helper()
	// Which survives is up to the app's id order; find out from who rings.
	var winner, loser *Instance
	var survivor, dropped CallInfo
	deadline := time.Now().Add(signalTimeout)
	for winner == nil {
		if _, err := a.TryWaitEvent("call:incoming", nil, 20*time.Millisecond); err == nil {
			winner, loser, survivor, dropped = b, a, bCall, aCall
		} else if _, err := b.TryWaitEvent("call:incoming", nil, 20*time.Millisecond); err == nil {
			winner, loser, survivor, dropped = a, b, aCall, bCall
		} else if time.Now().After(deadline) {
			t.Fatalf("neither side rang after glare; A's events:\n%s\nB's events:\n%s", a.eventDump(), b.eventDump())
		}
	}
	t.Logf("glare: %s's call survives (%s < %s?)", winner.Label, short(winner.ID()), short(loser.ID()))

	inc := loser.WaitIncoming(winner.ID(), survivor.ID, signalTimeout)
	if inc.Call.ID != survivor.ID {
		t.Fatalf("%s rings for call %s, want the survivor %s", loser.Label, inc.Call.ID, survivor.ID)
	}
	if !inc.Call.AutoAccept {
		t.Errorf("%s: surviving call rings without autoAccept: %+v", loser.Label, inc.Call)
	}
	if end := loser.WaitState(dropped.ID, "ended", signalTimeout); end.Outcome != "cancelled" {
		t.Errorf("%s: its own dropped call ended %q (%s), want cancelled", loser.Label, end.Outcome, end.Reason)
	}
	// The UI auto-accepts.
	loser.Do(nil, "Calls.Accept", survivor.ID, true, FakeSDP("answer"))
	winner.WaitSignal(survivor.ID, "answer", nil, signalTimeout)
	winner.WaitState(survivor.ID, "connecting", signalTimeout)
	winner.Do(nil, "Calls.MediaState", survivor.ID, "connected")
	loser.Do(nil, "Calls.MediaState", survivor.ID, "connected")
	winner.WaitState(survivor.ID, "connected", signalTimeout)
	loser.WaitState(survivor.ID, "connected", signalTimeout)

	// Exactly one call: the winner never rang, and its own call was never
	// ended or replaced.
	if evs := winner.Events("call:incoming"); len(evs) != 0 {
		t.Errorf("%s rang too (for the dropped call?): %s", winner.Label, evs[0].Data)
	}
	for _, in := range []*Instance{a, b} {
		var cur *CallInfo
		in.Do(&cur, "Calls.Current")
		if cur == nil || cur.ID != survivor.ID {
			t.Errorf("%s: Calls.Current = %+v, want the survivor %s", in.Label, cur, survivor.ID)
		}
	}
	if got := winner.States(dropped.ID); len(got) != 0 {
		t.Errorf("%s saw states %v for the dropped call", winner.Label, got)
	}
	winner.Do(nil, "Calls.Hangup", survivor.ID)
	for _, in := range []*Instance{a, b} {
		if end := in.WaitState(survivor.ID, "ended", signalTimeout); end.Outcome != "completed" {
			t.Errorf("%s: survivor ended %q, want completed", in.Label, end.Outcome)
		}
	}
}
