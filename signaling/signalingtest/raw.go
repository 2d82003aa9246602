package signalingtest

import (
	"crypto/tls"
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// Raw is a bare WebSocket client that can send anything, for tests of
// misbehaving peers.
type Raw struct {
	t  testing.TB
	WS *websocket.Conn
}

// rawDialer accepts any certificate: the test servers' are self-signed.
var rawDialer = &websocket.Dialer{HandshakeTimeout: 5 * time.Second,
	TLSClientConfig: &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}}

// RawDial opens a WebSocket to url (ws:// or wss://) without any
// handshake.
func RawDial(t testing.TB, url string) *Raw {
	t.Helper()
	ws, _, err := rawDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("signalingtest: raw dial: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	return &Raw{t: t, WS: ws}
}

// RawAuth dials url and authenticates as kp, letting mutate tamper with the
// auth body before it is sent. It returns the connection and the first
// message after auth (welcome, or the error). The audience signed is the
// challenge's; for a personal hub (no audience in the challenge) use
// RawAuthTo. The auth is bound to TLS when the challenge asks.
func RawAuth(t testing.TB, url string, kp *identity.KeyPair, mutate func(*signaling.Auth)) (*Raw, signaling.Envelope) {
	t.Helper()
	return RawAuthTo(t, url, "", kp, mutate)
}

// RawAuthTo is RawAuth signing audience (when not "") instead of the
// challenge's: a personal hub's peer id.
func RawAuthTo(t testing.TB, url, audience string, kp *identity.KeyPair, mutate func(*signaling.Auth)) (*Raw, signaling.Envelope) {
	t.Helper()
	r := RawDial(t, url)
	ch := r.Expect(signaling.TypeChallenge)
	var c signaling.Challenge
	if err := ch.DecodeBody(&c); err != nil {
		t.Fatal(err)
	}
	if audience == "" {
		audience = c.Audience
	}
	var binding []byte
	if c.Binding == signaling.BindingTLSExporter {
		binding = r.Binding()
	}
	a := signaling.SignAuth(kp, c, audience, time.Now(), nil, "", binding)
	if mutate != nil {
		mutate(&a)
	}
	r.SendBody(signaling.TypeAuth, a)
	return r, r.Next()
}

// Binding returns the connection's TLS channel binding, or nil over ws://.
func (r *Raw) Binding() []byte {
	tc, ok := r.WS.NetConn().(*tls.Conn)
	if !ok {
		return nil
	}
	cs := tc.ConnectionState()
	b, err := signaling.TLSBinding(&cs)
	if err != nil {
		r.t.Fatalf("signalingtest: %v", err)
	}
	return b
}

// Authed dials and authenticates as kp, failing unless welcomed.
func Authed(t testing.TB, url string, kp *identity.KeyPair) *Raw {
	t.Helper()
	return AuthedTo(t, url, "", kp)
}

// AuthedTo is Authed signing audience (a personal hub's peer id).
func AuthedTo(t testing.TB, url, audience string, kp *identity.KeyPair) *Raw {
	t.Helper()
	r, env := RawAuthTo(t, url, audience, kp, nil)
	if env.Type != signaling.TypeWelcome {
		t.Fatalf("signalingtest: want welcome, got %s %s", env.Type, env.Body)
	}
	return r
}

// SendText writes one text frame.
func (r *Raw) SendText(s string) {
	r.t.Helper()
	r.WS.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if err := r.WS.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		r.t.Fatalf("signalingtest: raw send: %v", err)
	}
}

// SendBody writes an envelope of type typ with body v.
func (r *Raw) SendBody(typ signaling.Type, v any) {
	r.t.Helper()
	env := Must(r.t, typ, v)
	r.Send(env)
}

// Send writes an envelope.
func (r *Raw) Send(env signaling.Envelope) {
	r.t.Helper()
	b, err := env.Encode()
	if err != nil {
		r.t.Fatal(err)
	}
	r.SendText(string(b))
}

// Next reads the next frame as an envelope (5 s limit).
func (r *Raw) Next() signaling.Envelope {
	r.t.Helper()
	env, err := r.TryNext(5 * time.Second)
	if err != nil {
		r.t.Fatalf("signalingtest: raw recv: %v", err)
	}
	return env
}

// TryNext reads the next frame as an envelope, returning read errors
// (close frames come back as *websocket.CloseError).
func (r *Raw) TryNext(timeout time.Duration) (signaling.Envelope, error) {
	r.WS.SetReadDeadline(time.Now().Add(timeout))
	_, data, err := r.WS.ReadMessage()
	if err != nil {
		return signaling.Envelope{}, err
	}
	env, err := signaling.Decode(data)
	if err != nil {
		r.t.Fatalf("signalingtest: server sent a bad frame %q: %v", data, err)
	}
	return env, nil
}

// Expect reads the next frame and fails unless it has type typ.
func (r *Raw) Expect(typ signaling.Type) signaling.Envelope {
	r.t.Helper()
	env := r.Next()
	if env.Type != typ {
		r.t.Fatalf("signalingtest: want %s, got %s %s", typ, env.Type, env.Body)
	}
	return env
}

// ExpectError reads the next frame and fails unless it is an error with
// code; it returns the error.
func (r *Raw) ExpectError(code signaling.Code) *signaling.Error {
	r.t.Helper()
	env := r.Expect(signaling.TypeError)
	e := signaling.ErrorOf(env)
	if e.Code != code {
		r.t.Fatalf("signalingtest: want error %s, got %s (%s)", code, e.Code, e.Message)
	}
	return e
}

// ExpectClose reads until the connection closes and returns the close
// code, failing if it stays open past timeout.
func (r *Raw) ExpectClose(timeout time.Duration) int {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		_, err := r.TryNext(time.Until(deadline))
		if err == nil {
			continue
		}
		if ce, ok := err.(*websocket.CloseError); ok {
			return ce.Code
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("signalingtest: connection still open after %s: %v", timeout, err)
		}
		return -1 // closed without a close frame
	}
}

// JSON marshals v or fails the test.
func JSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
