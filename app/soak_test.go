package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerline/peerline/app/api"
	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// TestSoakFloodsLoseNothingHonest runs the flood cases of issue 11 at once,
// at CI size, against one app (Bob) while an honest contact (Ada) calls him
// again and again over the LAN hub:
//
//   - strangers ringing as fast as they can (signed invites, new call ids);
//   - peers flooding the hub with routed frames (candidates for calls that
//     do not exist) as fast as the hub lets them;
//
// and checks that nothing honest is lost: every one of Ada's calls rings,
// is answered and ends completed on both sides, every candidate she sends
// reaches Bob's UI, and after Bob closes every one of her calls is in the
// history file on disk. PEERLINE_SOAK_CALLS sets the number of honest calls
// (default 12, about 10 s here).
func TestSoakFloodsLoseNothingHonest(t *testing.T) {
	honestCalls := 12
	if v, err := strconv.Atoi(os.Getenv("PEERLINE_SOAK_CALLS")); err == nil && v > 0 {
		honestCalls = v
	}
	const candidatesPerCall = 20
	mid := "0"

	a, b := startApp(t, "Ada"), startApp(t, "Bob")
	me, _ := b.Identity.Me()
	if _, err := a.Contacts.Add(api.ContactInput{ID: me.ID, Name: "Bob", Address: "127.0.0.1:" + strconv.Itoa(me.HubPort)}); err != nil {
		t.Fatal(err)
	}
	call(t, a, b) // Ada is Bob's contact now (key pinned); drains its events
	adaID := a.key.ID().String()

	// Bob's UI, as a sink of its own: it counts what reached it from Ada
	// and never blocks the bus, however much the strangers make it say.
	bobUI := newSoakUI(adaID)
	b.Events().Subscribe(bobUI)

	ctx, stop := context.WithCancel(context.Background())
	var flooders sync.WaitGroup
	var invites, frames atomic.Int64
	for i := range 3 {
		s := dialHub(t, b)
		flooders.Add(1)
		go func() {
			defer flooders.Done()
			for n := 0; ctx.Err() == nil; n++ {
				if err := s.tryInvite(b.key.ID(), fmt.Sprintf("flood-%d-%d", i, n), "Mallory"); err != nil {
					return // the hub cut it: a flooder's own loss
				}
				invites.Add(1)
			}
		}()
	}
	for range 2 {
		f := dialHub(t, b)
		flooders.Add(1)
		go func() {
			defer flooders.Done()
			for n := 0; ctx.Err() == nil; n++ {
				env, _ := signaling.New(signaling.TypeCandidate, signaling.Candidate{Candidate: "candidate:1 1 udp 1 192.0.2.1 9 typ host", SDPMid: &mid})
				env.To, env.Call, env.ID = b.key.ID(), "nosuchcall-"+strconv.Itoa(n), "c"+strconv.Itoa(n)
				if err := f.c.Send(ctx, env); err != nil {
					return
				}
				frames.Add(1)
			}
		}()
	}

	var honestIDs []string
	for i := range honestCalls {
		info, err := a.Calls.Start(me.ID, true, offer)
		if err != nil {
			t.Fatalf("honest call %d: start: %v", i, err)
		}
		honestIDs = append(honestIDs, info.ID)
		bobUI.waitIncoming(t, info.ID)
		if _, err := b.Calls.Accept(info.ID, true, answer); err != nil {
			t.Fatalf("honest call %d: accept: %v", i, err)
		}
		a.wait(t, calls.EventState, func(d any) bool {
			in := d.(calls.Info)
			return in.ID == info.ID && in.State == calls.StateConnecting
		})
		for k := range candidatesPerCall {
			c := signaling.Candidate{Candidate: fmt.Sprintf("candidate:%d 1 udp 2122260223 192.0.2.7 %d typ host", k, 50000+k), SDPMid: &mid}
			if err := a.Calls.Candidate(info.ID, c); err != nil {
				t.Fatalf("honest call %d: candidate %d: %v", i, k, err)
			}
		}
		bobUI.waitCandidates(t, info.ID, candidatesPerCall)
		a.Calls.MediaState(info.ID, "connected")
		b.Calls.MediaState(info.ID, "connected")
		if err := a.Calls.Hangup(info.ID); err != nil {
			t.Fatalf("honest call %d: hang up: %v", i, err)
		}
		end := bobUI.waitEnded(t, info.ID)
		if end.Outcome != calls.OutcomeCompleted {
			t.Errorf("honest call %d ended %q (%s) at Bob, want completed", i, end.Outcome, end.Reason)
		}
		a.wait(t, calls.EventState, func(d any) bool {
			in := d.(calls.Info)
			return in.ID == info.ID && in.State == calls.StateEnded
		})
	}
	stop()
	flooders.Wait()
	t.Logf("soak: %d honest calls (%d candidates each) beside %d stranger invites and %d flood frames; Bob's router dropped %d flood messages",
		honestCalls, candidatesPerCall, invites.Load(), frames.Load(), b.router.Dropped())
	if invites.Load() < int64(honestCalls) || frames.Load() < int64(honestCalls) {
		t.Errorf("the floods were too small to mean anything: %d invites, %d frames", invites.Load(), frames.Load())
	}

	// Every honest call is on disk once Bob has closed: read the file anew.
	dir := b.opts.DataDir
	b.Close()
	st, err := store.Open(context.Background(), filepath.Join(dir, "peerline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows := map[string]store.Call{}
	var strangers int
	cursor := store.Cursor("")
	for {
		page, next, err := st.ListHistory(context.Background(), 500, cursor)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page {
			if c.Peer.String() == adaID {
				rows[c.ID] = c
			} else {
				strangers++
			}
		}
		if len(page) == 0 || next == "" {
			break
		}
		cursor = next
	}
	for i, id := range honestIDs {
		c, ok := rows[id]
		switch {
		case !ok:
			t.Errorf("honest call %d (%s) is not in Bob's history", i, id)
		case c.Outcome != store.OutcomeCompleted:
			t.Errorf("honest call %d in Bob's history: outcome %q, want completed", i, c.Outcome)
		}
	}
	t.Logf("soak: Bob's history holds all %d honest calls and %d stranger entries (coalesced from %d invites)", len(honestIDs), strangers, invites.Load())
	if strangers > 3*(honestCalls+2) {
		t.Errorf("%d stranger entries from 3 strangers: their invites were not coalesced", strangers)
	}
}

// soakUI is a bus sink that keeps what Bob's UI heard of one peer's calls.
type soakUI struct {
	peer string
	mu   sync.Mutex
	note chan struct{}
	rang map[string]bool
	cand map[string]int
	end  map[string]calls.Info
}

func newSoakUI(peer string) *soakUI {
	return &soakUI{peer: peer, note: make(chan struct{}, 1), rang: map[string]bool{}, cand: map[string]int{}, end: map[string]calls.Info{}}
}

// Emit implements events.Sink.
func (u *soakUI) Emit(name events.Name, data any) {
	u.mu.Lock()
	switch d := data.(type) {
	case calls.Incoming:
		if d.Call.Peer == u.peer {
			u.rang[d.Call.ID] = true
		}
	case calls.Signal:
		if d.Kind == "candidate" {
			u.cand[d.Call]++
		}
	case calls.Info:
		if name == calls.EventState && d.Peer == u.peer && d.State == calls.StateEnded {
			u.end[d.ID] = d
		}
	}
	u.mu.Unlock()
	select {
	case u.note <- struct{}{}:
	default:
	}
}

func (u *soakUI) waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		u.mu.Lock()
		ok := done()
		u.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-u.note:
		case <-deadline:
			t.Fatalf("Bob's UI: %s within 10 s", what)
		}
	}
}

func (u *soakUI) waitIncoming(t *testing.T, id string) {
	t.Helper()
	u.waitFor(t, "no ring for honest call "+id, func() bool { return u.rang[id] })
}

func (u *soakUI) waitCandidates(t *testing.T, id string, n int) {
	t.Helper()
	u.waitFor(t, fmt.Sprintf("not all %d candidates of honest call %s", n, id), func() bool { return u.cand[id] >= n })
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.cand[id] != n {
		t.Errorf("honest call %s: %d candidates reached Bob's UI, sent %d", id, u.cand[id], n)
	}
}

func (u *soakUI) waitEnded(t *testing.T, id string) calls.Info {
	t.Helper()
	u.waitFor(t, "honest call "+id+" never ended", func() bool { _, ok := u.end[id]; return ok })
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.end[id]
}

// tryInvite is invite that reports a send error instead of failing.
func (r *rawCaller) tryInvite(to identity.PeerID, callID, name string) error {
	sig, ts := signaling.SignDescription(r.kp, signaling.KindOffer, callID, to, offer, time.Now())
	env, err := signaling.New(signaling.TypeInvite, signaling.Invite{Media: []signaling.Media{signaling.MediaAudio, signaling.MediaVideo},
		SDP: offer, Key: r.kp.Public(), Sig: sig, Time: ts, Name: name})
	if err != nil {
		return err
	}
	env.To, env.Call, env.ID = to, callID, callID+":invite"
	return r.c.Send(context.Background(), env)
}
