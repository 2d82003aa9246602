package calls_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// Every leg of a group call is recorded with the group id (the first
// leg, placed 1:1, with none: the group carries its id), so that the
// history folds them into one entry; a 1:1 call has none.
func TestGroupLegsRecordTheirGroup(t *testing.T) {
	ctx := context.Background()
	ps := parties(t, 4)
	alice, bob, carol, eve := ps[0], ps[1], ps[2], ps[3]

	solo := leg(t, eve, bob, func() (calls.Info, error) { return eve.m.Start(ctx, bob.kp.ID(), false, offerSDP) }).Call.ID
	if err := eve.m.Hangup(ctx, solo); err != nil {
		t.Fatal(err)
	}
	if r := waitRecord(t, eve.rec, func(r calls.Record) bool { return r.CallID == solo }); r.Group != "" || r.Cause != "" {
		t.Fatalf("a 1:1 call recorded group %q cause %q", r.Group, r.Cause)
	}
	wantPeers(t, bob)

	group := leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) }).Call.ID
	join(t, carol, leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Add(ctx, carol.kp.ID(), true, offerSDP) }), ps...)
	wantPeers(t, alice, bob, carol)
	for _, p := range []*party{alice, bob, carol} {
		for _, c := range p.m.Calls() {
			if err := p.m.Hangup(ctx, c.ID); err != nil && !errorsIsWrongTime(err) {
				t.Fatal(err)
			}
		}
	}
	for _, p := range []*party{alice, bob, carol} {
		wantPeers(t, p)
	}
	// alice and bob: the first call (no group) and one leg naming it;
	// carol: her two legs, both naming it.
	for _, tc := range []struct {
		name string
		p    *party
		want map[string]int // group -> legs
	}{
		{"alice", alice, map[string]int{"": 1, group: 1}},
		{"bob", bob, map[string]int{"": 1, group: 1}},
		{"carol", carol, map[string]int{group: 2}},
	} {
		waitRecord(t, tc.p.rec, func(calls.Record) bool {
			tc.p.rec.mu.Lock()
			defer tc.p.rec.mu.Unlock()
			return len(groupLegs(tc.p.rec.records, solo)) == 2
		})
		got := map[string]int{}
		tc.p.rec.mu.Lock()
		for _, r := range groupLegs(tc.p.rec.records, solo) {
			got[r.Group]++
			if r.Group == "" && r.CallID != group {
				t.Errorf("%s: a leg without a group that is not the first call: %+v", tc.name, r)
			}
			if r.Cause == errcode.CallFull {
				t.Errorf("%s: %+v", tc.name, r)
			}
		}
		tc.p.rec.mu.Unlock()
		if len(got) != len(tc.want) || got[""] != tc.want[""] || got[group] != tc.want[group] {
			t.Errorf("%s: legs by group %v, want %v", tc.name, got, tc.want)
		}
	}
}

// groupLegs are the records but the 1:1 call solo.
func groupLegs(rs []calls.Record, solo string) []calls.Record {
	var out []calls.Record
	for _, r := range rs {
		if r.CallID != solo {
			out = append(out, r)
		}
	}
	return out
}

func errorsIsWrongTime(err error) bool { return errors.Is(err, calls.ErrWrongTime) }

// A join refused because the group call is full is a leg of that group,
// with cause call_full: the history shows who was refused as full.
func TestGroupFullRefusalRecordsTheGroup(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	var ps []*party
	for range 4 {
		ps = append(ps, newParty(t, srv.URL, 5*time.Second))
	}
	alice, bob, carol, dave := ps[0], ps[1], ps[2], ps[3]
	eve := newRawPeer(t, srv.URL)
	group := leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) }).Call.ID
	join(t, carol, leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Add(ctx, carol.kp.ID(), true, offerSDP) }), ps...)
	join(t, dave, leg(t, alice, dave, func() (calls.Info, error) { return alice.m.Add(ctx, dave.kp.ID(), true, offerSDP) }), ps...)
	wantPeers(t, bob, alice, carol, dave)
	eve.join(t, bob.kp.ID(), "full-1", group, vouch(alice.kp, eve.kp.ID(), group, time.Now()))
	eve.refused(t, "full-1", signaling.ReasonBusy, signaling.DetailCallFull)
	r := waitRecord(t, bob.rec, func(r calls.Record) bool { return r.CallID == "full-1" })
	if r.Group != group || r.Cause != errcode.CallFull || r.Outcome != calls.OutcomeBusy {
		t.Fatalf("the refused join's record %+v, want group %s, cause call_full", r, group)
	}
}

// An add we decline keeps its roster: the history of a group call we were
// not in still says who was in it. A join never records one (it named
// who the joiner knows, and we were in the call ourselves).
func TestDeclinedAddRecordsItsRoster(t *testing.T) {
	ctx := context.Background()
	ps := parties(t, 3)
	alice, bob, carol := ps[0], ps[1], ps[2]
	leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) })
	add, err := alice.m.Add(ctx, carol.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	in := carol.expect(t, calls.EventIncoming, func(d any) bool { return d.(calls.Incoming).Call.ID == add.ID }).(calls.Incoming)
	if err := carol.m.Decline(ctx, in.Call.ID); err != nil {
		t.Fatal(err)
	}
	r := waitRecord(t, carol.rec, func(r calls.Record) bool { return r.CallID == add.ID })
	if r.Group == "" || len(r.Members) != 1 || r.Members[0] != bob.kp.ID() {
		t.Fatalf("carol's declined add: group %q members %v, want bob", r.Group, r.Members)
	}
	for _, p := range []*party{alice, bob} {
		for _, c := range p.m.Calls() {
			p.m.Hangup(ctx, c.ID)
		}
	}
	for _, p := range []*party{alice, bob} {
		p.rec.mu.Lock()
		for _, r := range p.rec.records {
			if r.Members != nil {
				t.Errorf("%s recorded members for %+v", p.kp.ID().Short(), r)
			}
		}
		p.rec.mu.Unlock()
	}
}
