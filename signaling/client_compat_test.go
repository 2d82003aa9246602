package signaling_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// newerServer speaks the handshake, then sends what a newer or hostile
// server might: unknown types, another version, and a huge frame.
func newerServer(t *testing.T) string {
	t.Helper()
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		send := func(env signaling.Envelope) {
			b, _ := env.Encode()
			ws.WriteMessage(websocket.TextMessage, b)
		}
		ch, _ := signaling.New(signaling.TypeChallenge, signaling.Challenge{Nonce: signaling.NewNonce(), Audience: "ws://" + r.Host + r.URL.Path})
		send(ch)
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		env, _ := signaling.Decode(data)
		var a signaling.Auth
		env.DecodeBody(&a)
		wel, _ := signaling.New(signaling.TypeWelcome, signaling.Welcome{Peer: a.Peer})
		send(wel)
		ws.WriteMessage(websocket.TextMessage, []byte(`{"v":1,"type":"hologram","body":{}}`))
		ws.WriteMessage(websocket.TextMessage, []byte(`{"v":2,"type":"ping"}`))
		ws.WriteMessage(websocket.TextMessage, []byte(`{"v":1,"type":"pong","id":"p1"}`))
		ws.WriteMessage(websocket.TextMessage, []byte(`{"v":1,"type":"pong","body":{"pad":"`+strings.Repeat("x", 4<<20)+`"}}`))
		time.Sleep(time.Second)
	}))
	t.Cleanup(hs.Close)
	return "ws" + strings.TrimPrefix(hs.URL, "http") + signaling.Path
}

func TestClientSkipsUnknownAndRefusesHugeFrames(t *testing.T) {
	url := newerServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := signaling.Dial(ctx, signaling.DialConfig{URL: url, Identity: signalingtest.Key(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	env, err := c.Recv()
	if err != nil || env.Type != signaling.TypePong || env.ID != "p1" {
		t.Fatalf("Recv = %v %v, want the pong after the frames it cannot understand", env.Type, err)
	}
	if _, err := c.Recv(); err == nil {
		t.Fatal("a 4 MiB frame was accepted")
	}
}
