package signaling

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling/identity"
)

// DefaultReadTimeout is how long a Conn waits for any frame (a server
// ping counts) before it declares the server gone.
const DefaultReadTimeout = 90 * time.Second

// DialConfig says where and as whom to connect. Identity and URL are
// required; the zero value of every other field works.
type DialConfig struct {
	// URL is the server's WebSocket URL, e.g. "wss://signal.example.com/v1/signal".
	URL string
	// Identity signs the handshake.
	Identity Signer
	// Token is the server's access token, if it needs one.
	Token string
	// ExpectPeer, when set, is the listener the caller means to reach (a
	// LAN peer): URL must be wss://, the client signs this id as the
	// audience, and both signatures are bound to the TLS session (the
	// listener must prove this key over it). The listener's certificate
	// is not checked: it is ephemeral and self-signed, and the bound
	// signatures are the authentication. Default: any server whose
	// audience matches URL, with the certificate checked as usual.
	ExpectPeer identity.PeerID
	// Probe makes this a proof only: the listener proves its key in
	// welcome, then closes without attaching the connection, so it never
	// replaces a link the client already has. Default false.
	Probe bool
	// Header is sent with the upgrade request (e.g. Origin).
	Header http.Header
	// Dialer dials the WebSocket. Default: a dialer with a 10 s handshake
	// timeout and no proxy.
	Dialer *websocket.Dialer
	// ReadTimeout: see DefaultReadTimeout.
	ReadTimeout time.Duration
	// MaxMessageBytes is the largest frame this end reads. The welcome's
	// max_message_bytes can only lower it, never raise it: a server is
	// not trusted with this end's memory. A larger frame ends the
	// connection (an error matching ErrTooLarge). Default DefaultMaxMessageBytes.
	MaxMessageBytes int
	// Now returns the time (tests). Default time.Now.
	Now func() time.Time
}

var defaultDialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 4096}

// Conn is one authenticated connection to a signaling server. Send is safe
// for concurrent use; Recv must be called from one goroutine.
type Conn struct {
	ws          *websocket.Conn
	tls         *tls.ConnectionState // nil over ws://
	welcome     Welcome
	readTimeout time.Duration
	maxRead     int // largest frame read, before the stamping slack (readLimit)
	wmu         sync.Mutex
	closeOnce   sync.Once
}

// Dial connects and authenticates. Errors from the server (auth_failed,
// too many connections) come back as *Error where the server said why.
func Dial(ctx context.Context, cfg DialConfig) (*Conn, error) {
	if cfg.Identity == nil || cfg.URL == "" {
		return nil, errors.New("signaling: dial: URL and Identity are required")
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	d := cfg.Dialer
	if d == nil {
		d = defaultDialer
	}
	if !cfg.ExpectPeer.IsZero() {
		if u, err := url.Parse(cfg.URL); err != nil || u.Scheme != "wss" {
			return nil, fmt.Errorf("signaling: dial %s: %w", cfg.URL, ErrLANNeedsTLS)
		}
		d = lanDialer(d)
	}
	ws, resp, err := d.DialContext(ctx, cfg.URL, cfg.Header)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("signaling: dial %s: HTTP %s: %w", cfg.URL, resp.Status, err)
		}
		return nil, fmt.Errorf("signaling: dial %s: %w", cfg.URL, err)
	}
	c := &Conn{ws: ws, readTimeout: cfg.ReadTimeout, maxRead: cfg.MaxMessageBytes}
	if c.maxRead <= 0 {
		c.maxRead = DefaultMaxMessageBytes
	}
	ws.SetReadLimit(readLimit(c.maxRead))
	if tc, ok := ws.NetConn().(*tls.Conn); ok {
		cs := tc.ConnectionState()
		c.tls = &cs
	}
	if c.readTimeout == 0 {
		c.readTimeout = DefaultReadTimeout
	}
	if err := c.handshake(ctx, cfg, now); err != nil {
		c.Close()
		return nil, fmt.Errorf("signaling: dial %s: %w", cfg.URL, err)
	}
	ws.SetPingHandler(func(data string) error {
		ws.SetReadDeadline(time.Now().Add(c.readTimeout))
		c.wmu.Lock()
		defer c.wmu.Unlock()
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(5*time.Second))
		if errors.Is(err, websocket.ErrCloseSent) {
			return nil
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return nil
		}
		return err
	})
	return c, nil
}

func (c *Conn) handshake(ctx context.Context, cfg DialConfig, now func() time.Time) error {
	if dl, ok := ctx.Deadline(); ok {
		c.ws.SetReadDeadline(dl)
	} else {
		c.ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	}
	stop := context.AfterFunc(ctx, func() { c.ws.SetReadDeadline(time.Now()) })
	defer stop()

	env, err := c.recvRaw()
	if err != nil {
		return fmt.Errorf("read challenge: %w", err)
	}
	if env.Type == TypeError {
		return errorFromEnvelope(env)
	}
	if env.Type != TypeChallenge {
		return fmt.Errorf("expected challenge, got %s", env.Type)
	}
	var ch Challenge
	if err := env.DecodeBody(&ch); err != nil {
		return err
	}
	audience := ch.Audience
	var binding []byte
	if !cfg.ExpectPeer.IsZero() {
		// A LAN hub says nothing about itself before we authenticate: we
		// sign the id we mean to reach, bound to this TLS session, and
		// the hub proves that key over the same session in welcome.
		if ch.Audience != "" && ch.Audience != cfg.ExpectPeer.String() {
			return &Error{Code: CodeAuthFailed, Message: "listener is " + shortText(ch.Audience) + ", expected " + cfg.ExpectPeer.Short()}
		}
		audience = cfg.ExpectPeer.String()
		if ch.Binding != BindingTLSExporter {
			return &Error{Code: CodeAuthFailed, Message: "listener does not bind auth to TLS (an old or rogue hub, or a relay)"}
		}
		b, err := TLSBinding(c.tls)
		if err != nil {
			return &Error{Code: CodeAuthFailed, Message: err.Error()}
		}
		binding = b
	} else {
		if !SameEndpoint(ch.Audience, cfg.URL) {
			return &Error{Code: CodeAuthFailed, Message: fmt.Sprintf("server calls itself %.128q but %q was dialed", ch.Audience, cfg.URL)}
		}
		if ch.Binding == BindingTLSExporter {
			// The server terminates TLS itself: bind, so a signature
			// cannot be relayed into another session. Behind a TLS
			// proxy the server does not ask, and certificates alone
			// authenticate it.
			binding, _ = TLSBinding(c.tls)
		}
	}
	clientNonce := NewNonce()
	auth := SignAuth(cfg.Identity, ch, audience, now(), clientNonce, cfg.Token, binding)
	auth.Probe = cfg.Probe
	out, err := New(TypeAuth, auth)
	if err != nil {
		return err
	}
	if err := c.Send(ctx, out); err != nil {
		return err
	}
	env, err = c.recvRaw()
	if err != nil {
		return fmt.Errorf("read welcome: %w", err)
	}
	if env.Type == TypeError {
		return errorFromEnvelope(env)
	}
	if env.Type != TypeWelcome {
		return fmt.Errorf("expected welcome, got %s", env.Type)
	}
	if err := env.DecodeBody(&c.welcome); err != nil {
		return err
	}
	// The server's limit may lower ours, never raise it; Welcome reports
	// the limit in force.
	if n := c.welcome.Limits.MaxMessageBytes; n > 0 && n < c.maxRead {
		c.maxRead = n
		c.ws.SetReadLimit(readLimit(n))
	}
	c.welcome.Limits.MaxMessageBytes = c.maxRead
	if !c.welcome.Peer.Equal(cfg.Identity.ID()) {
		return &Error{Code: CodeAuthFailed, Message: "server welcomed another peer id"}
	}
	if !cfg.ExpectPeer.IsZero() || c.welcome.Listener != nil {
		if err := VerifyListener(c.welcome.Listener, clientNonce, audience, cfg.Identity.ID(), cfg.ExpectPeer, binding, now()); err != nil {
			return err
		}
	}
	c.ws.SetReadDeadline(time.Now().Add(c.readTimeout))
	return nil
}

// readLimit is the WebSocket read limit for frames of at most max bytes:
// a server may stamp "from" onto a frame at its size limit, so a little
// more is allowed; gorilla refuses a frame over it from its header, before
// reading the payload.
func readLimit(max int) int64 { return int64(max) + 1024 }

func shortText(s string) string {
	if id, err := identity.Parse(s); err == nil {
		return id.Short()
	}
	if len(s) > 64 {
		return s[:64]
	}
	return s
}

// Welcome returns what the server said after auth: the authenticated id,
// ICE servers, limits, and on the LAN the listener's proof (with its name).
func (c *Conn) Welcome() Welcome { return c.welcome }

// TLS returns the connection's TLS state, or nil over ws://. On the LAN
// its PeerCertificates[0] is the hub's ephemeral certificate, which the
// bound handshake has just tied to the hub's key: a liveness probe can
// pin it.
func (c *Conn) TLS() *tls.ConnectionState { return c.tls }

// lanDialer returns d for a LAN hub: TLS 1.3 (the exporter binding needs
// it), HTTP/1.1, and no certificate check, because the hub's certificate
// is ephemeral and self-signed and the bound signatures authenticate it.
func lanDialer(d *websocket.Dialer) *websocket.Dialer {
	dd := *d
	tc := &tls.Config{}
	if d.TLSClientConfig != nil {
		tc = d.TLSClientConfig.Clone()
	}
	tc.MinVersion = tls.VersionTLS13
	tc.InsecureSkipVerify = true // authentication is the bound handshake
	tc.NextProtos = []string{"http/1.1"}
	dd.TLSClientConfig = tc
	return &dd
}

// Send writes one message. The context bounds the write.
func (c *Conn) Send(ctx context.Context, env Envelope) error {
	frame, err := env.Encode()
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(10 * time.Second)
	}
	c.ws.SetWriteDeadline(dl)
	if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		return fmt.Errorf("signaling: send %s: %w", env.Type, err)
	}
	return nil
}

// Recv reads the next message. Error messages from the server are returned
// as envelopes of TypeError, not as Go errors, so the caller can match
// them to what it sent; a server error that closes the connection is
// returned as the *Error after the envelope. Transport failures and close
// are errors.
func (c *Conn) Recv() (Envelope, error) {
	env, err := c.recvRaw()
	if err == nil {
		c.ws.SetReadDeadline(time.Now().Add(c.readTimeout))
	}
	return env, err
}

func (c *Conn) recvRaw() (Envelope, error) {
	for {
		mt, data, err := c.ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				// gorilla has sent close 1009; the caller drops the connection.
				return Envelope{}, fmt.Errorf("signaling: recv: %w", &Error{Code: CodeTooLarge,
					Message: fmt.Sprintf("the server sent a frame over %d bytes", readLimit(c.maxRead))})
			}
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return Envelope{}, &CloseError{Code: ce.Code, Text: ce.Text}
			}
			return Envelope{}, fmt.Errorf("signaling: recv: %w", err)
		}
		if mt != websocket.TextMessage {
			continue
		}
		env, err := Decode(data)
		if errors.Is(err, ErrUnknownType) || errors.Is(err, ErrBadVersion) {
			continue // from a newer server: skip what we do not understand
		}
		if err != nil {
			return Envelope{}, fmt.Errorf("signaling: recv: server sent a bad message: %w", err)
		}
		return env, nil
	}
}

// Close closes the connection with a normal close frame.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.wmu.Lock()
		c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		c.wmu.Unlock()
		c.ws.Close()
	})
	return nil
}

// CloseError is the WebSocket close the server sent; Text is the error
// code's wire name when the protocol closed the connection.
type CloseError struct {
	Code int
	Text string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("signaling: connection closed (%d %s)", e.Code, e.Text)
}

// ErrorOf returns the *Error carried by an error envelope.
func ErrorOf(env Envelope) *Error { return errorFromEnvelope(env) }

func errorFromEnvelope(env Envelope) *Error {
	var e Error
	if err := env.DecodeBody(&e); err != nil {
		return &Error{Code: CodeUnknown, Message: "undecodable error message"}
	}
	return &e
}
