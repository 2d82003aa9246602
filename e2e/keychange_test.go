//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

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
// name of A's contact B, calls A. A name is a claim anyone can make, so it
// flags nothing: no "identity changed" on B, and C's call rings as a
// stranger's, unverified, labelled "someone using Alex's name". B keeps
// ringing verified.
func TestSameNameStranger(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 3)
	a := StartInstance(t, lan.Hosts[0], "A", Options{})
	b := StartInstance(t, lan.Hosts[1], "B", Options{Name: "Alex"})
	c := StartInstance(t, lan.Hosts[2], "C", Options{Name: "Alex"})
	waitOnlineLAN(t, a, b)
	waitOnlineLAN(t, c, a)
	roundTrip(t, b, a, a) // B is A's contact "Alex"

	a.Mark()
	call := c.StartCall(a.ID(), true, FakeSDP("offer"))
	inc := a.WaitIncoming(c.ID(), call.ID, signalTimeout)
	if inc.Call.Verified || inc.Call.SameNameAs != "Alex" {
		t.Errorf("C's call rings as %s, want unverified with sameNameAs Alex", mustJSON(inc.Call))
	}
	c.Do(nil, "Calls.Cancel", call.ID)
	c.WaitState(call.ID, "ended", signalTimeout)
	if evs := a.Events("identity:changed"); len(evs) > 0 {
		t.Errorf("a name alone flagged the contact: %s", evs[0].Data)
	}
	if p, ok := a.Peer(b.ID()); !ok || p.KeyChanged || !p.Verified {
		t.Errorf("A lists the contact as %+v (found %v), want verified and unflagged", p, ok)
	}
	// B, the real contact, still rings verified.
	a.Mark()
	fromB := b.StartCall(a.ID(), true, FakeSDP("offer"))
	incB := a.WaitIncoming(b.ID(), fromB.ID, signalTimeout)
	if !incB.Call.Verified {
		t.Errorf("B rings unverified after the episode: %s", mustJSON(incB.Call))
	}
	b.Do(nil, "Calls.Cancel", fromB.ID)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
