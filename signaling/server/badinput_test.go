package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// alive proves a connection still works after an error: ping → pong.
func alive(t *testing.T, r *signalingtest.Raw) {
	t.Helper()
	r.SendText(`{"v":1,"type":"ping","id":"alive","body":{"t":42}}`)
	env := r.Expect(signaling.TypePong)
	var p signaling.Ping
	if env.ID != "alive" || env.DecodeBody(&p) != nil || p.Time != 42 {
		t.Fatalf("pong = %+v %s", env, env.Body)
	}
}

func TestBadInputAfterAuthKeepsConnection(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	me, other := signalingtest.Key(t), signalingtest.Key(t)
	bob := signalingtest.Key(t).ID().String()
	tests := []struct {
		name  string
		frame string
		want  signaling.Code
	}{
		{"not json", `hello`, signaling.CodeBadJSON},
		{"truncated json", `{"v":1,"type":"ping"`, signaling.CodeBadJSON},
		{"json array", `[1,2]`, signaling.CodeBadJSON},
		{"wrong field type", `{"v":"1","type":"ping"}`, signaling.CodeBadJSON},
		{"missing version", `{"type":"ping"}`, signaling.CodeBadVersion},
		{"future version", `{"v":2,"type":"ping"}`, signaling.CodeBadVersion},
		{"unknown type", `{"v":1,"type":"dance"}`, signaling.CodeUnknownType},
		{"routed without to", `{"v":1,"type":"invite","call":"c"}`, signaling.CodeBadMessage},
		{"routed without call", `{"v":1,"type":"hangup","to":"` + bob + `"}`, signaling.CodeBadMessage},
		{"bad peer id", `{"v":1,"type":"hangup","to":"ABC","call":"c"}`, signaling.CodeBadMessage},
		{"id too long", `{"v":1,"type":"ping","id":"` + strings.Repeat("x", 65) + `"}`, signaling.CodeBadMessage},
		{"id bad chars", `{"v":1,"type":"ping","id":"a b"}`, signaling.CodeBadMessage},
		{"body not object", `{"v":1,"type":"ping","body":[1]}`, signaling.CodeBadMessage},
		{"subscribe bad body", `{"v":1,"type":"subscribe","body":{"peers":"all"}}`, signaling.CodeBadMessage},
		{"subscribe bad id", `{"v":1,"type":"subscribe","body":{"peers":["nope"]}}`, signaling.CodeBadMessage},
		{"server-only type", `{"v":1,"type":"welcome","body":{}}`, signaling.CodeForbidden},
		{"auth again", `{"v":1,"type":"auth","body":{}}`, signaling.CodeForbidden},
		{"forged from", `{"v":1,"type":"hangup","from":"` + other.ID().String() + `","to":"` + bob + `","call":"c"}`, signaling.CodeForbidden},
		{"peer offline", `{"v":1,"type":"hangup","id":"m7","to":"` + bob + `","call":"c"}`, signaling.CodeUnavailable},
	}
	r := signalingtest.Authed(t, srv.URL, me)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r.SendText(tc.frame)
			e := r.ExpectError(tc.want)
			if e.Message == "" {
				t.Errorf("error %s has no human message", e.Code)
			}
			if tc.want.Closes() {
				t.Fatalf("test table lists a closing code %s", tc.want)
			}
			alive(t, r)
		})
	}
	t.Run("ref carries the message id", func(t *testing.T) {
		r.SendText(`{"v":1,"type":"hangup","id":"m9","to":"` + bob + `","call":"c"}`)
		if e := r.ExpectError(signaling.CodeUnavailable); e.Ref != "m9" {
			t.Fatalf("ref = %q, want m9", e.Ref)
		}
	})
	t.Run("binary frame", func(t *testing.T) {
		r.WS.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3})
		r.ExpectError(signaling.CodeBinaryFrame)
		alive(t, r)
	})
}

func TestOversizeFrameClosesConnection(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{MaxMessageBytes: 4096})
	watcher := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	big := signalingtest.Key(t)
	r := signalingtest.Authed(t, srv.URL, big)
	watcher.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: []signaling.PeerID{big.ID()}})
	watcher.Expect(signaling.TypePresenceList)

	r.SendText(`{"v":1,"type":"ping","body":{"pad":"` + strings.Repeat("x", 5000) + `"}}`)
	r.ExpectError(signaling.CodeTooLarge)
	if code := r.ExpectClose(3 * time.Second); code != websocket.CloseMessageTooBig {
		t.Fatalf("close code %d, want %d", code, websocket.CloseMessageTooBig)
	}
	// The server forgot the peer: its watcher hears it went offline.
	env := watcher.Expect(signaling.TypePresence)
	var p signaling.Presence
	if env.DecodeBody(&p) != nil || p.Online {
		t.Fatalf("presence after close = %s", env.Body)
	}
	// A frame just under the limit is fine.
	ok := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	ok.SendText(`{"v":1,"type":"ping","body":{"pad":"` + strings.Repeat("x", 3900) + `"}}`)
	ok.Expect(signaling.TypePong)
}

func TestHandshakeFailures(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	kp := signalingtest.Key(t)
	other := signalingtest.Key(t)
	resign := func(a *signaling.Auth) {
		a.Sig = kp.Sign(signaling.AuthMessage(a.Nonce, a.Audience, a.Time, a.Peer, a.Key, nil))
	}
	tests := []struct {
		name   string
		mutate func(*signaling.Auth)
	}{
		{"bad signature", func(a *signaling.Auth) { a.Sig[0] ^= 1 }},
		{"nonce from another connection", func(a *signaling.Auth) { a.Nonce = signaling.NewNonce(); resign(a) }},
		{"signed for another server", func(a *signaling.Auth) { a.Audience = "wss://elsewhere.example/v1/signal"; resign(a) }},
		{"stale timestamp", func(a *signaling.Auth) { a.Time = time.Now().Add(-10 * time.Minute).UnixMilli(); resign(a) }},
		{"future timestamp", func(a *signaling.Auth) { a.Time = time.Now().Add(10 * time.Minute).UnixMilli(); resign(a) }},
		{"claims another id", func(a *signaling.Auth) { a.Peer = other.ID(); resign(a) }},
		{"another key", func(a *signaling.Auth) { a.Key = other.Public() }},
		{"short key", func(a *signaling.Auth) { a.Key = a.Key[:8] }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, env := signalingtest.RawAuth(t, srv.URL, kp, tc.mutate)
			if env.Type != signaling.TypeError || signaling.ErrorOf(env).Code != signaling.CodeAuthFailed {
				t.Fatalf("got %s %s, want auth_failed", env.Type, env.Body)
			}
			if code := r.ExpectClose(3 * time.Second); code != websocket.ClosePolicyViolation {
				t.Fatalf("close code %d, want 1008", code)
			}
		})
	}
	t.Run("replayed auth", func(t *testing.T) {
		var captured signaling.Auth
		signalingtest.RawAuth(t, srv.URL, kp, func(a *signaling.Auth) { captured = *a })
		r := signalingtest.RawDial(t, srv.URL)
		r.Expect(signaling.TypeChallenge)
		r.SendBody(signaling.TypeAuth, captured)
		r.ExpectError(signaling.CodeAuthFailed)
		r.ExpectClose(3 * time.Second)
	})
	t.Run("message before auth", func(t *testing.T) {
		r := signalingtest.RawDial(t, srv.URL)
		r.Expect(signaling.TypeChallenge)
		r.SendText(`{"v":1,"type":"ping"}`)
		r.ExpectError(signaling.CodeAuthRequired)
		if code := r.ExpectClose(3 * time.Second); code != websocket.ClosePolicyViolation {
			t.Fatalf("close code %d", code)
		}
	})
	t.Run("garbage before auth", func(t *testing.T) {
		r := signalingtest.RawDial(t, srv.URL)
		r.Expect(signaling.TypeChallenge)
		r.SendText(`\x00garbage`)
		r.ExpectError(signaling.CodeAuthRequired)
		r.ExpectClose(3 * time.Second)
	})
}

func TestAuthTimeout(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{AuthTimeout: 200 * time.Millisecond})
	r := signalingtest.RawDial(t, srv.URL)
	r.Expect(signaling.TypeChallenge)
	start := time.Now()
	r.ExpectError(signaling.CodeAuthFailed)
	r.ExpectClose(3 * time.Second)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("silent client dropped after %s", d)
	}
}

func TestAccessToken(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{AccessToken: "s3cret"})
	kp := signalingtest.Key(t)
	for _, tok := range []string{"", "wrong", "s3cret-but-longer"} {
		_, env := signalingtest.RawAuth(t, srv.URL, kp, func(a *signaling.Auth) { a.Token = tok })
		if env.Type != signaling.TypeError || signaling.ErrorOf(env).Code != signaling.CodeAuthFailed {
			t.Fatalf("token %q: got %s %s", tok, env.Type, env.Body)
		}
		if strings.Contains(string(env.Body), "s3cret") {
			t.Fatal("error message leaks the token")
		}
	}
	if _, env := signalingtest.RawAuth(t, srv.URL, kp, func(a *signaling.Auth) { a.Token = "s3cret" }); env.Type != signaling.TypeWelcome {
		t.Fatalf("right token: got %s %s", env.Type, env.Body)
	}
}
