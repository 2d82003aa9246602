package api

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

// A call going on under the id of a call in the history with someone
// else (a group's id is its first leg's, and everyone added has it; the
// caller picks an incoming call's id): its chat is not kept under that
// id, where it would show in the old entry's chat.
func TestAddMessageRefusesAnotherPeersStoredCall(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "peerline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	me, _ := identity.Generate()
	ana, _ := identity.Generate()
	eve, _ := identity.Generate()
	t0 := time.UnixMilli(1_764_745_200_000)
	rec := &Recorder{Store: st, Names: &Names{Contacts: st, LAN: noLAN{}}, Events: nopEmitter{}}
	if err := rec.RecordCall(ctx, calls.Record{CallID: "g", Peer: ana.ID(), PeerName: "Ana", Direction: calls.DirectionOutgoing,
		StartedAt: t0, ConnectedAt: t0, EndedAt: t0.Add(time.Minute), Outcome: calls.OutcomeCompleted}); err != nil {
		t.Fatal(err)
	}
	var live []calls.Info
	h := NewHistory(ctx, st, nopEmitter{}, me.ID(), func() []calls.Info { return live })
	if _, err := h.List(0, ""); err != nil { // flushed
		t.Fatal(err)
	}
	live = []calls.Info{{ID: "g", Peer: eve.ID().String()}}
	for _, mine := range []bool{false, true} {
		if err := h.AddMessage("g", "e1", mine, "not Ana's call", t0.UnixMilli()); !errorsIs(err, errcode.BadInput) {
			t.Errorf("mine %v: a message for eve's call under Ana's call id: %v, want bad_input", mine, err)
		}
	}
	ms, err := h.Messages("g")
	if err != nil || len(ms) != 0 {
		t.Fatalf("Ana's call's chat: %+v, %v; want none", ms, err)
	}
	// Ana's own call, going on again under its id (not a real case, but
	// the check is by peer): kept.
	live = []calls.Info{{ID: "g", Peer: ana.ID().String()}}
	if err := h.AddMessage("g", "a1", false, "Ana", t0.UnixMilli()); err != nil {
		t.Fatal(err)
	}
}
