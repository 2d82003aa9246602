//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// Reinstall stops the instance, wipes its data dir (a new install: a new
// identity key, so a new peer id) and starts it again with the same name.
func (in *Instance) Reinstall() {
	in.t.Helper()
	if in.running() {
		in.Quit()
	}
	entries, err := os.ReadDir(in.Dir)
	if err != nil {
		in.t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(in.Dir, e.Name())); err != nil {
			in.t.Fatal(err)
		}
	}
	in.Restart()
}

// TestKeyChange: B, a contact of A's since their first call, reinstalls
// (new key, same name). Its next call is held with a loud warning, never
// rung; once A accepts the new identity, B rings again, verified.
func TestKeyChange(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{Name: "Sam"})
	roundTrip(t, b, a, a) // A pins B's key
	oldB := b.ID()
	b.Reinstall()
	newB := b.ID()
	if newB == oldB {
		t.Fatalf("a wiped data dir kept the id %s", oldB)
	}
	waitOnlineLAN(t, a, b)

	a.Mark()
	call := b.StartCall(a.ID(), true, FakeSDP("offer"))
	end := b.WaitState(call.ID, "ended", signalTimeout)
	if end.Outcome != "unavailable" {
		t.Errorf("a call from the changed identity ended %q (%s) at the caller, want unavailable (held)", end.Outcome, end.Reason)
	}
	ev := a.WaitEvent("identity:changed", nil, signalTimeout)
	var changed struct {
		Contact struct {
			ID string `json:"id"`
		} `json:"contact"`
		NewID string `json:"newId"`
	}
	decode(t, ev.Data, &changed)
	if changed.Contact.ID != oldB || changed.NewID != newB {
		t.Errorf("identity:changed %s, want contact %s new id %s", ev.Data, short(oldB), short(newB))
	}
	if evs := a.Events("call:incoming"); len(evs) > 0 {
		t.Errorf("A rang for a held call: %s", evs[0].Data)
	}
	if p, ok := a.Peer(oldB); !ok || !p.KeyChanged {
		t.Errorf("A lists the contact as %+v (found %v), want keyChanged", p, ok)
	}

	// A compares the ids and accepts.
	var moved map[string]any
	a.Do(&moved, "Contacts.AcceptNewKey", oldB, newB)
	if moved["id"] != newB {
		t.Errorf("after AcceptNewKey the contact is %v, want id %s", moved, short(newB))
	}
	again := b.StartCall(a.ID(), true, FakeSDP("offer"))
	inc := a.WaitIncoming(newB, again.ID, signalTimeout)
	if !inc.Call.Verified {
		t.Errorf("after AcceptNewKey the new identity rings unverified: %+v", inc.Call)
	}
	b.Do(nil, "Calls.Cancel", again.ID)
}

// TestSameNameStranger: C, a different person who happens to share the
// name of A's contact B, calls A. A is warned that "B's identity changed"
// and the call is held. A rejects the claim (keeps B): C is a stranger
// and must be able to ring A as one; B keeps working.
func TestSameNameStranger(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 3)
	a := StartInstance(t, lan.Hosts[0], "A", Options{})
	b := StartInstance(t, lan.Hosts[1], "B", Options{Name: "Alex"})
	c := StartInstance(t, lan.Hosts[2], "C", Options{Name: "Alex"})
	waitOnlineLAN(t, a, b)
	waitOnlineLAN(t, c, a)
	roundTrip(t, b, a, a) // B is A's contact "Alex"

	call := c.StartCall(a.ID(), true, FakeSDP("offer"))
	end := c.WaitState(call.ID, "ended", signalTimeout)
	a.WaitEvent("identity:changed", nil, signalTimeout)
	t.Logf("C's first call: %q (%s); A warned that Alex's identity changed", end.Outcome, end.Reason)

	a.Do(nil, "Contacts.RejectNewKey", b.ID())
	a.Mark()
	again := c.StartCall(a.ID(), true, FakeSDP("offer"))
	if _, err := a.TryWaitEvent("call:incoming", nil, signalTimeout); err != nil {
		endC := c.WaitState(again.ID, "ended", signalTimeout)
		var warned []string
		for _, ev := range a.Events("identity:changed") {
			warned = append(warned, string(ev.Data))
		}
		t.Errorf("after A rejected C's claim to be Alex, C still cannot ring A: %q (%s); identity:changed again: %v",
			endC.Outcome, endC.Reason, len(warned) > 0)
	} else {
		c.Do(nil, "Calls.Cancel", again.ID)
	}
	// B, the real contact, still rings verified.
	time.Sleep(200 * time.Millisecond)
	a.Mark()
	fromB := b.StartCall(a.ID(), true, FakeSDP("offer"))
	inc := a.WaitIncoming(b.ID(), fromB.ID, signalTimeout)
	if !inc.Call.Verified {
		t.Errorf("B rings unverified after the episode: %s", mustJSON(inc.Call))
	}
	b.Do(nil, "Calls.Cancel", fromB.ID)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
