package calls_test

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// rawPeer is a signaling connection with no manager: it sends invites a
// real app would not, and sees what comes back.
type rawPeer struct {
	kp *identity.KeyPair
	c  *signaling.Conn
	in chan signaling.Envelope
}

func newRawPeer(t *testing.T, url string) *rawPeer {
	return newRawPeerKey(t, url, signalingtest.Key(t))
}

func newRawPeerKey(t *testing.T, url string, kp *identity.KeyPair) *rawPeer {
	p := &rawPeer{kp: kp, in: make(chan signaling.Envelope, 64)}
	p.c = signalingtest.Dial(t, url, p.kp)
	go func() {
		for {
			env, err := p.c.Recv()
			if err != nil {
				return
			}
			p.in <- env
		}
	}()
	return p
}

// join sends a join invite for group to `to` in call, carrying v.
func (p *rawPeer) join(t *testing.T, to identity.PeerID, call, group string, v *signaling.Voucher) {
	t.Helper()
	g := &signaling.Group{ID: group, Join: true, Voucher: v}
	sig, ts := signaling.SignDescription(p.kp, signaling.KindOffer, call, to, offerSDP, time.Now())
	signaling.SignGroup(p.kp, signaling.KindOffer, call, to, ts, g)
	env, err := signaling.New(signaling.TypeInvite, signaling.Invite{Media: []signaling.Media{signaling.MediaAudio},
		SDP: offerSDP, Key: p.kp.Public(), Sig: sig, Time: ts, Group: g})
	if err != nil {
		t.Fatal(err)
	}
	env.To, env.Call = to, call
	if err := p.c.Send(context.Background(), env); err != nil {
		t.Fatal(err)
	}
}

// next returns the next message for call.
func (p *rawPeer) next(t *testing.T, call string) signaling.Envelope {
	t.Helper()
	deadline := time.After(3 * time.Second)
	for {
		select {
		case env := <-p.in:
			if env.Call == call {
				return env
			}
		case <-deadline:
			t.Fatalf("nothing for call %s", call)
		}
	}
}

// refused checks that call was rejected with reason (and detail).
func (p *rawPeer) refused(t *testing.T, call string, reason signaling.Reason, detail signaling.Detail) {
	t.Helper()
	env := p.next(t, call)
	var r signaling.Reject
	if env.Type != signaling.TypeReject || env.DecodeBody(&r) != nil || r.Reason != reason || r.Detail != detail {
		t.Fatalf("call %s: got %s %s, want reject %v/%v", call, env.Type, env.Body, reason, detail)
	}
}

// vouch is member's voucher for joiner in group: its signed add.
func vouch(member *identity.KeyPair, joiner identity.PeerID, group string, at time.Time, members ...identity.PeerID) *signaling.Voucher {
	g := &signaling.Group{ID: group, Members: members}
	ts := at.UnixMilli()
	signaling.SignGroup(member, signaling.KindOffer, "add-"+joiner.Short(), joiner, ts, g)
	return signaling.VoucherOf(false, "add-"+joiner.Short(), member.ID(), ts, g)
}

func (g *memGate) isPinned(p identity.PeerID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.pinned[p]
	return ok
}

// The group id is no secret (every add carries it): a join gets in only
// with a fresh voucher from a member we are in the call with, and its key
// is not pinned.
func TestGroupJoinNeedsAMembersVoucher(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	alice, bob, carol := newParty(t, srv.URL, 5*time.Second), newParty(t, srv.URL, 5*time.Second), newParty(t, srv.URL, 5*time.Second)
	eve := newRawPeer(t, srv.URL)
	group := leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) }).Call.ID
	now := time.Now()
	for i, tc := range []struct {
		name string
		v    *signaling.Voucher
	}{
		{"no voucher", nil},
		{"vouching for herself", vouch(eve.kp, eve.kp.ID(), group, now)},
		{"from someone not in bob's call", vouch(carol.kp, eve.kp.ID(), group, now)},
		{"alice's, for someone else", vouch(alice.kp, carol.kp.ID(), group, now)},
		{"alice's, for another group", vouch(alice.kp, eve.kp.ID(), "other", now)},
		{"alice's, too old", vouch(alice.kp, eve.kp.ID(), group, now.Add(-signaling.MaxVoucherAge-time.Second))},
		{"alice's name, carol's key", func() *signaling.Voucher {
			v := vouch(carol.kp, eve.kp.ID(), group, now)
			v.From = alice.kp.ID()
			return v
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			call := "forged-" + strconv.Itoa(i)
			eve.join(t, bob.kp.ID(), call, group, tc.v)
			eve.refused(t, call, signaling.ReasonUnavailable, signaling.DetailNone)
			wantPeers(t, bob, alice)
		})
	}
	if _, ok := bob.m.Incoming(); ok {
		t.Fatal("a forged join rang bob")
	}
	// Alice's own add vouches: eve is taken without ringing, shown
	// unverified, and her key is not pinned when bob's UI answers.
	eve.join(t, bob.kp.ID(), "vouched-1", group, vouch(alice.kp, eve.kp.ID(), group, now, bob.kp.ID()))
	in := bob.expect(t, calls.EventIncoming, func(d any) bool { return d.(calls.Incoming).Call.ID == "vouched-1" }).(calls.Incoming)
	if !in.Call.AutoAccept || in.Call.Verified || in.Call.Group != group {
		t.Fatalf("vouched join: %+v", in.Call)
	}
	if _, err := bob.m.Accept(ctx, "vouched-1", true, answerSDP); err != nil {
		t.Fatal(err)
	}
	for env := eve.next(t, "vouched-1"); env.Type != signaling.TypeAccept; env = eve.next(t, "vouched-1") {
	}
	wantPeers(t, bob, alice, wantParty(eve.kp))
	if bob.gate.isPinned(eve.kp.ID()) {
		t.Fatal("a join's key was pinned")
	}
}

// wantParty stands a raw peer in for a party in wantPeers.
func wantParty(kp *identity.KeyPair) *party { return &party{kp: kp} }

// In a real group, joins carry vouchers; keys of join legs are pinned on
// neither side, while the add the user answered pins as a 1:1 call does.
func TestGroupJoinKeysNotPinned(t *testing.T) {
	ctx := context.Background()
	ps := parties(t, 3)
	alice, bob, carol := ps[0], ps[1], ps[2]
	leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) })
	in := leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Add(ctx, carol.kp.ID(), true, offerSDP) })
	join(t, carol, in, ps...)
	wantPeers(t, bob, alice, carol)
	if !carol.gate.isPinned(alice.kp.ID()) || !alice.gate.isPinned(carol.kp.ID()) {
		t.Fatal("the add carol answered did not pin alice and carol")
	}
	if bob.gate.isPinned(carol.kp.ID()) || carol.gate.isPinned(bob.kp.ID()) {
		t.Fatal("a join leg pinned a key")
	}
}

// A join is taken only once we answered a leg of the group: while our own
// add still rings, it is refused (and never rung); rosters name answered
// legs only.
func TestGroupJoinWaitsForOurAnswer(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	alice, bob, carol := newParty(t, srv.URL, 5*time.Second), newParty(t, srv.URL, 5*time.Second), newParty(t, srv.URL, 5*time.Second)
	dave := newRawPeer(t, srv.URL)
	group := leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) }).Call.ID
	add, err := alice.m.Add(ctx, carol.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	carol.expect(t, calls.EventIncoming, nil)
	// Dave, vouched for by alice, joins carol while alice's add rings there.
	dave.join(t, carol.kp.ID(), "early-1", group, vouch(alice.kp, dave.kp.ID(), group, time.Now(), bob.kp.ID()))
	dave.refused(t, "early-1", signaling.ReasonUnavailable, signaling.DetailNone)
	wantPeers(t, carol, alice)
	if in, _ := carol.m.Incoming(); in.Call.ID != add.ID {
		t.Fatalf("carol's ringing call is %+v, want alice's add", in.Call)
	}
	// Alice's roster for a further add names bob, not carol who still rings.
	third := newParty(t, srv.URL, 5*time.Second)
	in := leg(t, alice, third, func() (calls.Info, error) { return alice.m.Add(ctx, third.kp.ID(), true, offerSDP) })
	if len(in.Call.Members) != 1 || in.Call.Members[0] != bob.kp.ID().String() {
		t.Fatalf("roster %q, want bob only", in.Call.Members)
	}
	// Once carol answered, the same join gets in.
	if _, err := carol.m.Accept(ctx, add.ID, true, answerSDP); err != nil {
		t.Fatal(err)
	}
	dave.join(t, carol.kp.ID(), "late-1", group, vouch(alice.kp, dave.kp.ID(), group, time.Now(), bob.kp.ID()))
	if got := carol.expect(t, calls.EventIncoming, nil).(calls.Incoming); got.Call.ID != "late-1" || !got.Call.AutoAccept {
		t.Fatalf("join after the answer: %+v", got.Call)
	}
}

// hookSink passes events on, and calls hook with each first.
type hookSink struct {
	next calls.Emitter
	hook func(events.Name, any)
}

func (h hookSink) Emit(name events.Name, data any) { h.hook(name, data); h.next.Emit(name, data) }

// Glare on a group leg: we yield to the peer's invite, which lets go of
// the lock; a leg placed meanwhile (here the UI's Add, run the moment our
// cancelled leg ends) fills the call, and the peer's leg is then refused
// call_full rather than making five.
func TestGroupGlareRechecksTheCount(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	var carol *party
	var fill sync.Once
	var filler *party
	var ourLeg string
	carol = newPartyWith(t, srv.URL, 5*time.Second, func(cfg *calls.Config) {
		cfg.Events = hookSink{next: cfg.Events, hook: func(name events.Name, d any) {
			if i, ok := d.(calls.Info); ok && name == calls.EventState && i.ID == ourLeg && i.State == calls.StateEnded {
				fill.Do(func() {
					if _, err := carol.m.Add(ctx, filler.kp.ID(), true, offerSDP); err != nil {
						t.Errorf("add in the window: %v", err)
					}
				})
			}
		}}
	})
	alice, bob := newParty(t, srv.URL, 5*time.Second), newParty(t, srv.URL, 5*time.Second)
	filler = newParty(t, srv.URL, 5*time.Second)
	// Dave's id sorts before carol's: carol yields to his invite.
	kp := signalingtest.Key(t)
	for c := carol.kp.ID(); ; kp = signalingtest.Key(t) {
		if d := kp.ID(); bytes.Compare(d[:], c[:]) < 0 {
			break
		}
	}
	dave := newRawPeerKey(t, srv.URL, kp)

	group := leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Start(ctx, carol.kp.ID(), true, offerSDP) }).Call.ID
	leg(t, carol, bob, func() (calls.Info, error) { return carol.m.Add(ctx, bob.kp.ID(), true, offerSDP) })
	toDave, err := carol.m.Add(ctx, dave.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	ourLeg = toDave.ID
	if env := dave.next(t, toDave.ID); env.Type != signaling.TypeInvite {
		t.Fatalf("dave got %s", env.Type)
	}
	// Dave's own invite to carol crosses hers.
	dave.join(t, carol.kp.ID(), "crossing-1", group, vouch(alice.kp, dave.kp.ID(), group, time.Now()))
	dave.refused(t, "crossing-1", signaling.ReasonBusy, signaling.DetailCallFull)
	wantPeers(t, carol, alice, bob, filler)
	if r := waitRecord(t, carol.rec, func(r calls.Record) bool { return r.CallID == "crossing-1" }); r.Reason != calls.ReasonCallFull {
		t.Fatalf("carol's history: %+v", r)
	}
}

// Joins refused call_full are one history entry per peer and interval,
// whose Attempts grows: a voucher holder retrying cannot fill the history.
func TestGroupCallFullRefusalsCoalesce(t *testing.T) {
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
	bob.rec.mu.Lock()
	before := len(bob.rec.records)
	bob.rec.mu.Unlock()
	const tries = 5
	for i := range tries {
		call := "full-" + strconv.Itoa(i)
		eve.join(t, bob.kp.ID(), call, group, vouch(alice.kp, eve.kp.ID(), group, time.Now()))
		eve.refused(t, call, signaling.ReasonBusy, signaling.DetailCallFull)
	}
	// The reject goes out before the history write: wait for the last.
	r := waitRecord(t, bob.rec, func(r calls.Record) bool { return r.Attempts >= tries })
	if r.CallID != "full-0" || r.Attempts != tries || r.Outcome != calls.OutcomeBusy || r.Peer != eve.kp.ID() {
		t.Fatalf("last entry %+v, want full-0 with %d attempts", r, tries)
	}
	bob.rec.mu.Lock()
	defer bob.rec.mu.Unlock()
	for _, r := range bob.rec.records[before:] {
		if r.CallID != "full-0" {
			t.Fatalf("a refused join got an entry of its own: %+v", r)
		}
	}
}

// A join leg waiting for the UI to answer it is no ringing call:
// Incoming (for a window that missed the ring) never returns it.
func TestGroupIncomingSkipsJoinLegs(t *testing.T) {
	ctx := context.Background()
	ps := parties(t, 3)
	alice, bob, carol := ps[0], ps[1], ps[2]
	leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) })
	leg(t, alice, carol, func() (calls.Info, error) { return alice.m.Add(ctx, carol.kp.ID(), true, offerSDP) })
	j, err := carol.m.Join(ctx, bob.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	in := bob.expect(t, calls.EventIncoming, func(d any) bool { return d.(calls.Incoming).Call.ID == j.ID }).(calls.Incoming)
	if !in.Call.AutoAccept {
		t.Fatalf("join: %+v", in.Call)
	}
	if got, ok := bob.m.Incoming(); ok {
		t.Fatalf("Incoming returned the join leg %+v", got.Call)
	}
}

// waitRecord waits until the last record written satisfies ok.
func waitRecord(t *testing.T, r *recorder, ok func(calls.Record) bool) calls.Record {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		rec := r.last(t)
		if ok(rec) {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("last record %+v", rec)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
