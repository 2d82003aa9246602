package calls_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// memGate is trust on first use in memory: the real store implements the
// same rules on disk and is tested there.
type memGate struct {
	mu      sync.Mutex
	pinned  map[identity.PeerID]string
	blocked map[identity.PeerID]bool
}

func newGate() *memGate {
	return &memGate{pinned: map[identity.PeerID]string{}, blocked: map[identity.PeerID]bool{}}
}

func (g *memGate) Admit(_ context.Context, p identity.PeerID, key ed25519.PublicKey) (calls.Admission, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch k, ok := g.pinned[p]; {
	case g.blocked[p]:
		return calls.RefuseBlocked, nil
	case !ok:
		return calls.AdmitUnknown, nil
	case k != string(key):
		return calls.HoldChanged, nil
	}
	return calls.AdmitVerified, nil
}

func (g *memGate) Pin(_ context.Context, p identity.PeerID, key ed25519.PublicKey, _ string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.pinned[p]; !ok {
		g.pinned[p] = string(key)
	}
	return nil
}

type recorder struct {
	mu      sync.Mutex
	records []calls.Record
}

func (r *recorder) RecordCall(_ context.Context, rec calls.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
	return nil
}

func (r *recorder) last(t *testing.T) calls.Record {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		n := len(r.records)
		var rec calls.Record
		if n > 0 {
			rec = r.records[n-1]
		}
		r.mu.Unlock()
		if n > 0 {
			return rec
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("no call recorded")
	return calls.Record{}
}

type event struct {
	name events.Name
	data any
}

// sink collects events in order.
type sink struct{ ch chan event }

func (s *sink) Emit(name events.Name, data any) { s.ch <- event{name, data} }

// party is one side: a real signaling connection plus a Manager.
type party struct {
	held   sync.Mutex // held: inbound messages wait (to make invites cross)
	kp     *identity.KeyPair
	m      *calls.Manager
	gate   *memGate
	rec    *recorder
	events *sink
	conn   *signaling.Conn
}

type connSender struct{ c *signaling.Conn }

func (s connSender) Send(ctx context.Context, env signaling.Envelope) error {
	return s.c.Send(ctx, env)
}

func newParty(t *testing.T, url string, ring time.Duration) *party {
	t.Helper()
	return newPartyWith(t, url, ring, nil)
}

// newPartyWith is newParty with a change to the manager's config.
func newPartyWith(t *testing.T, url string, ring time.Duration, tweak func(*calls.Config)) *party {
	t.Helper()
	p := &party{kp: signalingtest.Key(t), gate: newGate(), rec: &recorder{}, events: &sink{ch: make(chan event, 256)}}
	p.conn = signalingtest.Dial(t, url, p.kp)
	cfg := calls.Config{Identity: p.kp, Sender: connSender{p.conn}, Gate: p.gate, Recorder: p.rec,
		Events: p.events, Name: "party", RingTimeout: ring, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if tweak != nil {
		tweak(&cfg)
	}
	m, err := calls.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.m = m
	go func() {
		for {
			env, err := p.conn.Recv()
			if err != nil {
				return
			}
			p.held.Lock()
			p.held.Unlock()
			switch {
			case env.Type.Routed():
				m.Handle(context.Background(), env)
			case env.Type == signaling.TypeError:
				m.HandleError(signaling.ErrorOf(env))
			}
		}
	}()
	t.Cleanup(m.Close)
	return p
}

func (p *party) expect(t *testing.T, name events.Name, match func(any) bool) any {
	t.Helper()
	deadline := time.After(3 * time.Second)
	for {
		select {
		case ev := <-p.events.ch:
			if ev.name == name && (match == nil || match(ev.data)) {
				return ev.data
			}
		case <-deadline:
			t.Fatalf("no %s event", name)
		}
	}
}

func (p *party) expectState(t *testing.T, s calls.State) calls.Info {
	t.Helper()
	return p.expect(t, calls.EventState, func(d any) bool { return d.(calls.Info).State == s }).(calls.Info)
}

const offerSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 AA:BB:CC\r\n"
const answerSDP = "v=0\r\no=- 2 1 IN IP4 127.0.0.1\r\na=fingerprint:sha-256 DD:EE:FF\r\n"

func setup(t *testing.T, ring time.Duration) (*party, *party) {
	srv := signalingtest.Serve(t, server.Config{})
	return newParty(t, srv.URL, ring), newParty(t, srv.URL, ring)
}

func TestCallAcceptedThenHungUp(t *testing.T) {
	ctx := context.Background()
	alice, bob := setup(t, 5*time.Second)
	info, err := alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	in := bob.expect(t, calls.EventIncoming, nil).(calls.Incoming)
	if in.Offer != offerSDP || in.Call.ID != info.ID || in.Call.Verified || in.Call.Peer != alice.kp.ID().String() {
		t.Fatalf("incoming = %+v", in)
	}
	alice.expectState(t, calls.StateRinging)
	if _, err := bob.m.Accept(ctx, info.ID, true, answerSDP); err != nil {
		t.Fatal(err)
	}
	// The answer comes before the state change (the UI applies it before it redraws).
	sig := alice.expect(t, calls.EventSignal, nil).(calls.Signal)
	if sig.Kind != "answer" || sig.SDP != answerSDP {
		t.Fatalf("signal = %+v", sig)
	}
	a := alice.expectState(t, calls.StateConnecting)
	b := bob.expectState(t, calls.StateConnecting)
	if a.SafetyCode == "" || a.SafetyCode != b.SafetyCode {
		t.Fatalf("safety codes %q and %q must be equal and set", a.SafetyCode, b.SafetyCode)
	}
	// Candidates travel both ways.
	mid := "0"
	if err := alice.m.Candidate(ctx, info.ID, signaling.Candidate{Candidate: "candidate:1 1 udp 1 10.0.0.1 9 typ host", SDPMid: &mid}); err != nil {
		t.Fatal(err)
	}
	if s := bob.expect(t, calls.EventSignal, nil).(calls.Signal); s.Kind != "candidate" || s.Candidate.Candidate == "" {
		t.Fatalf("bob signal %+v", s)
	}
	if err := bob.m.Candidate(ctx, info.ID, signaling.Candidate{}); err != nil { // end of candidates
		t.Fatal(err)
	}
	if s := alice.expect(t, calls.EventSignal, nil).(calls.Signal); s.Kind != "end_of_candidates" {
		t.Fatalf("alice signal %+v", s)
	}
	alice.m.MediaState(info.ID, calls.StateConnected)
	bob.m.MediaState(info.ID, calls.StateConnected)
	// Renegotiation (screen share) is verified and relayed.
	if err := alice.m.Renegotiate(ctx, info.ID, signaling.KindOffer, offerSDP+"a=x\r\n"); err != nil {
		t.Fatal(err)
	}
	if s := bob.expect(t, calls.EventSignal, nil).(calls.Signal); s.Kind != "renegotiate" || s.Description != "offer" {
		t.Fatalf("renegotiate signal %+v", s)
	}
	if err := bob.m.Hangup(ctx, info.ID); err != nil {
		t.Fatal(err)
	}
	if e := alice.expectState(t, calls.StateEnded); e.Outcome != calls.OutcomeCompleted {
		t.Fatalf("alice outcome %s", e.Outcome)
	}
	for _, p := range []*party{alice, bob} {
		r := p.rec.last(t)
		if r.Outcome != calls.OutcomeCompleted || r.ConnectedAt.IsZero() || !r.Video {
			t.Fatalf("history %+v", r)
		}
	}
	// Answering pinned both keys: the next call is verified.
	alice.m.Start(ctx, bob.kp.ID(), false, offerSDP)
	if in := bob.expect(t, calls.EventIncoming, nil).(calls.Incoming); !in.Call.Verified {
		t.Fatal("second call from a pinned key is not verified")
	}
}

func TestDeclineCancelTimeoutBusy(t *testing.T) {
	ctx := context.Background()
	t.Run("decline", func(t *testing.T) {
		alice, bob := setup(t, 5*time.Second)
		info, _ := alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
		bob.expect(t, calls.EventIncoming, nil)
		if err := bob.m.Decline(ctx, info.ID); err != nil {
			t.Fatal(err)
		}
		if e := alice.expectState(t, calls.StateEnded); e.Outcome != calls.OutcomeDeclined {
			t.Fatalf("outcome %s", e.Outcome)
		}
		if r := bob.rec.last(t); r.Outcome != calls.OutcomeDeclined || r.Direction != calls.DirectionIncoming {
			t.Fatalf("bob history %+v", r)
		}
	})
	t.Run("cancel while ringing", func(t *testing.T) {
		alice, bob := setup(t, 5*time.Second)
		info, _ := alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
		bob.expect(t, calls.EventIncoming, nil)
		alice.expectState(t, calls.StateRinging)
		if err := alice.m.Cancel(ctx, info.ID); err != nil {
			t.Fatal(err)
		}
		if e := bob.expectState(t, calls.StateEnded); e.Outcome != calls.OutcomeMissed {
			t.Fatalf("bob outcome %s", e.Outcome)
		}
		if r := alice.rec.last(t); r.Outcome != calls.OutcomeCancelled {
			t.Fatalf("alice history %+v", r)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		alice, bob := setup(t, 300*time.Millisecond)
		alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
		bob.expect(t, calls.EventIncoming, nil)
		if e := bob.expectState(t, calls.StateEnded); e.Outcome != calls.OutcomeMissed {
			t.Fatalf("bob outcome %s", e.Outcome)
		}
		if e := alice.expectState(t, calls.StateEnded); e.Outcome != calls.OutcomeNoAnswer {
			t.Fatalf("alice outcome %s", e.Outcome)
		}
	})
	t.Run("busy", func(t *testing.T) {
		srv := signalingtest.Serve(t, server.Config{})
		alice, bob, carol := newParty(t, srv.URL, 5*time.Second), newParty(t, srv.URL, 5*time.Second), newParty(t, srv.URL, 5*time.Second)
		info, _ := alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
		bob.expect(t, calls.EventIncoming, nil)
		bob.m.Accept(ctx, info.ID, true, answerSDP)
		carol.m.Start(ctx, bob.kp.ID(), true, offerSDP)
		if e := carol.expectState(t, calls.StateEnded); e.Outcome != calls.OutcomeBusy {
			t.Fatalf("carol outcome %s", e.Outcome)
		}
		if cur, ok := bob.m.Current(); !ok || cur.ID != info.ID {
			t.Fatal("bob's call was disturbed by the busy attempt")
		}
		if _, err := bob.m.Start(ctx, carol.kp.ID(), true, offerSDP); err != calls.ErrBusy {
			t.Fatalf("placing a second call: %v, want ErrBusy", err)
		}
	})
	t.Run("peer offline", func(t *testing.T) {
		alice, _ := setup(t, time.Second)
		alice.m.Start(ctx, signalingtest.Key(t).ID(), true, offerSDP)
		if e := alice.expectState(t, calls.StateEnded); e.Outcome != calls.OutcomeUnavailable || e.Cause != errcode.Offline {
			t.Fatalf("outcome %s, cause %q; want unavailable, offline", e.Outcome, e.Cause)
		}
	})
}

func TestGlareKeepsTheLowerIDsCall(t *testing.T) {
	ctx := context.Background()
	alice, bob := setup(t, 5*time.Second)
	low, high := alice, bob
	a, b := alice.kp.ID(), bob.kp.ID()
	if string(b[:]) < string(a[:]) {
		low, high = bob, alice
	}
	// Both place their call before either sees the other's invite.
	low.held.Lock()
	high.held.Lock()
	lowCall, err1 := low.m.Start(ctx, high.kp.ID(), true, offerSDP)
	_, err2 := high.m.Start(ctx, low.kp.ID(), true, offerSDP)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	low.held.Unlock()
	high.held.Unlock()
	in := high.expect(t, calls.EventIncoming, nil).(calls.Incoming)
	if in.Call.ID != lowCall.ID || !in.Call.AutoAccept {
		t.Fatalf("high side got %+v, want the low side's call marked auto-accept", in.Call)
	}
	if cur, ok := low.m.Current(); !ok || cur.ID != lowCall.ID || cur.Direction != calls.DirectionOutgoing {
		t.Fatalf("low side's current call = %+v", cur)
	}
	if _, err := high.m.Accept(ctx, lowCall.ID, true, answerSDP); err != nil {
		t.Fatal(err)
	}
	low.expectState(t, calls.StateConnecting)
}

func TestTrustRules(t *testing.T) {
	ctx := context.Background()
	t.Run("blocked caller cannot ring", func(t *testing.T) {
		alice, bob := setup(t, 5*time.Second)
		bob.gate.blocked[alice.kp.ID()] = true
		alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
		if e := alice.expectState(t, calls.StateEnded); e.Outcome != calls.OutcomeUnavailable || e.Cause != "" {
			t.Fatalf("outcome %s, cause %q: a refusal is no failure to reach", e.Outcome, e.Cause)
		}
		if _, ok := bob.m.Current(); ok {
			t.Fatal("a blocked peer rang")
		}
	})
	t.Run("changed key is held", func(t *testing.T) {
		alice, bob := setup(t, 5*time.Second)
		bob.gate.pinned[alice.kp.ID()] = "some other key"
		alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
		held := bob.expectState(t, calls.StateEnded)
		if held.Outcome != calls.OutcomeUnavailable || held.Reason == "" {
			t.Fatalf("held call event %+v", held)
		}
		if e := alice.expectState(t, calls.StateEnded); e.Outcome != calls.OutcomeUnavailable {
			t.Fatalf("caller outcome %s", e.Outcome)
		}
		if r := bob.rec.last(t); r.Outcome != calls.OutcomeUnavailable {
			t.Fatalf("held call not in history: %+v", r)
		}
	})
}

func TestForgedAndReplayedInvitesAreDropped(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	bob := newParty(t, srv.URL, 5*time.Second)
	mallory := signalingtest.Key(t)
	alice := signalingtest.Key(t)
	mc := signalingtest.Dial(t, srv.URL, mallory)
	send := func(signer *identity.KeyPair, call string, ts time.Time) {
		sig, ms := signaling.SignDescription(signer, signaling.KindOffer, call, bob.kp.ID(), offerSDP, ts)
		env, _ := signaling.New(signaling.TypeInvite, signaling.Invite{Media: []signaling.Media{signaling.MediaAudio},
			SDP: offerSDP, Key: signer.Public(), Sig: sig, Time: ms})
		env.To, env.Call = bob.kp.ID(), call
		if err := mc.Send(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	send(alice, "forged", time.Now())                       // signed by alice, sent by mallory: from mismatches key
	send(mallory, "stale", time.Now().Add(-10*time.Minute)) // replayed from long ago
	send(mallory, "fresh", time.Now())
	in := bob.expect(t, calls.EventIncoming, nil).(calls.Incoming)
	if in.Call.ID != "fresh" {
		t.Fatalf("bob rang for %q; forged and stale invites must be dropped", in.Call.ID)
	}
	bob.m.Decline(ctx, "fresh")
	send(mallory, "fresh", time.Now()) // same call id again
	select {
	case ev := <-bob.events.ch:
		for ev.name == calls.EventState {
			select {
			case ev = <-bob.events.ch:
			case <-time.After(300 * time.Millisecond):
				return
			}
		}
		if ev.name == calls.EventIncoming {
			t.Fatal("a repeated call id rang again")
		}
	case <-time.After(300 * time.Millisecond):
	}
}

func TestLinkLostBeforeConnectEndsTheAttempt(t *testing.T) {
	ctx := context.Background()
	alice, bob := setup(t, 5*time.Second)
	info, _ := alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
	bob.expect(t, calls.EventIncoming, nil)
	alice.m.LinkLost(bob.kp.ID())
	if e := alice.expectState(t, calls.StateEnded); e.Outcome != calls.OutcomeFailed || e.ID != info.ID || e.Cause != errcode.Offline {
		t.Fatalf("ended %+v", e)
	}
}

func TestSafetyCodeAndFingerprint(t *testing.T) {
	a, b := signalingtest.Key(t), signalingtest.Key(t)
	fa, fb := calls.Fingerprint(offerSDP), calls.Fingerprint(answerSDP)
	if fa != "sha-256 AA:BB:CC" {
		t.Fatalf("Fingerprint = %q", fa)
	}
	x := calls.SafetyCode(a.ID(), b.ID(), a.Public(), b.Public(), fa, fb)
	y := calls.SafetyCode(b.ID(), a.ID(), b.Public(), a.Public(), fb, fa)
	if x != y || len(x) != 14 {
		t.Fatalf("codes %q / %q", x, y)
	}
	if z := calls.SafetyCode(a.ID(), b.ID(), a.Public(), b.Public(), fa, "sha-256 00:11"); z == x {
		t.Fatal("a swapped fingerprint gives the same code")
	}
}

func TestIncomingCanBeFetchedLater(t *testing.T) {
	ctx := context.Background()
	alice, bob := setup(t, 5*time.Second)
	info, _ := alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
	bob.expect(t, calls.EventIncoming, nil)
	in, ok := bob.m.Incoming()
	if !ok || in.Offer != offerSDP || in.Call.ID != info.ID {
		t.Fatalf("Incoming() = %+v, %v", in, ok)
	}
	if _, ok := alice.m.Incoming(); ok {
		t.Fatal("the caller has no incoming call")
	}
	// The caller's candidates sent while it rings are kept for a window
	// that opens later (the call window), up to a bound.
	mid := "0"
	for i := range 70 {
		c := signaling.Candidate{Candidate: fmt.Sprintf("candidate:%d 1 udp 1 10.0.0.1 9 typ host", i), SDPMid: &mid}
		if err := alice.m.Candidate(ctx, info.ID, c); err != nil {
			t.Fatal(err)
		}
		bob.expect(t, calls.EventSignal, nil)
	}
	if err := alice.m.Candidate(ctx, info.ID, signaling.Candidate{}); err != nil {
		t.Fatal(err)
	}
	bob.expect(t, calls.EventSignal, nil)
	in, _ = bob.m.Incoming()
	if len(in.Candidates) != 64 || in.Candidates[0].Candidate != "candidate:0 1 udp 1 10.0.0.1 9 typ host" || !in.EndOfCandidates {
		t.Fatalf("Incoming() kept %d candidates (first %+v), end %v; want the first 64 and the end", len(in.Candidates), in.Candidates[0], in.EndOfCandidates)
	}
	var coder interface{ ErrorCode() string }
	if _, err := bob.m.Accept(ctx, "nope", true, answerSDP); !errors.As(err, &coder) || coder.ErrorCode() != "no_call" {
		t.Fatalf("Accept(unknown) error %v has no code no_call", err)
	}
}

// A call whose media path never came up ends on both sides with the same
// cause, whichever side gives up first (not "the other side hung up" on
// the second); once connected, Fail is a plain hangup.
func TestFailEndsBothSidesWithTheCause(t *testing.T) {
	for _, tc := range []struct {
		name       string
		callerFail bool
		connected  bool
	}{
		{"callee gives up", false, false},
		{"caller gives up", true, false},
		{"after connect it is a hangup", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			alice, bob := setup(t, 5*time.Second)
			info, err := alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
			if err != nil {
				t.Fatal(err)
			}
			bob.expect(t, calls.EventIncoming, nil)
			if _, err := bob.m.Accept(ctx, info.ID, true, answerSDP); err != nil {
				t.Fatal(err)
			}
			alice.expectState(t, calls.StateConnecting)
			if tc.connected {
				alice.m.MediaState(info.ID, calls.StateConnected)
				alice.expectState(t, calls.StateConnected)
			}
			failing, other := bob, alice
			if tc.callerFail {
				failing, other = alice, bob
			}
			if err := failing.m.Fail(ctx, info.ID); err != nil {
				t.Fatal(err)
			}
			for name, p := range map[string]*party{"failing": failing, "other": other} {
				e := p.expectState(t, calls.StateEnded)
				wantCause, wantReason := errcode.ConnectionFailed, calls.ReasonNoPath
				if tc.connected {
					wantCause, wantReason = "", ""
				}
				if e.Cause != wantCause || (wantReason != "" && e.Reason != wantReason) {
					t.Fatalf("%s side ended with cause %q reason %q, want %q %q", name, e.Cause, e.Reason, wantCause, wantReason)
				}
			}
		})
	}
}
