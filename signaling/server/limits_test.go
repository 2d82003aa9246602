package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

func TestFloodIsLimitedThenDisconnected(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{RatePerSecond: 20, Burst: 10})
	flooder := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	alice, bob := signalingtest.Key(t), signalingtest.Key(t)
	a := signalingtest.Dial(t, srv.URL, alice)
	b := signalingtest.Dial(t, srv.URL, bob)

	// Read everything the flooder gets, concurrently, so the server never
	// sees it as a slow consumer.
	var mu sync.Mutex
	counts := map[signaling.Type]int{}
	codes := map[signaling.Code]int{}
	closed := make(chan int, 1)
	go func() {
		for {
			env, err := flooder.TryNext(5 * time.Second)
			if err != nil {
				if ce, ok := err.(*websocket.CloseError); ok {
					closed <- ce.Code
				} else {
					closed <- -1
				}
				return
			}
			mu.Lock()
			counts[env.Type]++
			if env.Type == signaling.TypeError {
				codes[signaling.ErrorOf(env).Code]++
			}
			mu.Unlock()
		}
	}()
	for i := 0; i < 200; i++ {
		if err := flooder.WS.WriteMessage(websocket.TextMessage, []byte(`{"v":1,"type":"ping"}`)); err != nil {
			break // the server may already have cut us off
		}
	}
	// Meanwhile others are served normally.
	env := signalingtest.Must(t, signaling.TypeHangup, nil)
	env.To, env.Call = bob.ID(), "c"
	if err := a.Send(context.Background(), env); err != nil {
		t.Fatal(err)
	}
	if got := signalingtest.Recv(t, b, 3*time.Second); got.Type != signaling.TypeHangup {
		t.Fatalf("bystander got %s", got.Type)
	}
	select {
	case code := <-closed:
		if code != websocket.ClosePolicyViolation {
			t.Fatalf("flooder closed with %d, want 1008", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("flooder was never disconnected")
	}
	mu.Lock()
	defer mu.Unlock()
	if counts[signaling.TypePong] < 10 || counts[signaling.TypePong] > 40 {
		t.Errorf("pongs = %d, want about the burst (10) plus refill", counts[signaling.TypePong])
	}
	if codes[signaling.CodeRateLimited] < 1 || codes[signaling.CodeRateLimited] > 3 {
		t.Errorf("rate_limited notices = %d, want 1 notice per second plus the final one", codes[signaling.CodeRateLimited])
	}
}

func TestSlowConsumerIsDropped(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{WriteTimeout: 500 * time.Millisecond, RatePerSecond: 10000, Burst: 10000})
	sender := signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	sleepy := signalingtest.Key(t)
	signalingtest.Authed(t, srv.URL, sleepy) // never reads again
	pad := strings.Repeat("x", 60000)
	frame := `{"v":1,"type":"hangup","to":"` + sleepy.ID().String() + `","call":"c","body":{"pad":"` + pad + `"}}`
	// The sender reads everything it gets, so it is never slow itself.
	unavailable := make(chan struct{}, 1)
	pong := make(chan struct{}, 1)
	go func() {
		for {
			env, err := sender.TryNext(10 * time.Second)
			if err != nil {
				return
			}
			switch {
			case env.Type == signaling.TypeError && signaling.ErrorOf(env).Code == signaling.CodeUnavailable:
				select {
				case unavailable <- struct{}{}:
				default:
				}
			case env.Type == signaling.TypePong && env.ID == "after":
				pong <- struct{}{}
				return
			}
		}
	}()
	deadline := time.Now().Add(10 * time.Second)
	told := false
	for !told && time.Now().Before(deadline) {
		sender.SendText(frame)
		select {
		case <-unavailable:
			told = true // stop: the sender should not flood itself with errors
		default:
		}
	}
	if !told {
		t.Fatal("sender was not told the peer is unavailable")
	}
	for srv.Hub().Online(sleepy.ID()) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if srv.Hub().Online(sleepy.ID()) {
		t.Fatal("a client that never reads is still connected")
	}
	sender.SendText(`{"v":1,"type":"ping","id":"after"}`)
	select {
	case <-pong:
	case <-time.After(5 * time.Second):
		t.Fatal("the sender stopped working after its peer was dropped")
	}
}

func TestHalfOpenClientIsDropped(t *testing.T) {
	// 200 ms pings: a client silent for 600 ms is dropped. (50 ms made the
	// live client's own reader, stalled 150 ms on a loaded CI machine,
	// look half-open too.)
	srv := signalingtest.Serve(t, server.Config{PingInterval: 200 * time.Millisecond})
	ghost := signalingtest.Key(t)
	signalingtest.Authed(t, srv.URL, ghost) // never reads, so never answers pings
	live := signalingtest.Key(t)
	conn := signalingtest.Dial(t, srv.URL, live) // answers pings while it reads
	go func() {
		for {
			if _, err := conn.Recv(); err != nil {
				return
			}
		}
	}()
	deadline := time.Now().Add(3 * time.Second)
	for srv.Hub().Online(ghost.ID()) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if srv.Hub().Online(ghost.ID()) {
		t.Fatal("half-open client still online after 3 s with a 200 ms ping interval")
	}
	time.Sleep(2 * time.Second) // several idle timeouts
	if !srv.Hub().Online(live.ID()) {
		t.Fatal("a client answering pings was dropped")
	}
}

func TestConnectionsPerIPAreLimited(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{MaxConnsPerIP: 2})
	signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	second := signalingtest.RawDial(t, srv.URL) // counts while in the handshake
	_, resp, err := websocket.DefaultDialer.Dial(srv.URL, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third connection: err=%v resp=%v, want HTTP 429", err, resp)
	}
	second.WS.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		ws, _, err := websocket.DefaultDialer.Dial(srv.URL, nil)
		if err == nil {
			ws.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot never freed after a close: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Connections that have not authenticated are capped across all
// addresses: past the cap the upgrade is refused with 503; authenticated
// connections do not count, and a handshake that ends frees its slot.
func TestUnauthenticatedConnectionsAreCapped(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{MaxUnauthenticated: 3, MaxConnsPerIP: -1})
	for range 4 { // authenticated: not counted
		signalingtest.Authed(t, srv.URL, signalingtest.Key(t))
	}
	var held []*signalingtest.Raw
	for range 3 {
		r := signalingtest.RawDial(t, srv.URL)
		r.Expect(signaling.TypeChallenge)
		held = append(held, r)
	}
	_, resp, err := websocket.DefaultDialer.Dial(srv.URL, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("fourth unauthenticated connection: err=%v resp=%v, want HTTP 503", err, resp)
	}
	body, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(body), "too_many_unauthenticated") {
		t.Errorf("503 body %q, want too_many_unauthenticated", body)
	}
	held[0].WS.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		ws, _, err := websocket.DefaultDialer.Dial(srv.URL, nil)
		if err == nil {
			ws.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot never freed after a close: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOriginCheck(t *testing.T) {
	tests := []struct {
		name    string
		allowed []string
		origin  string
		ok      bool
	}{
		{"no origin (native client)", nil, "", true},
		{"same host", nil, "SAME", true},
		{"cross site", nil, "http://evil.example", false},
		{"listed", []string{"app://peerline"}, "app://peerline", true},
		{"not listed", []string{"app://peerline"}, "http://evil.example", false},
		{"wildcard", []string{"*"}, "http://anything.example", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := signalingtest.Serve(t, server.Config{AllowedOrigins: tc.allowed})
			h := http.Header{}
			if tc.origin == "SAME" {
				h.Set("Origin", strings.Replace(srv.HTTP.URL, "ws", "http", 1))
			} else if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			ws, resp, err := websocket.DefaultDialer.Dial(srv.URL, h)
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				ws.Close()
				return
			}
			if err == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("want HTTP 403, got err=%v", err)
			}
		})
	}
}

func TestHealthzAndMetrics(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{})
	a, b := signalingtest.Key(t), signalingtest.Key(t)
	ca := signalingtest.Dial(t, srv.URL, a)
	cb := signalingtest.Dial(t, srv.URL, b)
	env := signalingtest.Must(t, signaling.TypeHangup, nil)
	env.To, env.Call = b.ID(), "c"
	ca.Send(context.Background(), env)
	signalingtest.Recv(t, cb, 3*time.Second)
	signalingtest.RawAuth(t, srv.URL, signalingtest.Key(t), func(a *signaling.Auth) { a.Sig[0] ^= 1 })

	resp, err := http.Get(srv.HTTP.URL + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", err, resp)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.HTTP.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	body := sb.String()
	for _, want := range []string{
		"peerline_signal_connections 2",
		"peerline_signal_messages_relayed_total 1",
		"peerline_signal_auth_failures_total 1",
		`peerline_signal_errors_total{code="auth_failed"} 1`,
		`peerline_signal_errors_total{code="unavailable"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
