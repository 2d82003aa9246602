package server_test

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// ids returns n distinct valid peer ids.
func ids(t *testing.T, n int) []signaling.PeerID {
	out := make([]signaling.PeerID, n)
	for i := range out {
		out[i] = signalingtest.Key(t).ID()
	}
	return out
}

// framesUntilPong reads what r gets up to the pong answering a ping sent
// now, by type; errors by code.
func framesUntilPong(t *testing.T, r *signalingtest.Raw) (map[signaling.Type]int, map[signaling.Code]int) {
	t.Helper()
	r.SendText(`{"v":1,"type":"ping","id":"mark"}`)
	types, codes := map[signaling.Type]int{}, map[signaling.Code]int{}
	for {
		env, err := r.TryNext(5 * time.Second)
		if err != nil {
			t.Fatalf("no pong (%v); got %v, errors %v", err, types, codes)
		}
		if env.Type == signaling.TypePong && env.ID == "mark" {
			return types, codes
		}
		types[env.Type]++
		if env.Type == signaling.TypeError {
			codes[signaling.ErrorOf(env).Code]++
		}
	}
}

// A full subscribe is answered with one frame, not one per peer. (Before,
// 512 ids got 512 presence frames back: 70x the CPU of an honest message,
// and enough to cut an honest reader as a slow consumer.)
func TestFullSubscribeIsAnsweredInOneFrame(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	watched := ids(t, signaling.MaxSubscribeIDs)
	on := signalingtest.Key(t)
	watched[7] = on.ID()
	signalingtest.Authed(t, srv.URL, on)
	w := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	w.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: watched})
	env := w.Expect(signaling.TypePresenceList)
	var l signaling.PresenceList
	if err := env.DecodeBody(&l); err != nil {
		t.Fatal(err)
	}
	if len(l.Online) != 1 || l.Online[0] != on.ID() || len(l.Offline) != signaling.MaxSubscribeIDs-1 {
		t.Fatalf("answer lists %d online, %d offline; want 1 and %d", len(l.Online), len(l.Offline), signaling.MaxSubscribeIDs-1)
	}
	if len(env.Body) > signaling.DefaultMaxMessageBytes {
		t.Errorf("answer body %d bytes, over the frame limit", len(env.Body))
	}
	if types, _ := framesUntilPong(t, w); len(types) != 0 {
		t.Errorf("after the answer: %v, want nothing more", types)
	}
}

// A subscribe carrying more ids than one may (in peers, add or remove)
// is refused with too_many_peers, and the previous set stays watched: a
// subscribe's work is bounded by MaxSubscribeIDs. (Before, one subscribe
// took 512 ids: 60x the CPU of an honest message.)
func TestSubscribeOverTheIDCapIsRefused(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	kept := signalingtest.Key(t)
	w := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	w.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: []signaling.PeerID{kept.ID()}})
	w.Expect(signaling.TypePresenceList)

	over := `["` + strings.Join(idStrings(ids(t, signaling.MaxSubscribeIDs+1)), `","`) + `"]`
	half := `["` + strings.Join(idStrings(ids(t, signaling.MaxSubscribeIDs/2+1)), `","`) + `"]`
	for i, body := range []string{
		`{"peers":` + over + `}`,
		`{"add":` + over + `}`,
		`{"remove":` + over + `}`,
		`{"add":` + half + `,"remove":` + half + `}`,
		`{"peers":[` + strings.Repeat(`"",`, 4*signaling.MaxSubscribeIDs) + `""]}`, // empty ids count too
	} {
		ref := "s" + strconv.Itoa(i)
		w.SendText(`{"v":1,"type":"subscribe","id":"` + ref + `","body":` + body + `}`)
		if e := w.ExpectError(signaling.CodeTooManyPeers); e.Ref != ref || !strings.Contains(e.Message, `"add"`) {
			t.Errorf("body %d: ref %q, message %q: want ref %s and a hint to use add", i, e.Ref, e.Message, ref)
		}
	}
	if types, codes := framesUntilPong(t, w); len(types) != 0 {
		t.Errorf("after the refusals: %v %v, want nothing", types, codes)
	}
	signalingtest.Authed(t, srv.URL, kept)
	expectPresence(t, w, kept.ID(), true)
}

// A connection watches up to MaxSubscribe peers through a replace and
// adds of MaxSubscribeIDs each; an add past that is refused whole and
// the set stays; remove makes room; presence follows the whole set.
func TestWatchSetGrowsByAddsUpToItsBound(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	w := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	all := ids(t, signaling.MaxSubscribe)
	late := signalingtest.Key(t) // comes online after the subscribes
	all[signaling.MaxSubscribe-1] = late.ID()
	early := signalingtest.Key(t) // online before
	all[3*signaling.MaxSubscribeIDs+5] = early.ID()
	signalingtest.Authed(t, srv.URL, early)
	per := signaling.MaxSubscribeIDs
	w.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: all[:per]})
	expectPresenceList(t, w, []signaling.PeerID{}, all[:per])
	for i := per; i < len(all); i += per {
		w.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Add: all[i : i+per]})
		if i == 3*per {
			expectPresenceList(t, w, []signaling.PeerID{early.ID()}, append(slices.Clone(all[i:i+5]), all[i+6:i+per]...))
		} else {
			expectPresenceList(t, w, []signaling.PeerID{}, all[i:i+per])
		}
	}
	extra := signalingtest.Key(t)
	w.SendText(`{"v":1,"type":"subscribe","id":"over","body":{"add":["` + extra.ID().String() + `","` + all[0].String() + `"]}}`)
	if e := w.ExpectError(signaling.CodeTooManyPeers); e.Ref != "over" {
		t.Errorf("ref = %q, want over", e.Ref)
	}
	// Nothing changed: extra is not watched, the last id still is.
	signalingtest.Authed(t, srv.URL, extra)
	signalingtest.Authed(t, srv.URL, late)
	expectPresence(t, w, late.ID(), true)

	// Room made by a remove in the same message.
	w.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Add: []signaling.PeerID{extra.ID()}, Remove: []signaling.PeerID{all[0]}})
	expectPresenceList(t, w, []signaling.PeerID{extra.ID()}, []signaling.PeerID{})
	// Mixing a replace with a change is refused.
	w.SendText(`{"v":1,"type":"subscribe","id":"mix","body":{"peers":[],"add":["` + all[0].String() + `"]}}`)
	if e := w.ExpectError(signaling.CodeBadMessage); e.Ref != "mix" {
		t.Errorf("ref = %q, want mix", e.Ref)
	}
	// A replace shrinks the set to its ids: late is no longer watched.
	w.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: []signaling.PeerID{extra.ID()}})
	expectPresenceList(t, w, []signaling.PeerID{extra.ID()}, []signaling.PeerID{})
	if types, _ := framesUntilPong(t, w); len(types) != 0 {
		t.Errorf("unexpected frames %v", types)
	}
}

func idStrings(ids []signaling.PeerID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// A subscribe is charged by its size: a client gets the burst's worth of
// ids, not the burst's worth of full subscribes. (Before, each 512-id
// subscribe cost one token: 200 of them at once, 50 a second after.)
func TestSubscribeIsChargedByIDs(t *testing.T) {
	// A burst that the answered subscribes cannot empty, and next to no
	// refill, so every frame is either answered or refused with a
	// rate_limited naming it.
	srv := signalingtest.Serve(t, server.Config{RatePerSecond: 1, Burst: 64})
	w := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	full := signaling.Subscribe{Peers: ids(t, signaling.MaxSubscribeIDs)}
	// Each costs 5 tokens (1 + 4 KiB); a refused one still takes the
	// frame's token, so 3 refusals leave 1 for the ping.
	const sent = 15
	for i := range sent {
		env := signalingtest.Must(t, signaling.TypeSubscribe, full)
		env.ID = "s" + strconv.Itoa(i)
		w.Send(env)
	}
	types, codes := framesUntilPong(t, w)
	// 5 tokens each out of 64: 12 (13 if a token refills meanwhile).
	if n := types[signaling.TypePresenceList]; n < 12 || n > 13 {
		t.Errorf("%d of %d full subscribes answered, want the burst's worth (12)", n, sent)
	}
	if types[signaling.TypePresence] != 0 {
		t.Errorf("%d single presence frames, want none", types[signaling.TypePresence])
	}
	if n := types[signaling.TypePresenceList] + codes[signaling.CodeRateLimited]; n != sent {
		t.Errorf("%d answered + %d rate_limited, want %d: one answer per subscribe", types[signaling.TypePresenceList], codes[signaling.CodeRateLimited], sent)
	}
}

// TURN credentials go to authenticated clients only: nothing before the
// welcome, nor on a refused auth, nor over HTTP carries them.
func TestTURNCredentialsOnlyAfterAuth(t *testing.T) {
	const secret = "turn-secret-not-for-strangers"
	srv := signalingtest.Serve(t, server.Config{TURNURLs: []string{"turn:turn.example:3478"}, TURNSecret: secret})
	leaks := func(what, s string) {
		t.Helper()
		for _, bad := range []string{"ice_servers", "credential", "turn:", secret} {
			if strings.Contains(s, bad) {
				t.Errorf("%s carries %q: %s", what, bad, s)
			}
		}
	}
	stranger := signalingtest.Key(t)
	r := signalingtest.RawDial(t, srv.URL)
	_, challenge, err := r.WS.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	leaks("the challenge", string(challenge))
	var ch signaling.Challenge
	env, _ := signaling.Decode(challenge)
	env.DecodeBody(&ch)
	a := signaling.SignAuth(stranger, ch, ch.Audience, time.Now(), nil, "", nil)
	a.Sig[0] ^= 1
	r.SendBody(signaling.TypeAuth, a)
	for {
		_, frame, err := r.WS.ReadMessage()
		if err != nil {
			break // closed after auth_failed
		}
		leaks("a frame after a refused auth", string(frame))
	}
	for _, path := range []string{"/healthz", "/metrics", signaling.Path} {
		resp, err := http.Get(srv.HTTP.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		leaks("GET "+path, string(b))
	}
	// The authenticated client does get them, bound to its id.
	c := signalingtest.Dial(t, srv.URL, stranger)
	ice := c.Welcome().ICEServers
	if len(ice) != 1 || ice[0].Credential == "" || !strings.HasSuffix(ice[0].Username, ":"+stranger.ID().String()) {
		t.Fatalf("welcome ICE servers %+v, want TURN credentials for %s", ice, stranger.ID().Short())
	}
}
