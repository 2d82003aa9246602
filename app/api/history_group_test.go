package api

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

type noLAN struct{}

func (noLAN) LANName(identity.PeerID) string { return "" }

// A group call with two others, recorded leg by leg as package calls
// does, with chat on both legs: History.List shows one entry with both
// people, Messages the chat of both once each; a 1:1 call's entry keeps
// exactly the fields it had.
func TestHistoryFoldsGroupCalls(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "peerline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	me, _ := identity.Generate()
	ana, _ := identity.Generate()
	ben, _ := identity.Generate()
	cy, _ := identity.Generate()
	t0 := time.UnixMilli(1_764_745_200_000)
	live := []calls.Info{{ID: "x", Peer: ana.ID().String()}, {ID: "l-ben", Peer: ben.ID().String(), Group: "x"}}
	h := NewHistory(ctx, st, nopEmitter{}, me.ID(), func() []calls.Info { return live })
	rec := &Recorder{Store: st, Names: &Names{Contacts: st, LAN: noLAN{}}, Events: nopEmitter{}}

	// The chat, as the page reports it: ours under one id on each leg.
	for _, m := range []struct {
		call, id string
		mine     bool
		text     string
	}{
		{"x", "m1", true, "hello both"}, {"l-ben", "m1", true, "hello both"},
		{"x", "a1", false, "hi, Ana here"}, {"l-ben", "b1", false, "Ben too"},
	} {
		if err := h.AddMessage(m.call, m.id, m.mine, m.text, t0.UnixMilli()); err != nil {
			t.Fatalf("AddMessage %s on %s: %v", m.id, m.call, err)
		}
	}
	if err := h.AddMessage("l-cy", "c1", false, "x", 1); !errorsIs(err, errcode.NoCall) {
		t.Fatalf("a message for a leg not going on: %v", err)
	}
	live = nil
	for _, r := range []calls.Record{
		{CallID: "solo", Peer: cy.ID(), PeerName: "Cy", Direction: calls.DirectionOutgoing, Video: false,
			StartedAt: t0.Add(-time.Hour), ConnectedAt: t0.Add(-time.Hour), EndedAt: t0.Add(-50 * time.Minute), Outcome: calls.OutcomeCompleted},
		{CallID: "x", Peer: ana.ID(), PeerName: "Ana", Direction: calls.DirectionOutgoing, Video: true,
			StartedAt: t0, ConnectedAt: t0.Add(2 * time.Second), EndedAt: t0.Add(10 * time.Minute), Outcome: calls.OutcomeCompleted},
		{CallID: "l-ben", Group: "x", Peer: ben.ID(), PeerName: "Ben", Direction: calls.DirectionOutgoing, Video: true,
			StartedAt: t0.Add(time.Minute), ConnectedAt: t0.Add(time.Minute), EndedAt: t0.Add(11 * time.Minute), Outcome: calls.OutcomeCompleted},
		{CallID: "l-cy", Group: "x", Peer: cy.ID(), PeerName: "Cy", Direction: calls.DirectionOutgoing, Video: true,
			StartedAt: t0.Add(2 * time.Minute), EndedAt: t0.Add(2*time.Minute + 5*time.Second), Outcome: calls.OutcomeDeclined},
	} {
		if err := rec.RecordCall(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	page, err := h.List(0, "")
	if err != nil || len(page.Entries) != 2 {
		t.Fatalf("List: %+v %v", page, err)
	}
	g, solo := page.Entries[0], page.Entries[1]
	var who []string
	for _, p := range g.Participants {
		who = append(who, p.PeerName+":"+p.Outcome)
	}
	if g.CallID != "x" || g.Group != "x" || g.Outcome != "completed" || g.Media != "video" || g.StartedAt != t0.UnixMilli() ||
		g.EndedAt != t0.Add(11*time.Minute).UnixMilli() || g.DurationMs != (11*time.Minute-2*time.Second).Milliseconds() ||
		!slices.Equal(who, []string{"Ana:completed", "Ben:completed", "Cy:declined"}) {
		t.Fatalf("group entry %+v (%v)", g, who)
	}
	// The wire names the UI reads (frontend/src/lib/backend/types.ts).
	raw, _ := json.Marshal(g)
	for _, k := range []string{`"group":"x"`, `"participants":[{"peer":"` + ana.ID().String() + `","peerName":"Ana","direction":"outgoing","outcome":"completed"`} {
		if !strings.Contains(string(raw), k) {
			t.Errorf("group entry JSON %s lacks %s", raw, k)
		}
	}
	raw, _ = json.Marshal(solo)
	if strings.Contains(string(raw), "group") || strings.Contains(string(raw), "participants") || solo.CallID != "solo" || solo.Media != "audio" {
		t.Errorf("1:1 entry JSON %s", raw)
	}

	for _, id := range []string{"x", "l-cy"} {
		ms, err := h.Messages(id)
		var got []string
		for _, m := range ms {
			got = append(got, m.Text)
		}
		if err != nil || !slices.Equal(got, []string{"hello both", "hi, Ana here", "Ben too"}) {
			t.Fatalf("Messages(%s): %q %v", id, got, err)
		}
		if ms[0].From != me.ID().String() || ms[1].From != ana.ID().String() || ms[2].From != ben.ID().String() {
			t.Fatalf("senders %+v", ms)
		}
	}
	if err := h.Delete("l-ben"); err != nil {
		t.Fatal(err)
	}
	if page, _ := h.List(0, ""); len(page.Entries) != 1 || page.Entries[0].CallID != "solo" {
		t.Fatalf("after deleting the group: %+v", page.Entries)
	}
}

func errorsIs(err error, code errcode.Code) bool { return errcode.Of(err) == code }

// A group add we missed: its entry names the sender as its one
// participant and the others of its roster as members, so the page says
// who was in the call; someone of the roster we did have a call with is a
// participant, not a member as well.
func TestHistoryMissedGroupAddNamesItsMembers(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "peerline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	me, _ := identity.Generate()
	ana, _ := identity.Generate()
	ben, _ := identity.Generate()
	cy, _ := identity.Generate()
	t0 := time.UnixMilli(1_764_745_200_000)
	h := NewHistory(ctx, st, nopEmitter{}, me.ID(), func() []calls.Info { return nil })
	rec := &Recorder{Store: st, Names: &Names{Contacts: st, LAN: noLAN{}}, Events: nopEmitter{}}
	for _, r := range []calls.Record{
		{CallID: "add-1", Group: "g-1", Peer: ana.ID(), PeerName: "Ana", Direction: calls.DirectionIncoming, Video: true,
			StartedAt: t0, EndedAt: t0.Add(30 * time.Second), Outcome: calls.OutcomeMissed, Members: []identity.PeerID{ben.ID(), cy.ID()}},
		{CallID: "add-2", Group: "g-2", Peer: ana.ID(), PeerName: "Ana", Direction: calls.DirectionIncoming, Video: true,
			StartedAt: t0.Add(time.Hour), EndedAt: t0.Add(time.Hour + 30*time.Second), Outcome: calls.OutcomeDeclined, Members: []identity.PeerID{ben.ID()}},
		{CallID: "join-2", Group: "g-2", Peer: ben.ID(), PeerName: "Ben", Direction: calls.DirectionIncoming, Video: true,
			StartedAt: t0.Add(time.Hour + time.Second), EndedAt: t0.Add(time.Hour + 2*time.Second), Outcome: calls.OutcomeMissed},
	} {
		if err := rec.RecordCall(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	page, err := h.List(0, "")
	if err != nil || len(page.Entries) != 2 {
		t.Fatalf("List: %+v %v", page, err)
	}
	late, missed := page.Entries[0], page.Entries[1]
	if missed.Group == "" || len(missed.Participants) != 1 || missed.Participants[0].Peer != ana.ID().String() ||
		!slices.Equal(missed.Members, []string{ben.ID().String(), cy.ID().String()}) {
		t.Errorf("missed add: %+v", missed)
	}
	if len(late.Participants) != 2 || late.Members != nil {
		t.Errorf("declined add with a leg of its member's: participants %+v, members %v", late.Participants, late.Members)
	}
	b, _ := json.Marshal(missed)
	if !strings.Contains(string(b), `"members":["`+ben.ID().String()) {
		t.Errorf("wire form: %s", b)
	}
}
