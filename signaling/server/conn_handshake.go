package server

// A conn's handshake (challenge, auth, welcome) and the liveness that
// follows it (read deadlines, pings).

import (
	"errors"
	"net"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// handshake sends the challenge and checks the answer. binding is the
// connection's TLS channel binding (nil without TLS). On failure it has
// already sent the error and queued the close.
//
// A personal hub's challenge holds only the nonce and the binding type:
// nothing before authentication says whose hub this is (a web page
// rebinding DNS to it, or a scanner, learns no peer id). Its clients must
// sign the id they expect, bound to the TLS session.
func (c *conn) handshake(audience string, binding []byte) (peer identity.PeerID, probe bool, err error) {
	cfg := &c.srv.cfg
	nonce := signaling.NewNonce()
	ch := signaling.Challenge{Nonce: nonce, Audience: audience}
	if cfg.Personal {
		ch.Audience = ""
	}
	if binding != nil {
		ch.Binding = signaling.BindingTLSExporter
	}
	c.extendRead(cfg.AuthTimeout)
	c.Send(mustEncode(signaling.TypeChallenge, ch))

	fail := func(e *signaling.Error) (identity.PeerID, bool, error) {
		c.srv.metrics.authFails.Inc()
		c.Fail(e)
		return identity.PeerID{}, false, e
	}
	data, err := c.readFrame()
	if err != nil {
		var se *signaling.Error
		if errors.As(err, &se) {
			return fail(se)
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fail(&signaling.Error{Code: signaling.CodeAuthFailed, Message: "no auth before the timeout"})
		}
		return identity.PeerID{}, false, err
	}
	env, err := signaling.Decode(data)
	if err != nil || env.Type != signaling.TypeAuth {
		return fail(&signaling.Error{Code: signaling.CodeAuthRequired, Message: "the first message must be a valid auth", Ref: env.ID})
	}
	var a signaling.Auth
	if err := env.DecodeBody(&a); err != nil {
		return fail(&signaling.Error{Code: signaling.CodeAuthFailed, Message: err.(*signaling.Error).Message, Ref: env.ID})
	}
	if !c.srv.checkToken(a.Token) {
		return fail(&signaling.Error{Code: signaling.CodeAuthFailed, Message: "access token missing or wrong", Ref: env.ID})
	}
	if cfg.Personal && a.Binding == "" {
		return fail(&signaling.Error{Code: signaling.CodeAuthFailed, Message: "a LAN hub takes only auth bound to TLS (binding tls-exporter)", Ref: env.ID})
	}
	peer, err = signaling.VerifyAuth(a, nonce, audience, binding, cfg.Now())
	if err != nil {
		return fail(err.(*signaling.Error))
	}
	if a.Binding == "" {
		binding = nil // the proof is bound only if the auth was
	}
	c.peer = peer
	c.hold()
	if !c.Send(mustEncode(signaling.TypeWelcome, c.srv.welcome(peer, a, audience, binding))) {
		// Failed meanwhile (shutdown): do not announce a dying peer.
		return identity.PeerID{}, false, signaling.ErrShuttingDown
	}
	if a.Probe {
		// A proof only: close after the welcome, never attach.
		c.enqueue(outItem{close: true, closeCode: websocket.CloseNormalClosure, closeText: "probe"}, true)
		return peer, true, nil
	}

	// From here on liveness is the ping timer's job: every pong (and the
	// first message) pushes the read deadline out.
	idle := 3 * cfg.PingInterval
	c.extendRead(idle)
	c.ws.SetPongHandler(func(string) error {
		c.extendRead(idle)
		return nil
	})
	c.pinger = time.AfterFunc(cfg.PingInterval, c.ping)
	return peer, false, nil
}

// readFrame reads the next message into a fresh buffer, enforcing the size
// limit and the text-only rule. Errors that the protocol reports to the
// client are *signaling.Error; others are transport errors.
func (c *conn) readFrame() ([]byte, error) {
	mt, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	if mt != websocket.TextMessage {
		// Only the handshake reads here: a binary frame is not an auth.
		return nil, &signaling.Error{Code: signaling.CodeAuthRequired, Message: "binary frames are not part of the protocol; the first message must be a valid auth"}
	}
	bp := readPool.Get().(*[]byte)
	data, err := readLimited((*bp)[:0], r, c.srv.cfg.MaxMessageBytes)
	if err != nil {
		readPool.Put(bp)
		return nil, err
	}
	out := append([]byte(nil), data...)
	*bp = data[:0]
	readPool.Put(bp)
	return out, nil
}

// extendRead pushes the read deadline d into the future, unless the close
// frame is out: then the close grace deadline stands.
func (c *conn) extendRead(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closeSent {
		c.ws.NetConn().SetReadDeadline(time.Now().Add(d))
	}
}

func (c *conn) ping() {
	if c.isClosed() {
		return
	}
	if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(c.srv.cfg.WriteTimeout)); err != nil {
		return
	}
	c.pinger.Reset(c.srv.cfg.PingInterval)
}

func mustEncode(t signaling.Type, body any) []byte {
	env, err := signaling.New(t, body)
	if err != nil {
		panic(err) // only for server-built bodies, which always marshal
	}
	frame, err := env.Encode()
	if err != nil {
		panic(err)
	}
	return frame
}
