//go:build linux

package e2e

import (
	"testing"
	"time"
)

// TestBlock: A adds B from the LAN and blocks it; B's call to A ends
// unavailable and A never rings. Unblocked, B gets through again.
func TestBlock(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	var contact map[string]any
	a.Do(&contact, "Contacts.AddFromLAN", b.ID())
	if contact["id"] != b.ID() {
		t.Errorf("Contacts.AddFromLAN returned %v", contact)
	}
	a.Do(nil, "Contacts.SetBlocked", b.ID(), true)
	if p, ok := a.Peer(b.ID()); !ok || !p.Blocked || !p.Contact {
		t.Errorf("A lists B as %+v (found %v), want a blocked contact", p, ok)
	}

	a.Mark()
	call := b.StartCall(a.ID(), true, FakeSDP("offer"))
	end := b.WaitState(call.ID, "ended", signalTimeout)
	if end.Outcome != "unavailable" {
		t.Errorf("B's call to A (who blocked B) ended %q (%s), want unavailable", end.Outcome, end.Reason)
	}
	time.Sleep(500 * time.Millisecond) // anything that would ring has arrived by now
	if evs := a.Events("call:incoming"); len(evs) > 0 {
		t.Errorf("A rang for a blocked peer: %s", evs[0].Data)
	}
	for _, ev := range a.Events("call:state") {
		t.Errorf("A saw call:state for a blocked peer's call: %s", ev.Data)
	}
	var cur *CallInfo
	a.Do(&cur, "Calls.Current")
	if cur != nil {
		t.Errorf("A has a current call after refusing a blocked peer: %+v", cur)
	}
	checkHistory(t, b, call.ID, "outgoing", "unavailable")

	// Unblocked: B gets through.
	a.Do(nil, "Contacts.SetBlocked", b.ID(), false)
	again := b.StartCall(a.ID(), true, FakeSDP("offer"))
	inc := a.WaitIncoming(b.ID(), again.ID, signalTimeout)
	if !inc.Call.Verified {
		t.Logf("note: a LAN contact's call rings unverified: %+v", inc.Call)
	}
	b.Do(nil, "Calls.Cancel", again.ID)
	a.WaitState(again.ID, "ended", signalTimeout)
}
