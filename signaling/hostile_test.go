package signaling_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// hostileServer is a signaling server that completes the handshake
// honestly, announcing limits, then runs script on the connection: a
// malicious or compromised server as the client meets it. It returns the
// URL.
func hostileServer(t *testing.T, limits signaling.Limits, script func(ws *websocket.Conn)) string {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		aud := "ws://" + r.Host + signaling.Path
		if !writeEnv(ws, signaling.TypeChallenge, signaling.Challenge{Nonce: signaling.NewNonce(), Audience: aud}) {
			return
		}
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		env, err := signaling.Decode(data)
		var a signaling.Auth
		if err != nil || env.DecodeBody(&a) != nil {
			return
		}
		if !writeEnv(ws, signaling.TypeWelcome, signaling.Welcome{Peer: a.Peer, Limits: limits}) {
			return
		}
		script(ws)
		<-done
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return "ws" + strings.TrimPrefix(srv.URL, "http") + signaling.Path
}

func writeEnv(ws *websocket.Conn, typ signaling.Type, body any) bool {
	env, err := signaling.New(typ, body)
	if err != nil {
		return false
	}
	frame, err := env.Encode()
	return err == nil && ws.WriteMessage(websocket.TextMessage, frame) == nil
}

// countingDialer dials TCP and counts the bytes the client reads.
func countingDialer(read *atomic.Int64) *websocket.Dialer {
	return &websocket.Dialer{
		HandshakeTimeout: 5 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &countingConn{Conn: nc, read: read}, nil
		},
	}
}

type countingConn struct {
	net.Conn
	read *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

// A server announcing a huge max_message_bytes and then streaming a
// message far over the client's own limit: the client stops reading at its
// own limit, reports too_large and drops the connection. (Before, the
// welcome raised the client's limit to what the server said: 1<<62 let one
// 300 MiB frame into memory, and the connection stayed up.)
func TestClientClampsServerMaxMessageBytes(t *testing.T) {
	const offered = 2 << 20 // the server's message; the client must not read it
	url := hostileServer(t, signaling.Limits{MaxMessageBytes: 1 << 62, RatePerSecond: 50, Burst: 200}, func(ws *websocket.Conn) {
		w, err := ws.NextWriter(websocket.TextMessage)
		if err != nil {
			return
		}
		// An unknown type, which a client skips: only the size can end it.
		w.Write([]byte(`{"v":1,"type":"from_the_future","body":{"pad":"`))
		chunk := []byte(strings.Repeat("x", 32<<10))
		for sent := 0; sent < offered; sent += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		w.Write([]byte(`"}}`))
		if w.Close() != nil {
			return
		}
		writeEnv(ws, signaling.TypePresence, signaling.Presence{Peer: signalingtest.Key(t).ID(), Online: true})
	})
	var read atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := signaling.Dial(ctx, signaling.DialConfig{URL: url, Identity: signalingtest.Key(t), Dialer: countingDialer(&read)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := conn.Welcome().Limits.MaxMessageBytes; got != signaling.DefaultMaxMessageBytes {
		t.Errorf("limit in force = %d, want the client's own %d", got, signaling.DefaultMaxMessageBytes)
	}
	env, err := conn.Recv()
	if !errors.Is(err, signaling.ErrTooLarge) {
		t.Fatalf("Recv = %s %v, want an error matching ErrTooLarge", env.Type, err)
	}
	// What the client read is its limit plus at most a read buffer or two,
	// nowhere near the message.
	if n, max := read.Load(), int64(2*signaling.DefaultMaxMessageBytes); n > max {
		t.Errorf("client read %d bytes of a %d-byte message, want at most %d", n, offered, max)
	}
	if _, err := conn.Recv(); err == nil {
		t.Error("connection still delivers after a frame over the limit")
	}
}

// A server may lower the client's limit, and the lower one is enforced.
func TestClientTakesLowerServerLimit(t *testing.T) {
	url := hostileServer(t, signaling.Limits{MaxMessageBytes: 2048}, func(ws *websocket.Conn) {
		writeEnv(ws, signaling.TypePresence, signaling.Presence{Peer: signalingtest.Key(t).ID(), Online: true})
		ws.WriteMessage(websocket.TextMessage, []byte(`{"v":1,"type":"from_the_future","body":{"pad":"`+strings.Repeat("x", 8<<10)+`"}}`))
	})
	conn, err := signaling.Dial(context.Background(), signaling.DialConfig{URL: url, Identity: signalingtest.Key(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := conn.Welcome().Limits.MaxMessageBytes; got != 2048 {
		t.Errorf("limit in force = %d, want the server's lower 2048", got)
	}
	if env, err := conn.Recv(); err != nil || env.Type != signaling.TypePresence {
		t.Fatalf("Recv = %s %v, want the small presence", env.Type, err)
	}
	if _, err := conn.Recv(); !errors.Is(err, signaling.ErrTooLarge) {
		t.Fatalf("Recv = %v, want an error matching ErrTooLarge for 8 KiB over a 2 KiB limit", err)
	}
}

// A server's presence is a hint about watched peers only: presence for
// peers the client does not watch is dropped, so a server cannot grow what
// the app tracks, nor put strangers in its lists. (Before, every presence
// frame reached the app, whatever peer it named.)
func TestClientKeepsPresenceOfWatchedPeersOnly(t *testing.T) {
	watched, stranger := signalingtest.Key(t).ID(), signalingtest.Key(t).ID()
	subscribed := make(chan struct{})
	url := hostileServer(t, signaling.Limits{MaxMessageBytes: signaling.DefaultMaxMessageBytes}, func(ws *websocket.Conn) {
		if _, _, err := ws.ReadMessage(); err != nil { // the subscribe
			return
		}
		close(subscribed)
		for range 100 {
			writeEnv(ws, signaling.TypePresence, signaling.Presence{Peer: stranger, Online: true})
		}
		writeEnv(ws, signaling.TypePresenceList, signaling.PresenceList{Online: []signaling.PeerID{stranger, watched}, Offline: []signaling.PeerID{}})
	})
	c, err := signaling.NewClient(signaling.ClientConfig{DialConfig: signaling.DialConfig{URL: url, Identity: signalingtest.Key(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Subscribe(context.Background(), []signaling.PeerID{watched}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	defer func() { cancel(); <-done }()
	<-subscribed
	ev := nextEvent(t, c, signaling.EventPresence, 5*time.Second)
	if len(ev.Presence) != 1 || ev.Presence[0].Peer != watched || !ev.Presence[0].Online {
		t.Fatalf("first presence event %+v, want only the watched peer online", ev.Presence)
	}
}

// More peers than a server lets a connection watch are refused here
// already, before anything is sent.
func TestClientRefusesOversizeSubscribe(t *testing.T) {
	c, err := signaling.NewClient(signaling.ClientConfig{DialConfig: signaling.DialConfig{URL: "ws://127.0.0.1:1/v1/signal", Identity: signalingtest.Key(t)}})
	if err != nil {
		t.Fatal(err)
	}
	peers := make([]signaling.PeerID, signaling.MaxSubscribe+1)
	for i := range peers {
		peers[i] = signalingtest.Key(t).ID()
	}
	if err := c.Subscribe(context.Background(), peers); !errors.Is(err, signaling.ErrTooManyPeers) {
		t.Fatalf("Subscribe(%d peers) = %v, want too_many_peers", len(peers), err)
	}
}
