package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

const wait = 3 * time.Second

func TestRelayOfferAnswerCandidates(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	alice, bob := signalingtest.Key(t), signalingtest.Key(t)
	a := signalingtest.Dial(t, srv.URL, alice)
	b := signalingtest.Dial(t, srv.URL, bob)
	ctx := context.Background()

	offer := "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"
	sig, ts := signaling.SignDescription(alice, signaling.KindOffer, "c1", bob.ID(), offer, time.Now())
	inv := signalingtest.Must(t, signaling.TypeInvite, signaling.Invite{
		Media: []signaling.Media{signaling.MediaAudio, signaling.MediaVideo},
		SDP:   offer, Key: alice.Public(), Sig: sig, Time: ts,
	})
	inv.To, inv.Call, inv.ID = bob.ID(), "c1", "m1"
	if err := a.Send(ctx, inv); err != nil {
		t.Fatal(err)
	}
	got := signalingtest.Recv(t, b, wait)
	if got.Type != signaling.TypeInvite || got.From != alice.ID() || got.Call != "c1" || got.ID != "m1" {
		t.Fatalf("bob got %+v", got)
	}
	var body signaling.Invite
	if err := got.DecodeBody(&body); err != nil {
		t.Fatal(err)
	}
	if err := signaling.VerifyDescription(body.Key, body.Sig, signaling.KindOffer, got.Call, got.From, bob.ID(), body.Time, body.SDP, time.Now()); err != nil {
		t.Fatalf("offer signature does not verify after relay: %v", err)
	}

	answer := "v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n"
	asig, ats := signaling.SignDescription(bob, signaling.KindAnswer, "c1", alice.ID(), answer, time.Now())
	acc := signalingtest.Must(t, signaling.TypeAccept, signaling.Accept{
		Media: []signaling.Media{signaling.MediaAudio}, SDP: answer, Key: bob.Public(), Sig: asig, Time: ats,
	})
	acc.To, acc.Call = alice.ID(), "c1"
	if err := b.Send(ctx, acc); err != nil {
		t.Fatal(err)
	}
	if got := signalingtest.Recv(t, a, wait); got.Type != signaling.TypeAccept || got.From != bob.ID() {
		t.Fatalf("alice got %+v", got)
	}

	mid := "0"
	for i := 0; i < 5; i++ {
		cand := signalingtest.Must(t, signaling.TypeCandidate, signaling.Candidate{
			Candidate: "candidate:1 1 udp 2122260223 127.0.0.1 5000" + string(rune('0'+i)) + " typ host", SDPMid: &mid})
		cand.To, cand.Call = bob.ID(), "c1"
		if err := a.Send(ctx, cand); err != nil {
			t.Fatal(err)
		}
	}
	eoc := signalingtest.Must(t, signaling.TypeEndOfCandidates, signaling.EndOfCandidates{})
	eoc.To, eoc.Call = bob.ID(), "c1"
	a.Send(ctx, eoc)
	for i := 0; i < 5; i++ {
		got := signalingtest.Recv(t, b, wait)
		var c signaling.Candidate
		if got.Type != signaling.TypeCandidate || got.DecodeBody(&c) != nil {
			t.Fatalf("candidate %d: got %+v", i, got)
		}
		if want := "candidate:1 1 udp 2122260223 127.0.0.1 5000" + string(rune('0'+i)) + " typ host"; c.Candidate != want {
			t.Fatalf("candidate %d out of order or changed: %q", i, c.Candidate)
		}
	}
	if got := signalingtest.Recv(t, b, wait); got.Type != signaling.TypeEndOfCandidates {
		t.Fatalf("want end_of_candidates, got %s", got.Type)
	}
}
