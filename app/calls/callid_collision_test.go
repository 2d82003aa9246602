package calls_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// invite sends an invite (g nil: no group) to `to` under call id call,
// signed at at.
func (p *rawPeer) invite(t *testing.T, to identity.PeerID, call string, g *signaling.Group, at time.Time) {
	t.Helper()
	sig, ts := signaling.SignDescription(p.kp, signaling.KindOffer, call, to, offerSDP, at)
	if g != nil {
		signaling.SignGroup(p.kp, signaling.KindOffer, call, to, ts, g)
	}
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

// The id of the call a group grew from is the group's id, which everyone
// ever added has; the caller picks an incoming call's id. An invite under
// the id of a call we have (going on, or just ended) is not
// recorded (dropped as a replay): its record would share the call's id,
// and the history keeps one call per id.
func TestInviteUnderOurCallsIDNotRecorded(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	// alice's clock runs ahead once the call is up: a call outlasts the
	// time call ids are remembered against replays (seenTTL, minutes).
	var ahead atomic.Int64
	later := func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	alice := newPartyWith(t, srv.URL, 5*time.Second, func(c *calls.Config) { c.Now = later })
	bob := newParty(t, srv.URL, 5*time.Second)
	eve := newRawPeer(t, srv.URL)
	for _, g := range []*signaling.Group{nil, {ID: "ours"}} {
		ahead.Store(0)
		group := leg(t, alice, bob, func() (calls.Info, error) { return alice.m.Start(ctx, bob.kp.ID(), true, offerSDP) }).Call.ID
		if g != nil {
			g.ID = group
		}
		ahead.Add(int64(time.Hour))
		eve.invite(t, alice.kp.ID(), group, g, later())
		// Then one under an id of eve's own: refused busy once alice
		// has handled the first (one connection, handled in order).
		probe := "probe-" + group
		eve.invite(t, alice.kp.ID(), probe, nil, later())
		eve.refused(t, probe, signaling.ReasonBusy, signaling.DetailNone)
		if err := alice.m.Hangup(ctx, group); err != nil {
			t.Fatal(err)
		}
		waitRecord(t, alice.rec, func(r calls.Record) bool { return r.CallID == group && r.Peer == bob.kp.ID() })
		alice.rec.mu.Lock()
		for _, r := range alice.rec.records {
			if r.CallID == group && r.Peer == eve.kp.ID() {
				t.Errorf("eve's invite under the call's id was recorded: %+v", r)
			}
		}
		alice.rec.mu.Unlock()
		wantPeers(t, alice)
		wantPeers(t, bob)
	}
}
