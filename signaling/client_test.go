package signaling_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// restartable is a real server on a fixed loopback port that a test can
// stop and start again.
type restartable struct {
	t    *testing.T
	addr string
	srv  *server.Server
	hs   *http.Server
}

func (r *restartable) start() {
	r.t.Helper()
	srv, err := server.New(server.Config{RetryAfter: 50 * time.Millisecond})
	if err != nil {
		r.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", r.addr)
	if err != nil {
		r.t.Fatalf("listen %s: %v", r.addr, err)
	}
	r.addr = ln.Addr().String()
	r.srv, r.hs = srv, &http.Server{Handler: srv.Handler()}
	go r.hs.Serve(ln)
}

func (r *restartable) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.srv.Shutdown(ctx)
	r.hs.Shutdown(ctx)
}

func (r *restartable) url() string { return "ws://" + r.addr + signaling.Path }

func nextEvent(t *testing.T, c *signaling.Client, kind signaling.EventKind, timeout time.Duration) signaling.Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatal("events closed")
			}
			if ev.Kind == kind {
				return ev
			}
		case <-deadline:
			t.Fatalf("no event %d within %s", kind, timeout)
		}
	}
}

func nextPresence(t *testing.T, c *signaling.Client, timeout time.Duration) signaling.Presence {
	t.Helper()
	ev := nextEvent(t, c, signaling.EventPresence, timeout)
	if len(ev.Presence) != 1 {
		t.Fatalf("presence event for %d peers, want 1: %+v", len(ev.Presence), ev.Presence)
	}
	return ev.Presence[0]
}

func TestClientReconnectsAndRestoresPresence(t *testing.T) {
	rs := &restartable{t: t, addr: "127.0.0.1:0"}
	rs.start()
	defer func() { rs.stop() }()
	me, bob := signalingtest.Key(t), signalingtest.Key(t)
	c, err := signaling.NewClient(signaling.ClientConfig{
		DialConfig: signaling.DialConfig{URL: rs.url(), Identity: me},
		MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	}()

	nextEvent(t, c, signaling.EventConnected, 3*time.Second)
	if err := c.Subscribe(ctx, []identity.PeerID{bob.ID()}); err != nil {
		t.Fatal(err)
	}
	if p := nextPresence(t, c, 3*time.Second); p.Peer != bob.ID() || p.Online {
		t.Fatalf("presence %+v, want bob offline", p)
	}

	rs.stop()
	ev := nextEvent(t, c, signaling.EventDisconnected, 3*time.Second)
	if !errors.Is(ev.Err, signaling.ErrShuttingDown) {
		t.Fatalf("disconnect reason %v, want shutting_down", ev.Err)
	}
	// While the server is down, Send waits rather than failing.
	sendCtx, sendCancel := context.WithTimeout(ctx, 100*time.Millisecond)
	ping, _ := signaling.New(signaling.TypePing, nil)
	if err := c.Send(sendCtx, ping); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Send while down = %v, want deadline exceeded", err)
	}
	sendCancel()

	rs.start() // same port
	nextEvent(t, c, signaling.EventConnected, 5*time.Second)
	// The subscription was re-sent by the client, not by this test.
	if p := nextPresence(t, c, 3*time.Second); p.Peer != bob.ID() || p.Online {
		t.Fatalf("after reconnect: presence %+v, want bob offline", p)
	}
	signalingtest.Dial(t, rs.url(), bob)
	if p := nextPresence(t, c, 3*time.Second); p.Peer != bob.ID() || !p.Online {
		t.Fatalf("presence %+v, want bob online", p)
	}
	if err := c.Send(ctx, ping); err != nil {
		t.Fatalf("Send after reconnect: %v", err)
	}
	if ev := nextEvent(t, c, signaling.EventMessage, 3*time.Second); ev.Message.Type != signaling.TypePong {
		t.Fatalf("got %s, want pong", ev.Message.Type)
	}
}

func TestClientBacksOffWhileServerIsDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	c, _ := signaling.NewClient(signaling.ClientConfig{
		DialConfig: signaling.DialConfig{URL: "ws://" + addr + signaling.Path, Identity: signalingtest.Key(t)},
		MinBackoff: 10 * time.Millisecond, MaxBackoff: 80 * time.Millisecond,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	defer cancel()
	go c.Run(ctx)
	var failures int
	for ev := range c.Events() {
		if ev.Kind == signaling.EventDisconnected {
			failures++
		}
	}
	// Without backoff a refused dial repeats every few microseconds; with a
	// cap of 80 ms it happens at most ~600/5 times and at least a few.
	if failures < 3 || failures > 150 {
		t.Fatalf("%d attempts in 600 ms with 10..80 ms backoff", failures)
	}
}

func TestDialMutualAuthOnLAN(t *testing.T) {
	listener := signalingtest.Key(t)
	srv := signalingtest.ServeTLS(t, server.Config{Identity: listener, Personal: true})
	ctx := context.Background()
	me := signalingtest.Key(t)
	plain := signalingtest.Serve(t, server.Config{Identity: listener, Personal: true})
	if _, err := signaling.Dial(ctx, signaling.DialConfig{URL: plain.URL, Identity: me, ExpectPeer: listener.ID()}); !errors.Is(err, signaling.ErrLANNeedsTLS) {
		t.Fatalf("a LAN dial over ws://: err = %v, want ErrLANNeedsTLS", err)
	}

	c, err := signaling.Dial(ctx, signaling.DialConfig{URL: srv.URL, Identity: me, ExpectPeer: listener.ID()})
	if err != nil {
		t.Fatalf("dial the expected peer: %v", err)
	}
	c.Close()

	impostor := signalingtest.Key(t)
	if _, err := signaling.Dial(ctx, signaling.DialConfig{URL: srv.URL, Identity: me, ExpectPeer: impostor.ID()}); !errors.Is(err, signaling.ErrAuthFailed) {
		t.Fatalf("dialing %s but reaching %s: err = %v, want auth_failed", impostor.ID().Short(), listener.ID().Short(), err)
	}

	// A listener that claims the right id but cannot prove the key.
	liar := signalingtest.ServeTLS(t, server.Config{Audience: listener.ID().String()})
	if _, err := signaling.Dial(ctx, signaling.DialConfig{URL: liar.URL, Identity: me, ExpectPeer: listener.ID()}); !errors.Is(err, signaling.ErrAuthFailed) {
		t.Fatalf("listener without the key: err = %v, want auth_failed", err)
	}
}

func TestDialRefusesServerNamingAnotherAudience(t *testing.T) {
	// A relay that passes on another server's challenge would ask us to
	// sign for that server: the client must refuse before signing.
	srv := signalingtest.Serve(t, server.Config{Audience: "wss://signal.example/v1/signal"})
	_, err := signaling.Dial(context.Background(), signaling.DialConfig{URL: srv.URL, Identity: signalingtest.Key(t)})
	if !errors.Is(err, signaling.ErrAuthFailed) {
		t.Fatalf("err = %v, want auth_failed", err)
	}
}

func TestWelcomeCarriesICEServers(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{
		STUNURLs: []string{"stun:stun.example:3478"},
		TURNURLs: []string{"turn:turn.example:3478?transport=udp"}, TURNSecret: "s", TURNTTL: time.Hour,
	})
	me := signalingtest.Key(t)
	c := signalingtest.Dial(t, srv.URL, me)
	w := c.Welcome()
	if w.Peer != me.ID() || len(w.ICEServers) != 2 {
		t.Fatalf("welcome = %+v", w)
	}
	turn := w.ICEServers[1]
	exp, user, ok := strings.Cut(turn.Username, ":")
	if !ok || user != me.ID().String() {
		t.Fatalf("TURN username %q, want expiry:peer-id", turn.Username)
	}
	sec, _ := strconv.ParseInt(exp, 10, 64)
	if left := time.Until(time.Unix(sec, 0)); left < 59*time.Minute || left > 61*time.Minute {
		t.Fatalf("TURN credentials expire in %s, want ~1h", left)
	}
	if _, want := server.TURNCredentials("s", me.ID().String(), time.Unix(sec, 0)); turn.Credential != want {
		t.Fatal("TURN credential does not match its username")
	}
	if w.Limits.MaxMessageBytes != signaling.DefaultMaxMessageBytes {
		t.Fatalf("limits %+v", w.Limits)
	}
}
