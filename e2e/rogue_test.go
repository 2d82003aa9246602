//go:build linux

package e2e

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// TestRogueInvites: another machine on the LAN speaks the signaling
// protocol to B's hub directly, as a hostile peer M would. Only a
// correctly signed invite from M itself may ring; forgeries, replays and
// messages about calls M is not part of change nothing.
func TestRogueInvites(t *testing.T) {
	requireE2E(t)
	a, b, lan := lanPair(t, Options{}, Options{})
	idA, err := identity.Parse(a.ID())
	if err != nil {
		t.Fatal(err)
	}
	idB, err := identity.Parse(b.ID())
	if err != nil {
		t.Fatal(err)
	}
	m, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := identity.Generate()

	// M dials B's hub from A's machine, and authenticates as itself.
	url := "wss://" + net.JoinHostPort(lan.Hosts[1].Addr.String(), strconv.Itoa(b.Me().HubPort)) + signaling.Path
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := signaling.Dial(ctx, signaling.DialConfig{
		URL: url, Identity: m, ExpectPeer: idB,
		Dialer: &websocket.Dialer{NetDialContext: lan.Hosts[0].DialContext, HandshakeTimeout: 5 * time.Second},
	})
	if err != nil {
		t.Fatalf("M cannot reach B's hub: %v", err)
	}
	defer conn.Close()
	go func() { // drain B's replies (ringing, reject …)
		for {
			if _, err := conn.Recv(); err != nil {
				return
			}
		}
	}()

	n := 0
	send := func(typ signaling.Type, call string, body any) {
		t.Helper()
		env, err := signaling.New(typ, body)
		if err != nil {
			t.Fatalf("build %v: %v", typ, err)
		}
		n++
		env.To, env.Call, env.ID = idB, call, fmt.Sprintf("m%d", n)
		if err := conn.Send(ctx, env); err != nil {
			t.Fatalf("send %v: %v", typ, err)
		}
	}
	invite := func(call string, signer signaling.Signer, key []byte, sdp string, at time.Time) signaling.Invite {
		sig, ts := signaling.SignDescription(signer, signaling.KindOffer, call, idB, sdp, at)
		return signaling.Invite{Media: []signaling.Media{signaling.MediaAudio}, SDP: sdp, Key: key, Sig: sig, Time: ts, Name: "Mallory"}
	}
	sdp := FakeSDP("offer")
	now := time.Now()

	b.Mark()
	// Forgeries first: none of these may ring.
	bad := invite("forged1", m, m.Public(), sdp, now)
	bad.SDP = FakeSDP("offer") // a relay swapping the DTLS fingerprint
	send(signaling.TypeInvite, "forged1", bad)
	send(signaling.TypeInvite, "forged2", invite("forged2", other, other.Public(), sdp, now)) // someone else's key and signature
	send(signaling.TypeInvite, "forged3", invite("forged3", m, m.Public(), sdp, now.Add(-time.Hour)))
	wrongCall := invite("forged4", m, m.Public(), sdp, now)
	send(signaling.TypeInvite, "forged5", wrongCall) // signature made for another call id
	time.Sleep(500 * time.Millisecond)
	if evs := b.Events("call:incoming"); len(evs) > 0 {
		t.Fatalf("B rang for a forged invite: %s", evs[0].Data)
	}

	// A real invite from M rings, shown as M and unverified.
	send(signaling.TypeInvite, "real1", invite("real1", m, m.Public(), sdp, now))
	inc := b.WaitIncoming(m.ID().String(), "real1", signalTimeout)
	if inc.Call.Verified || inc.Call.PeerName != "Mallory" {
		t.Errorf("M's invite rings as %+v, want unverified, named by its hint", inc.Call)
	}
	// Its replay (same call id) must not ring again, even once the first
	// is over.
	b.Do(nil, "Calls.Decline", "real1")
	b.WaitState("real1", "ended", signalTimeout)
	send(signaling.TypeInvite, "real1", invite("real1", m, m.Public(), sdp, now))
	time.Sleep(500 * time.Millisecond)
	if evs := b.Events("call:incoming"); len(evs) != 1 {
		t.Errorf("B rang %d times; a replayed invite rang again", len(evs))
	}

	// M can't touch a call between A and B, even knowing its id.
	call := a.StartCall(b.ID(), true, FakeSDP("offer"))
	b.WaitIncoming(a.ID(), call.ID, signalTimeout)
	send(signaling.TypeCancel, call.ID, signaling.Cancel{})
	send(signaling.TypeHangup, call.ID, signaling.Hangup{})
	send(signaling.TypeCandidate, call.ID, signaling.Candidate{Candidate: "candidate:1 1 udp 1 203.0.113.9 9 typ host"})
	time.Sleep(500 * time.Millisecond)
	var cur *CallInfo
	b.Do(&cur, "Calls.Current")
	if cur == nil || cur.ID != call.ID || cur.State != "ringing" {
		t.Errorf("after M's messages about A's call, B's current call is %+v, want it still ringing", cur)
	}
	for _, s := range b.States(call.ID) {
		if s == "ended" {
			t.Errorf("M ended A's call at B")
		}
	}
	for _, ev := range b.Events("call:signal") {
		t.Errorf("B's UI got a signal M sent for A's call: %s", ev.Data)
	}
	_ = idA
	a.Do(nil, "Calls.Cancel", call.ID)
}
