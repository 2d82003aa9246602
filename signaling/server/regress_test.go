package server_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// Regression tests for findings of the protocol review.

func TestForwardedForCannotDodgeTheIPLimit(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{MaxConnsPerIP: 1, TrustForwardedFor: true})
	dial := func(xff string) (*http.Response, error) {
		h := http.Header{}
		h.Set("X-Forwarded-For", xff+", 203.0.113.9") // the proxy appends the real client
		ws, resp, err := websocket.DefaultDialer.Dial(srv.URL, h)
		if err == nil {
			t.Cleanup(func() { ws.Close() })
		}
		return resp, err
	}
	if _, err := dial("198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	resp, err := dial("198.51.100.2") // a forged left-hand entry
	if err == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("second connection from the same proxied client: err=%v, want 429", err)
	}
}

func TestBinaryFloodIsRateLimited(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{RatePerSecond: 1, Burst: 2})
	r := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	go func() {
		for i := 0; i < 500; i++ {
			if r.WS.WriteMessage(websocket.BinaryMessage, []byte{1}) != nil {
				return
			}
		}
	}()
	replies := 0
	for {
		env, err := r.TryNext(3 * time.Second)
		if err != nil {
			break
		}
		if env.Type == signaling.TypeError && signaling.ErrorOf(env).Code == signaling.CodeBinaryFrame {
			replies++
		}
	}
	if replies > 5 {
		t.Fatalf("%d binary_frame replies to a flood with burst 2: replies must be rate limited", replies)
	}
}

func TestReplacedConnectionStopsRelaying(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	alice, bob := signalingtest.Key(t), signalingtest.Key(t)
	b := signalingtest.Dial(t, srv.URL, bob)
	old := signalingtest.Authed(t, srv.URL, alice)
	signalingtest.Authed(t, srv.URL, alice) // replaces old
	old.ExpectError(signaling.CodeReplaced)
	// The old connection ignores the close and keeps sending.
	for i := 0; i < 10; i++ {
		if old.WS.WriteMessage(websocket.TextMessage, []byte(`{"v":1,"type":"hangup","to":"`+bob.ID().String()+`","call":"x"}`)) != nil {
			break
		}
		old.WS.WriteControl(websocket.PongMessage, nil, time.Now().Add(time.Second))
	}
	got := make(chan signaling.Envelope, 1)
	go func() {
		if env, err := b.Recv(); err == nil {
			got <- env
		}
	}()
	select {
	case env := <-got:
		t.Fatalf("bob received %s from a replaced connection", env.Type)
	case <-time.After(500 * time.Millisecond):
	}
}

func TestClientDoesNotFightOverAnIdentity(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	me := signalingtest.Key(t)
	c, err := signaling.NewClient(signaling.ClientConfig{
		DialConfig: signaling.DialConfig{URL: srv.URL, Identity: me},
		MinBackoff: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	go func() {
		for range c.Events() {
		}
	}()
	deadline := time.Now().Add(3 * time.Second)
	for !c.Connected() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	signalingtest.Dial(t, srv.URL, me) // another instance with the same key
	select {
	case err := <-done:
		if !errors.Is(err, signaling.ErrReplaced) {
			t.Fatalf("Run = %v, want replaced", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("client kept running after being replaced")
	}
	if !srv.Hub().Online(me.ID()) {
		t.Fatal("the newer instance lost its connection")
	}
}

func TestPersonalHubCarriesOnlyItsOwnersMessages(t *testing.T) {
	owner := signalingtest.Key(t)
	srv := signalingtest.ServeTLS(t, server.Config{Identity: owner, Personal: true})
	alice, carol := signalingtest.Key(t), signalingtest.Key(t)
	a := signalingtest.AuthedTo(t, srv.URL, owner.ID().String(), alice)
	signalingtest.AuthedTo(t, srv.URL, owner.ID().String(), carol)
	a.SendText(`{"v":1,"type":"hangup","to":"` + carol.ID().String() + `","call":"c"}`)
	a.ExpectError(signaling.CodeForbidden)
	a.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: []signaling.PeerID{carol.ID()}})
	a.ExpectError(signaling.CodeForbidden)
	// To the owner: routed (the owner is offline in this test, so unavailable).
	a.SendText(`{"v":1,"type":"hangup","to":"` + owner.ID().String() + `","call":"c"}`)
	a.ExpectError(signaling.CodeUnavailable)
	// Unbound auth (no TLS under it) is refused by a personal hub.
	plain := signalingtest.Serve(t, server.Config{Identity: owner, Personal: true})
	if _, env := signalingtest.RawAuthTo(t, plain.URL, owner.ID().String(), alice, nil); env.Type != signaling.TypeError {
		t.Fatalf("unbound auth to a personal hub: got %s, want an error", env.Type)
	}
	if _, err := server.New(server.Config{Personal: true}); err == nil {
		t.Fatal("a personal hub without an identity was accepted")
	}
}
