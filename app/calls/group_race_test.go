package calls_test

import (
	"context"
	"testing"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
)

// Two adds racing into a group of three (A adds D as B adds E), as
// e2e/browser/group-race.test.js plays it in Chromium. Each member counts
// the legs it has, ringing ones too, so the newcomer whose join reaches a
// member holding the other newcomer's leg is refused call_full, and its
// page leaves the whole call. Usually one newcomer is refused first and
// has left before the other's joins arrive: that one gets in (the page
// test sees exactly one in, run after run). These pin down the two orders
// the manager decides between.

// joinRefused has p join to and waits for the refusal call_full.
func joinRefused(t *testing.T, p, to *party) {
	t.Helper()
	info, err := p.m.Join(context.Background(), to.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	e := p.expect(t, calls.EventState, func(d any) bool { return d.(calls.Info).ID == info.ID && d.(calls.Info).State == calls.StateEnded }).(calls.Info)
	if e.Cause != errcode.CallFull || e.Reason != calls.ReasonCallFull {
		t.Fatalf("%s's join to %s: %+v, want call_full", p.kp.ID().Short(), to.kp.ID().Short(), e)
	}
}

// An add that still rings holds its place: the other newcomer, though
// it answered first, is refused by the member whose add rings.
func TestGroupRaceRingingAddHoldsItsPlace(t *testing.T) {
	ctx := context.Background()
	ps := parties(t, 5)
	alice, bob, carol, dave, eve := ps[0], ps[1], ps[2], ps[3], ps[4]
	leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) })
	join(t, carol, leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Add(ctx, carol.kp.ID(), true, offerSDP) }), ps...)

	if _, err := bob.m.Add(ctx, eve.kp.ID(), true, offerSDP); err != nil { // rings on
		t.Fatal(err)
	}
	leg(t, alice, dave, func() (calls.Info, error) { return alice.m.Add(ctx, dave.kp.ID(), true, offerSDP) })
	leg(t, dave, carol, func() (calls.Info, error) { return dave.m.Join(ctx, carol.kp.ID(), true, offerSDP) })
	joinRefused(t, dave, bob)
	wantPeers(t, bob, alice, carol, eve)
}

// Both newcomers answered and their joins cross: each is refused by the
// member that added the other, so neither gets in (their pages both
// leave). A known gap (docs/protocol.md §7.6.1): nothing on the wire lets
// a member give up a newcomer's leg for another's.
func TestGroupRaceCrossingJoinsBothRefused(t *testing.T) {
	ctx := context.Background()
	ps := parties(t, 5)
	alice, bob, carol, dave, eve := ps[0], ps[1], ps[2], ps[3], ps[4]
	leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) })
	join(t, carol, leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Add(ctx, carol.kp.ID(), true, offerSDP) }), ps...)

	leg(t, alice, dave, func() (calls.Info, error) { return alice.m.Add(ctx, dave.kp.ID(), true, offerSDP) })
	leg(t, bob, eve, func() (calls.Info, error) { return bob.m.Add(ctx, eve.kp.ID(), true, offerSDP) })
	joinRefused(t, dave, bob)
	joinRefused(t, eve, alice)
	wantPeers(t, alice, bob, carol, dave)
	wantPeers(t, bob, alice, carol, eve)
}
