package server_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

func TestGracefulShutdownTellsClientsToReconnect(t *testing.T) {
	const base = 400 * time.Millisecond
	srv := signalingtest.Serve(t, server.Config{RetryAfter: base})
	clients := []*signalingtest.Raw{
		signalingtest.Authed(t, srv.URL, signalingtest.Key(t)),
		signalingtest.Authed(t, srv.URL, signalingtest.Key(t)),
	}
	pending := signalingtest.RawDial(t, srv.URL) // still in its handshake
	pending.Expect(signaling.TypeChallenge)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()

	for i, c := range clients {
		e := c.ExpectError(signaling.CodeShuttingDown)
		if e.RetryMs < int(base/time.Millisecond) || e.RetryMs > int(2*base/time.Millisecond) {
			t.Errorf("client %d: retry_ms %d outside [%d, %d]", i, e.RetryMs, base/time.Millisecond, 2*base/time.Millisecond)
		}
		if code := c.ExpectClose(3 * time.Second); code != websocket.CloseServiceRestart {
			t.Errorf("client %d: close code %d, want 1012", i, code)
		}
	}
	pending.ExpectError(signaling.CodeShuttingDown)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if srv.Hub().Len() != 0 {
		t.Fatalf("hub still holds %d peers", srv.Hub().Len())
	}
	resp, err := http.Get(srv.HTTP.URL + "/healthz")
	if err != nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("healthz after shutdown: %v %v", err, resp)
	}
	if _, resp, err := websocket.DefaultDialer.Dial(srv.URL, nil); err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("new connection during shutdown: err=%v", err)
	}
}

func TestShutdownDeadlineCutsStuckClients(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{WriteTimeout: 10 * time.Second})
	signalingtest.Authed(t, srv.URL, signalingtest.Key(t)) // never reads: cannot answer the close
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	srv.Shutdown(ctx)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Shutdown took %s with a 200 ms deadline", d)
	}
}
