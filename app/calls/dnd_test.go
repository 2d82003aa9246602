package calls_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/dnd"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// testClock is the do-not-disturb switch's clock, moved by the test.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// dndSwitch is a real do-not-disturb switch on a real store, on clk.
func dndSwitch(t *testing.T, clk *testClock) *dnd.Switch {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "peerline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sw, err := dnd.New(context.Background(), dnd.Config{Store: st, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sw.Close)
	return sw
}

// A callee with do not disturb on refuses at once: the caller's call ends
// with the do_not_disturb cause, the callee never rings and its history
// has a missed call with the caller's name. Once it ends (an hour later on
// the switch's clock), calls ring again.
func TestDoNotDisturb(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	clk := &testClock{now: time.Now()}
	sw := dndSwitch(t, clk)
	alice := newParty(t, srv.URL, 5*time.Second)
	bob := newPartyWith(t, srv.URL, 5*time.Second, func(c *calls.Config) { c.Availability = sw })
	if _, err := sw.Set(ctx, dnd.SpanHour); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		later   time.Duration // on the switch's clock, before the call
		pinned  bool          // bob knows alice (a contact) rather than a stranger
		refused bool
	}{
		{"a stranger is refused", 0, false, true},
		{"a contact is refused", 0, true, true},
		{"still on after 59 minutes", 59 * time.Minute, true, true},
		{"rings once the hour is over", time.Minute, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk.Add(tc.later)
			if tc.pinned {
				bob.gate.Pin(ctx, alice.kp.ID(), alice.kp.Public(), "Alice")
			}
			before := bob.rec.count()
			info, err := alice.m.Start(ctx, bob.kp.ID(), true, offerSDP)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.refused {
				if in := bob.expect(t, calls.EventIncoming, nil).(calls.Incoming); in.Call.ID != info.ID {
					t.Fatalf("bob rang with %+v", in.Call)
				}
				alice.expectState(t, calls.StateRinging)
				if err := alice.m.Cancel(ctx, info.ID); err != nil {
					t.Fatal(err)
				}
				bob.expectState(t, calls.StateEnded)
				return
			}
			e := alice.expectState(t, calls.StateEnded)
			if e.ID != info.ID || e.Outcome != calls.OutcomeUnavailable || e.Cause != errcode.DoNotDisturb || e.Reason != calls.ReasonNotTaking {
				t.Fatalf("alice's call ended %+v; want unavailable, cause do_not_disturb", e)
			}
			r := bob.rec.nth(t, before)
			if r.CallID != info.ID || r.Outcome != calls.OutcomeMissed ||
				r.Direction != calls.DirectionIncoming || r.PeerName != "party" || r.Peer != alice.kp.ID() || r.Reason != calls.ReasonDoNotDisturbOn {
				t.Fatalf("bob's history %+v; want one missed call from alice", r)
			}
			// Nothing reached bob's UI: no ring, no call state.
			select {
			case ev := <-bob.events.ch:
				if ev.name == calls.EventIncoming || ev.name == calls.EventState {
					t.Fatalf("bob's UI heard %s %+v", ev.name, ev.data)
				}
			default:
			}
			if _, ok := bob.m.Current(); ok {
				t.Fatal("bob has a current call")
			}
		})
	}
}

// Calling someone ourselves while do not disturb is on still works, and
// so does their call that crosses ours (glare): we are taking that call.
func TestDoNotDisturbKeepsOwnCalls(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	sw := dndSwitch(t, &testClock{now: time.Now()})
	if _, err := sw.Set(ctx, dnd.SpanForever); err != nil {
		t.Fatal(err)
	}
	alice := newParty(t, srv.URL, 5*time.Second)
	bob := newPartyWith(t, srv.URL, 5*time.Second, func(c *calls.Config) { c.Availability = sw })
	low, high := alice, bob
	if a, b := alice.kp.ID(), bob.kp.ID(); string(b[:]) < string(a[:]) {
		low, high = bob, alice
	}
	low.held.Lock()
	high.held.Lock()
	lowCall, err1 := low.m.Start(ctx, high.kp.ID(), true, offerSDP)
	_, err2 := high.m.Start(ctx, low.kp.ID(), true, offerSDP)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	low.held.Unlock()
	high.held.Unlock()
	// Whichever side bob is, the surviving call rings on the high side.
	if in := high.expect(t, calls.EventIncoming, nil).(calls.Incoming); in.Call.ID != lowCall.ID {
		t.Fatalf("high side rang with %+v, want the low side's call", in.Call)
	}
}

// An older or newer peer's reject that this build cannot read still ends
// the call, as unavailable, with no do-not-disturb cause.
func TestUnreadableRejectEndsTheCall(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	alice := newParty(t, srv.URL, 5*time.Second)
	callee := signalingtest.Key(t)
	conn := signalingtest.Dial(t, srv.URL, callee)
	info, err := alice.m.Start(ctx, callee.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	for {
		env, err := conn.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if env.Type == signaling.TypeInvite {
			break
		}
	}
	out := signaling.Envelope{Type: signaling.TypeReject, To: alice.kp.ID(), Call: info.ID, ID: "r1",
		Body: []byte(`{"reason":"gone_fishing"}`)}
	if err := conn.Send(ctx, out); err != nil {
		t.Fatal(err)
	}
	e := alice.expect(t, calls.EventState, func(d any) bool { return d.(calls.Info).State == calls.StateEnded }).(calls.Info)
	if e.Outcome != calls.OutcomeUnavailable || e.Cause != "" {
		t.Fatalf("ended %+v; want unavailable without a cause", e)
	}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.records)
}

// nth waits for the record at index i (0-based) and returns it.
func (r *recorder) nth(t *testing.T, i int) calls.Record {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		r.mu.Lock()
		if len(r.records) > i {
			rec := r.records[i]
			r.mu.Unlock()
			return rec
		}
		r.mu.Unlock()
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no record %d", i)
	return calls.Record{}
}

// A stranger ringing again and again while do not disturb is on leaves
// one missed entry, counted; once it is off the stranger rings at once
// (the refused rings did not use up its ring slot).
func TestDoNotDisturbStranger(t *testing.T) {
	ctx := context.Background()
	srv := signalingtest.Serve(t, server.Config{})
	sw := dndSwitch(t, &testClock{now: time.Now()})
	stranger := newParty(t, srv.URL, 5*time.Second)
	bob := newPartyWith(t, srv.URL, 5*time.Second, func(c *calls.Config) { c.Availability = sw; c.StrangerInterval = time.Hour })
	if _, err := sw.Set(ctx, dnd.SpanForever); err != nil {
		t.Fatal(err)
	}
	var first string
	for i := range 3 {
		info, err := stranger.m.Start(ctx, bob.kp.ID(), true, offerSDP)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = info.ID
		}
		if e := stranger.expectState(t, calls.StateEnded); e.Cause != errcode.DoNotDisturb {
			t.Fatalf("ring %d ended %+v, want cause do_not_disturb", i+1, e)
		}
		r := bob.rec.nth(t, i)
		if r.CallID != first || r.Attempts != i+1 || r.Outcome != calls.OutcomeMissed {
			t.Fatalf("ring %d recorded %+v; want the first call's entry counting %d", i+1, r, i+1)
		}
	}
	if _, err := sw.Off(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := stranger.m.Start(ctx, bob.kp.ID(), true, offerSDP)
	if err != nil {
		t.Fatal(err)
	}
	if in := bob.expect(t, calls.EventIncoming, nil).(calls.Incoming); in.Call.ID != info.ID {
		t.Fatalf("bob rang with %+v", in.Call)
	}
}
