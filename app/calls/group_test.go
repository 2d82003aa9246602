package calls_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// parties returns n parties on one real signaling server.
func parties(t *testing.T, n int) []*party {
	srv := signalingtest.Serve(t, server.Config{})
	var ps []*party
	for range n {
		ps = append(ps, newParty(t, srv.URL, 5*time.Second))
	}
	return ps
}

// leg places a call with place (Start, Add or Join of from), has to
// answer it and waits until both sides are connecting. It returns the
// callee's incoming call.
func leg(t *testing.T, from, to *party, place func() (calls.Info, error)) calls.Incoming {
	t.Helper()
	info, err := place()
	if err != nil {
		t.Fatalf("place: %v", err)
	}
	in := to.expect(t, calls.EventIncoming, func(d any) bool { return d.(calls.Incoming).Call.ID == info.ID }).(calls.Incoming)
	if _, err := to.m.Accept(context.Background(), info.ID, true, answerSDP); err != nil {
		t.Fatalf("accept: %v", err)
	}
	from.expect(t, calls.EventState, func(d any) bool {
		i := d.(calls.Info)
		return i.ID == info.ID && i.State == calls.StateConnecting
	})
	return in
}

func peersOf(p *party) []string {
	var out []string
	for _, c := range p.m.Calls() {
		out = append(out, c.Peer)
	}
	slices.Sort(out)
	return out
}

func wantPeers(t *testing.T, p *party, others ...*party) {
	t.Helper()
	var want []string
	for _, o := range others {
		want = append(want, o.kp.ID().String())
	}
	slices.Sort(want)
	deadline := time.Now().Add(3 * time.Second)
	for !slices.Equal(peersOf(p), want) {
		if time.Now().After(deadline) {
			t.Fatalf("%s is in calls with %q, want %q", p.kp.ID().Short(), peersOf(p), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// join has p connect to every member its incoming leg named (as the UI
// does once it answered).
func join(t *testing.T, p *party, in calls.Incoming, all ...*party) {
	t.Helper()
	ctx := context.Background()
	for _, member := range in.Call.Members {
		for _, o := range all {
			if o.kp.ID().String() != member {
				continue
			}
			got := leg(t, p, o, func() (calls.Info, error) { return p.m.Join(ctx, o.kp.ID(), true, offerSDP) })
			if !got.Call.AutoAccept || got.Call.Group != in.Call.Group {
				t.Fatalf("a join must not ring: %+v", got.Call)
			}
		}
	}
}

func TestGroupCallOfFour(t *testing.T) {
	ctx := context.Background()
	ps := parties(t, 5)
	alice, bob, carol, dave, eve := ps[0], ps[1], ps[2], ps[3], ps[4]

	first := leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) })
	group := first.Call.ID
	// Alice adds carol: carol rings and sees bob in the call.
	in := leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Add(ctx, carol.kp.ID(), true, offerSDP) })
	if in.Call.Group != group || !slices.Equal(in.Call.Members, []string{bob.kp.ID().String()}) || in.Call.AutoAccept {
		t.Fatalf("carol's invite: group %q members %q autoAccept %v", in.Call.Group, in.Call.Members, in.Call.AutoAccept)
	}
	join(t, carol, in, ps...)
	// Bob (anyone in the call) adds dave, who joins alice and carol.
	in = leg(t, bob, dave, func() (calls.Info, error) { return bob.m.Add(ctx, dave.kp.ID(), true, offerSDP) })
	if len(in.Call.Members) != 2 {
		t.Fatalf("dave's roster %q, want alice and carol", in.Call.Members)
	}
	join(t, dave, in, ps...)
	wantPeers(t, alice, bob, carol, dave)
	wantPeers(t, bob, alice, carol, dave)
	wantPeers(t, carol, alice, bob, dave)
	wantPeers(t, dave, alice, bob, carol)
	// Every leg has its own signed answer, so its own safety code.
	codes := map[string]bool{}
	for _, c := range alice.m.Calls() {
		if c.SafetyCode == "" || codes[c.SafetyCode] {
			t.Fatalf("leg %s safety code %q", c.Peer, c.SafetyCode)
		}
		codes[c.SafetyCode] = true
	}

	// A fifth is refused.
	if _, err := alice.m.Add(ctx, eve.kp.ID(), true, offerSDP); !errors.Is(err, calls.ErrFull) || !errors.Is(err, errcode.CallFull) {
		t.Fatalf("adding a fifth: %v, want call_full", err)
	}
	// A 1:1 call to someone in the group call is busy, as before.
	info, err := eve.m.Start(ctx, alice.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	if e := eve.expectState(t, calls.StateEnded); e.ID != info.ID || e.Outcome != calls.OutcomeBusy || e.Cause != "" {
		t.Fatalf("eve's call to alice: %+v", e)
	}

	// Dave leaves: the three others stay in their calls.
	for _, c := range dave.m.Calls() {
		if err := dave.m.Hangup(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
	}
	wantPeers(t, alice, bob, carol)
	wantPeers(t, bob, alice, carol)
	wantPeers(t, carol, alice, bob)
	wantPeers(t, dave)
}

func TestGroupCallFullAndStaleJoin(t *testing.T) {
	ctx := context.Background()
	ps := parties(t, 5)
	alice, bob, carol, dave, eve := ps[0], ps[1], ps[2], ps[3], ps[4]
	leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) })
	in := leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Add(ctx, carol.kp.ID(), true, offerSDP) })
	join(t, carol, in, ps...)

	if d, e := dave.kp.ID(), eve.kp.ID(); bytes.Compare(d[:], e[:]) < 0 {
		// Eve's id sorts first, so the race for the last place is hers
		// (TestGroupRaceCrossingJoinsLowerIDWins plays the other way).
		dave, eve = eve, dave
	}
	// Bob adds dave and carol adds eve at the same time: five would be too many.
	leg(t, bob, dave, func() (calls.Info, error) { return bob.m.Add(ctx, dave.kp.ID(), true, offerSDP) })
	leg(t, carol, eve, func() (calls.Info, error) { return carol.m.Add(ctx, eve.kp.ID(), true, offerSDP) })
	// Dave gets into alice's call; carol's is full (alice, bob, eve).
	leg(t, dave, alice, func() (calls.Info, error) { return dave.m.Join(ctx, alice.kp.ID(), true, offerSDP) })
	info, err := dave.m.Join(ctx, carol.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	e := dave.expect(t, calls.EventState, func(d any) bool { return d.(calls.Info).ID == info.ID && d.(calls.Info).State == calls.StateEnded }).(calls.Info)
	if e.Cause != errcode.CallFull || e.Outcome != calls.OutcomeBusy || e.Reason != calls.ReasonCallFull {
		t.Fatalf("dave's join to a full call: %+v", e)
	}
	if r := carol.rec.last(t); r.Outcome != calls.OutcomeBusy || r.Reason != calls.ReasonCallFull {
		t.Fatalf("carol's history of the refused join: %+v", r)
	}
	wantPeers(t, carol, alice, bob, eve)

	// Eve was told of alice and bob; bob leaves before she joins: her
	// join to bob does not ring him, it is refused.
	for _, c := range bob.m.Calls() {
		bob.m.Hangup(ctx, c.ID)
	}
	wantPeers(t, bob)
	info, err = eve.m.Join(ctx, bob.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	e = eve.expect(t, calls.EventState, func(d any) bool { return d.(calls.Info).ID == info.ID && d.(calls.Info).State == calls.StateEnded }).(calls.Info)
	if e.Outcome != calls.OutcomeUnavailable {
		t.Fatalf("eve's join to bob, who left: %+v", e)
	}
	if _, ok := bob.m.Incoming(); ok {
		t.Fatal("a stale join rang bob")
	}
	// A join to someone not on the roster is refused locally.
	if _, err := eve.m.Join(ctx, dave.kp.ID(), true, offerSDP); !errors.Is(err, calls.ErrBadInput) {
		t.Fatalf("join off the roster: %v", err)
	}
}

// Two people added at the same moment by different members: neither
// invite names the other newcomer, but the accepts of their joins carry
// each member's roster, so the newcomers learn of each other and the
// mesh closes.
func TestGroupConcurrentAddsCloseTheMesh(t *testing.T) {
	ctx := context.Background()
	ps := parties(t, 4)
	alice, bob, carol, dave := ps[0], ps[1], ps[2], ps[3]
	leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) })
	toCarol, err := alice.m.Add(ctx, carol.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	toDave, err := bob.m.Add(ctx, dave.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	inCarol := carol.expect(t, calls.EventIncoming, nil).(calls.Incoming)
	inDave := dave.expect(t, calls.EventIncoming, nil).(calls.Incoming)
	if !slices.Equal(inCarol.Call.Members, []string{bob.kp.ID().String()}) || !slices.Equal(inDave.Call.Members, []string{alice.kp.ID().String()}) {
		t.Fatalf("rosters: carol %q, dave %q", inCarol.Call.Members, inDave.Call.Members)
	}
	for _, a := range []struct {
		p  *party
		id string
	}{{carol, toCarol.ID}, {dave, toDave.ID}} {
		if _, err := a.p.m.Accept(ctx, a.id, true, answerSDP); err != nil {
			t.Fatal(err)
		}
	}
	join(t, carol, inCarol, ps...)
	join(t, dave, inDave, ps...)
	// Each newcomer's join was answered with the member's roster, which
	// names the legs the member had answered by then: whichever of the
	// two accepts reached its member first, that member's roster names
	// that newcomer (the accept went out before its sender's joins, and
	// the server relays in order), so at least one newcomer hears of the
	// other, and joins it.
	heard := func(p, of *party) bool {
		for _, c := range p.m.Calls() {
			if slices.Contains(c.Members, of.kp.ID().String()) {
				return true
			}
		}
		return false
	}
	from, to := carol, dave
	if !heard(carol, dave) {
		from, to = dave, carol
		if !heard(dave, carol) {
			t.Fatal("neither newcomer heard of the other")
		}
	}
	got := leg(t, from, to, func() (calls.Info, error) { return from.m.Join(ctx, to.kp.ID(), true, offerSDP) })
	if !got.Call.AutoAccept {
		t.Fatal("the newcomers' join rang")
	}
	wantPeers(t, alice, bob, carol, dave)
	wantPeers(t, bob, alice, carol, dave)
	wantPeers(t, carol, alice, bob, dave)
	wantPeers(t, dave, alice, bob, carol)
}
