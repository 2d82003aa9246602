package app

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/app/api"
	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// rawCaller is a stranger that dials an app's LAN hub over a real
// WebSocket and sends signed invites, as many and as fast as it likes.
type rawCaller struct {
	kp *identity.KeyPair
	c  *signaling.Conn

	mu      sync.Mutex
	replies map[signaling.Type]int
	rejects map[signaling.Reason]int
	note    chan struct{}
}

func dialHub(t *testing.T, to *testApp) *rawCaller {
	t.Helper()
	me, _ := to.Identity.Me()
	kp := signalingtest.Key(t)
	c, err := signaling.Dial(context.Background(), signaling.DialConfig{URL: "wss://127.0.0.1:" + strconv.Itoa(me.HubPort) + signaling.Path,
		Identity: kp, ExpectPeer: to.key.ID()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	r := &rawCaller{kp: kp, c: c, replies: map[signaling.Type]int{}, rejects: map[signaling.Reason]int{}, note: make(chan struct{}, 1)}
	go func() {
		for {
			env, err := c.Recv()
			if err != nil {
				return
			}
			r.mu.Lock()
			r.replies[env.Type]++
			var rej signaling.Reject
			if env.Type == signaling.TypeReject && env.DecodeBody(&rej) == nil {
				r.rejects[rej.Reason]++
			}
			r.mu.Unlock()
			select {
			case r.note <- struct{}{}:
			default:
			}
		}
	}()
	return r
}

func (r *rawCaller) invite(t *testing.T, to identity.PeerID, callID, name string) {
	t.Helper()
	sig, ts := signaling.SignDescription(r.kp, signaling.KindOffer, callID, to, offer, time.Now())
	env, err := signaling.New(signaling.TypeInvite, signaling.Invite{Media: []signaling.Media{signaling.MediaAudio, signaling.MediaVideo},
		SDP: offer, Key: r.kp.Public(), Sig: sig, Time: ts, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	env.To, env.Call, env.ID = to, callID, callID+":invite"
	if err := r.c.Send(context.Background(), env); err != nil {
		t.Fatal(err)
	}
}

// waitReplies waits until the app answered n invites (ringing or reject).
func (r *rawCaller) waitReplies(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		got := r.replies[signaling.TypeRinging] + r.replies[signaling.TypeReject]
		r.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-r.note:
		case <-deadline:
			t.Fatalf("%d of %d invites answered", got, n)
		}
	}
}

// drainFor counts the name events queued so far and drops every queued
// event.
func drainFor(ta *testApp, name events.Name) int {
	n := 0
	for {
		select {
		case g := <-ta.events:
			if g.name == name {
				n++
			}
		default:
			return n
		}
	}
}

func historyOf(t *testing.T, ta *testApp, peer identity.PeerID) []api.HistoryEntry {
	t.Helper()
	page, err := ta.History.List(500, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []api.HistoryEntry
	for _, e := range page.Entries {
		if e.Peer == peer.String() {
			out = append(out, e)
		}
	}
	return out
}

// A stranger can be blocked from its ringing call, is kept as blocked (not
// as a contact) and never rings again: no call:incoming, nothing in
// history, and it hears "unavailable", as if we were offline.
func TestStrangerCanBeBlockedAndNeverRingsAgain(t *testing.T) {
	b := startApp(t, "Bob")
	s := dialHub(t, b)
	s.invite(t, b.key.ID(), "ring-1", "Mallory")
	in := b.wait(t, calls.EventIncoming, nil).(calls.Incoming)
	if in.Call.Peer != s.kp.ID().String() || in.Call.Verified {
		t.Fatalf("incoming %+v", in.Call)
	}
	// The incoming-call screen's Block: decline, then block.
	if err := b.Calls.Decline(in.Call.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Contacts.Block(in.Call.Peer, in.Call.PeerName); err != nil {
		t.Fatal(err)
	}
	blocked, err := b.Contacts.Blocked()
	if err != nil || len(blocked) != 1 || blocked[0].ID != s.kp.ID().String() || blocked[0].Name != "Mallory" || blocked[0].Contact {
		t.Fatalf("blocked list %+v, %v", blocked, err)
	}
	if list, _ := b.Contacts.List(); len(list) != 0 {
		t.Fatalf("the blocked stranger became a contact: %+v", list)
	}
	before := len(historyOf(t, b, s.kp.ID()))
	drainFor(b, calls.EventIncoming)

	for i := range 3 {
		s.invite(t, b.key.ID(), fmt.Sprintf("ring-blocked-%d", i), "Mallory")
	}
	s.waitReplies(t, 2+3) // ringing and declined for the first, a reject for each blocked one
	s.mu.Lock()
	unavailable := s.rejects[signaling.ReasonUnavailable]
	s.mu.Unlock()
	if unavailable != 3 {
		t.Errorf("the blocked caller heard %d 'unavailable' rejects, want 3", unavailable)
	}
	if n := drainFor(b, calls.EventIncoming); n != 0 {
		t.Errorf("a blocked stranger rang %d times", n)
	}
	if _, ok := b.calls.Current(); ok {
		t.Error("a blocked stranger has a live call")
	}
	if after := len(historyOf(t, b, s.kp.ID())); after != before {
		t.Errorf("blocked calls entered history: %d entries, was %d", after, before)
	}

	// Unblocked from the list, it may ring again.
	if _, err := b.Contacts.SetBlocked(s.kp.ID().String(), false); err != nil {
		t.Fatal(err)
	}
	if blocked, _ := b.Contacts.Blocked(); len(blocked) != 0 {
		t.Fatalf("still blocked: %+v", blocked)
	}
}

// A stranger ringing again and again rings once, its other invites are
// refused and counted on one missed entry (history written in batches),
// and a contact calling meanwhile is not kept out: it rings.
func TestRingFloodIsCoalescedAndContactsGetThrough(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{Logger: testLogger("server")})
	b := startApp(t, "Bob", srv.URL)
	c := startApp(t, "Carol", srv.URL)
	if _, err := c.Contacts.Add(api.ContactInput{ID: b.key.ID().String(), Name: "Bob", Server: srv.URL}); err != nil {
		t.Fatal(err)
	}
	c.wait(t, events.PeerOnline, nil)
	call(t, c, b) // Carol is Bob's contact now, key pinned

	s := dialHub(t, b)
	const flood = 60
	for i := range flood {
		s.invite(t, b.key.ID(), fmt.Sprintf("flood-%d", i), "Mallory")
	}
	first := b.wait(t, calls.EventIncoming, nil).(calls.Incoming)
	if first.Call.Peer != s.kp.ID().String() {
		t.Fatalf("incoming %+v", first.Call)
	}
	s.waitReplies(t, flood)
	// The manager emits call:incoming right after it sends "ringing", so
	// once every invite is answered any second ring is queued already.
	if more := drainFor(b, calls.EventIncoming); more != 0 {
		t.Errorf("the stranger rang %d more times, want once in all", more)
	}

	// Carol calls while the stranger's one ring still rings: hers rings.
	info, err := c.Calls.Start(b.key.ID().String(), true, offer)
	if err != nil {
		t.Fatal(err)
	}
	in := b.wait(t, calls.EventIncoming, func(d any) bool { return d.(calls.Incoming).Call.ID == info.ID }).(calls.Incoming)
	if !in.Call.Verified {
		t.Error("the contact's call rang unverified")
	}
	if err := b.Calls.Decline(info.ID); err != nil {
		t.Fatal(err)
	}

	entries := historyOf(t, b, s.kp.ID())
	var coalesced int
	for _, e := range entries {
		if e.Attempts > 1 {
			coalesced++
			if e.Attempts != flood-1 || e.Outcome != "missed" {
				t.Errorf("coalesced entry %+v, want %d missed attempts", e, flood-1)
			}
		}
	}
	if coalesced != 1 || len(entries) != 2 {
		t.Errorf("stranger's history: %d entries (%d coalesced), want the one ring and one coalesced entry: %+v", len(entries), coalesced, entries)
	}
}

// A stranger announcing a contact's name is shown as "someone using
// Ada's name" and flags nothing: Ada stays verified, no identity:changed,
// and the call is not held (it rings, unverified).
func TestNameAloneDoesNotFlagContact(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{Logger: testLogger("server")})
	a, b := startApp(t, "Ada", srv.URL), startApp(t, "Bob", srv.URL)
	if _, err := a.Contacts.Add(api.ContactInput{ID: b.key.ID().String(), Name: "Bob", Server: srv.URL}); err != nil {
		t.Fatal(err)
	}
	a.wait(t, events.PeerOnline, nil)
	call(t, a, b)
	if _, err := b.Contacts.Rename(a.key.ID().String(), "Ada"); err != nil {
		t.Fatal(err)
	}
	drainFor(b, events.IdentityChanged)

	s := dialHub(t, b)
	s.invite(t, b.key.ID(), "impostor-1", "ada")
	in := b.wait(t, calls.EventIncoming, nil).(calls.Incoming)
	if in.Call.Verified || in.Call.SameNameAs != "Ada" || in.Call.Peer != s.kp.ID().String() {
		t.Fatalf("the impostor's call: %+v; want unverified, sameNameAs Ada", in.Call)
	}
	if n := drainFor(b, events.IdentityChanged); n != 0 {
		t.Errorf("a name claim raised identity:changed %d times", n)
	}
	list, _ := b.Contacts.List()
	if len(list) != 1 || list[0].ID != a.key.ID().String() || list[0].KeyChanged || !list[0].Verified {
		t.Fatalf("Bob's contacts after the claim: %+v", list)
	}
}

// A stranger refused busy did not ring, so it keeps its ring: once we are
// free it gets through (a caller who heard "busy" calls back, as anyone
// would). Its busy refusals meanwhile, however many, are one history entry.
func TestStrangerBusyKeepsItsRingAndBusyFloodIsOneEntry(t *testing.T) {
	a, b := startApp(t, "Ada"), startApp(t, "Bob")
	me, _ := b.Identity.Me()
	if _, err := a.Contacts.Add(api.ContactInput{ID: me.ID, Name: "Bob", Address: "127.0.0.1:" + strconv.Itoa(me.HubPort)}); err != nil {
		t.Fatal(err)
	}
	info, err := a.Calls.Start(me.ID, true, offer)
	if err != nil {
		t.Fatal(err)
	}
	b.wait(t, calls.EventIncoming, func(d any) bool { return d.(calls.Incoming).Call.ID == info.ID })
	if _, err := b.Calls.Accept(info.ID, true, answer); err != nil {
		t.Fatal(err)
	}
	b.waitState(t, calls.StateConnecting)

	s := dialHub(t, b)
	const flood = 20
	for i := range flood {
		s.invite(t, b.key.ID(), fmt.Sprintf("busy-%d", i), "Mallory")
	}
	s.waitReplies(t, flood)
	s.mu.Lock()
	busy := s.rejects[signaling.ReasonBusy]
	s.mu.Unlock()
	if busy != flood {
		t.Errorf("%d of %d invites during a call refused busy", busy, flood)
	}
	if n := drainFor(b, calls.EventIncoming); n != 0 {
		t.Errorf("the stranger rang %d times during a call", n)
	}

	if err := a.Calls.Hangup(info.ID); err != nil {
		t.Fatal(err)
	}
	b.waitState(t, calls.StateEnded)
	s.invite(t, b.key.ID(), "after", "Mallory")
	in := b.wait(t, calls.EventIncoming, func(d any) bool { return d.(calls.Incoming).Call.ID == "after" }).(calls.Incoming)
	if in.Call.Peer != s.kp.ID().String() {
		t.Fatalf("incoming %+v", in.Call)
	}
	if err := b.Calls.Decline("after"); err != nil {
		t.Fatal(err)
	}

	var busyEntries []api.HistoryEntry
	for _, e := range historyOf(t, b, s.kp.ID()) {
		if e.Outcome == "busy" {
			busyEntries = append(busyEntries, e)
		}
	}
	if len(busyEntries) != 1 || busyEntries[0].Attempts != flood {
		t.Errorf("busy entries %+v, want one standing for %d attempts", busyEntries, flood)
	}
}
