package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
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
	inv := signalingtest.Invite(t, alice, bob.ID(), "c1", offer)
	inv.ID = "m1"
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

// maskedFrame is a client text frame with a zero mask key (payload as is).
func maskedFrame(p string) []byte {
	var b []byte
	if n := len(p); n <= 125 {
		b = append(b, 0x81, 0x80|byte(n))
	} else {
		b = append(b, 0x81, 0x80|126, byte(n>>8), byte(n))
	}
	return append(append(b, 0, 0, 0, 0), p...)
}

// TestRelayBatchReachesEveryDestinationInOrder sends many messages to
// more destinations than a read batch holds back (and some to the sender
// itself) in a single TCP write, so the server reads them in one batch:
// every destination must get its own, in order, from the sender.
func TestRelayBatchReachesEveryDestinationInOrder(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	senderKey := signalingtest.Key(t)
	sender := signalingtest.Authed(t, srv.URL, senderKey)
	const receivers, rounds = 20, 3
	var keys []*identity.KeyPair
	var conns []*signalingtest.Raw
	for range receivers {
		k := signalingtest.Key(t)
		keys = append(keys, k)
		conns = append(conns, signalingtest.Authed(t, srv.URL, k))
	}
	frame := func(to *identity.KeyPair, id string) []byte {
		return maskedFrame(`{"v":1,"type":"candidate","id":"` + id + `","to":"` + to.ID().String() +
			`","call":"c","body":{"candidate":"x"}}`)
	}
	var burst []byte
	for round := range rounds {
		for i, k := range keys {
			burst = append(burst, frame(k, fmt.Sprintf("m%d-%d", round, i))...)
		}
		burst = append(burst, frame(senderKey, fmt.Sprintf("self%d", round))...)
	}
	nc := sender.WS.UnderlyingConn()
	nc.SetWriteDeadline(time.Now().Add(wait))
	if _, err := nc.Write(burst); err != nil {
		t.Fatal(err)
	}
	check := func(r *signalingtest.Raw, want func(round int) string) {
		t.Helper()
		for round := range rounds {
			env := r.Expect(signaling.TypeCandidate)
			if env.ID != want(round) || env.From != senderKey.ID() {
				t.Fatalf("got %s from %s, want %s from the sender", env.ID, env.From.Short(), want(round))
			}
		}
	}
	for i, r := range conns {
		check(r, func(round int) string { return fmt.Sprintf("m%d-%d", round, i) })
	}
	check(sender, func(round int) string { return fmt.Sprintf("self%d", round) })
}

// TestClientCloseIsEchoed checks the close handshake the client starts:
// the server answers with the same code.
func TestClientCloseIsEchoed(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	r := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	msg := websocket.FormatCloseMessage(4001, "bye")
	if err := r.WS.WriteControl(websocket.CloseMessage, msg, time.Now().Add(wait)); err != nil {
		t.Fatal(err)
	}
	if code := r.ExpectClose(wait); code != 4001 {
		t.Fatalf("close reply %d, want the client's 4001 echoed", code)
	}
}
