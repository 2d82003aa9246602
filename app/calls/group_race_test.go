package calls_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
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

// Both newcomers answered and their joins cross (docs/protocol.md
// §7.6.1): each reaches the member that added the other. The lower peer
// id takes the last place at every member: its adder's rival refuses the
// higher id's join; the higher id's adder hangs up its own newcomer's leg
// (call_full, which makes that newcomer's page leave) and takes the join.
// Carol, who gets both joins, ends with the lower id too, whichever comes
// first. Each order of Carol's is played.
func TestGroupRaceCrossingJoinsLowerIDWins(t *testing.T) {
	for _, lowFirst := range []bool{true, false} {
		name := map[bool]string{true: "carol hears the winner first", false: "carol hears the loser first"}[lowFirst]
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			ps := parties(t, 5)
			alice, bob, carol, dave, eve := ps[0], ps[1], ps[2], ps[3], ps[4]
			leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) })
			join(t, carol, leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Add(ctx, carol.kp.ID(), true, offerSDP) }), ps...)

			daveIn := leg(t, alice, dave, func() (calls.Info, error) { return alice.m.Add(ctx, dave.kp.ID(), true, offerSDP) })
			eveIn := leg(t, bob, eve, func() (calls.Info, error) { return bob.m.Add(ctx, eve.kp.ID(), true, offerSDP) })
			// win, lose: the newcomers by id; winAdder added win, loseAdder lose.
			win, winAdder, lose, loseIn, loseAdder := dave, alice, eve, eveIn, bob
			if e, d := eve.kp.ID(), dave.kp.ID(); bytes.Compare(e[:], d[:]) < 0 {
				win, winAdder, lose, loseIn, loseAdder = eve, bob, dave, daveIn, alice
			}

			// The crossing, in an order each member may see it in.
			if lowFirst {
				leg(t, win, carol, func() (calls.Info, error) { return win.m.Join(ctx, carol.kp.ID(), true, offerSDP) })
				joinRefused(t, lose, carol)
			} else {
				lc := leg(t, lose, carol, func() (calls.Info, error) { return lose.m.Join(ctx, carol.kp.ID(), true, offerSDP) })
				leg(t, win, carol, func() (calls.Info, error) { return win.m.Join(ctx, carol.kp.ID(), true, offerSDP) })
				gaveWay(t, lose, lc.Call.ID)
			}
			joinRefused(t, lose, winAdder)
			leg(t, win, loseAdder, func() (calls.Info, error) { return win.m.Join(ctx, loseAdder.kp.ID(), true, offerSDP) })
			gaveWay(t, lose, loseIn.Call.ID)
			wantPeers(t, alice, bob, carol, win)
			wantPeers(t, bob, alice, carol, win)
			wantPeers(t, carol, alice, bob, win)
			wantPeers(t, win, alice, bob, carol)
			wantPeers(t, lose)
		})
	}
}

// gaveWay waits for p's call id to end call_full: a member gave its place
// to the other newcomer.
func gaveWay(t *testing.T, p *party, id string) {
	t.Helper()
	e := p.expect(t, calls.EventState, func(d any) bool {
		i := d.(calls.Info)
		return i.ID == id && i.State == calls.StateEnded
	}).(calls.Info)
	if e.Cause != errcode.CallFull || e.Outcome != calls.OutcomeBusy || e.Reason != calls.ReasonCallFull {
		t.Fatalf("%s's leg %s: %+v, want ended call_full", p.kp.ID().Short(), id, e)
	}
}

// A join whose roster is not the rival's (a newcomer of an earlier add,
// say) takes nobody's place, whatever its id: the race is only between
// newcomers added to the same group.
func TestGroupRaceOtherRosterTakesNoPlace(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	var ps []*party
	for range 4 {
		ps = append(ps, newParty(t, srv.URL, 5*time.Second))
	}
	alice, bob, carol, dave := ps[0], ps[1], ps[2], ps[3]
	// Eve's id sorts before dave's: were she his rival, she would win.
	kp := signalingtest.Key(t)
	for d := dave.kp.ID(); ; kp = signalingtest.Key(t) {
		if e := kp.ID(); bytes.Compare(e[:], d[:]) < 0 {
			break
		}
	}
	eve := newRawPeerKey(t, srv.URL, kp)
	group := leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) }).Call.ID
	join(t, carol, leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Add(ctx, carol.kp.ID(), true, offerSDP) }), ps...)
	join(t, dave, leg(t, alice, dave, func() (calls.Info, error) { return alice.m.Add(ctx, dave.kp.ID(), true, offerSDP) }), ps...)

	// Alice's word for eve names another group than dave's add did (only
	// carol besides alice): not the race for dave's place.
	eve.join(t, bob.kp.ID(), "late-1", group, vouch(alice.kp, eve.kp.ID(), group, time.Now(), carol.kp.ID()))
	eve.refused(t, "late-1", signaling.ReasonBusy, signaling.DetailCallFull)
	wantPeers(t, bob, alice, carol, dave)
}
