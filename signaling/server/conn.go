package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"runtime"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/hub"
	"github.com/peerline/peerline/signaling/identity"
)

// closeGrace is how long a closing connection waits for the client's close
// reply, so the close frame is not lost to a TCP reset.
const closeGrace = time.Second

// outItem is one queued write: a text frame, or the final close frame.
type outItem struct {
	frame     []byte
	pooled    *[]byte // frame's buffer when it goes back to hub.PutFrame
	closeCode int
	closeText string
}

// conn is one client connection. It has at most two goroutines: the read
// loop, and a writer that exists only while frames are queued, so an idle
// connection costs one parked goroutine and a few small structs.
type conn struct {
	srv     *Server
	ws      *websocket.Conn
	bc      *batchConn    // ws's network connection
	br      *bufio.Reader // ws's read buffer, nil if gorilla made its own
	ip      string
	peer    identity.PeerID
	limiter *rate.Limiter
	pinger  *time.Timer

	mu        sync.Mutex
	idle      sync.Cond // signalled when the writer exits
	queue     []outItem
	writing   bool
	held      bool // frames queue up but the writer waits (see release)
	closed    bool // no more frames are accepted
	failing   bool // a Fail is under way
	closeSent bool

	// Read-loop state.
	strikes    int
	lastNotice time.Time

	finishOnce sync.Once
}

func newConn(s *Server, ws *websocket.Conn, ip string) *conn {
	c := &conn{srv: s, ws: ws, ip: ip,
		limiter: rate.NewLimiter(rate.Limit(s.cfg.RatePerSecond), s.cfg.Burst)}
	c.idle.L = &c.mu
	return c
}

// Peer implements hub.Conn.
func (c *conn) Peer() identity.PeerID { return c.peer }

// Send implements hub.Conn.
func (c *conn) Send(frame []byte) bool { return c.enqueue(outItem{frame: frame}, false) }

// SendPooled implements hub.PooledSender.
func (c *conn) SendPooled(bp *[]byte) bool {
	return c.enqueue(outItem{frame: *bp, pooled: bp}, false)
}

// Fail implements hub.Conn: send e, then close with the matching code.
func (c *conn) Fail(e *signaling.Error) {
	frame := encodeError(e)
	c.mu.Lock()
	if c.closed || c.failing {
		c.mu.Unlock()
		return
	}
	c.failing = true // one Fail wins when several race (replaced + shutdown)
	c.mu.Unlock()
	c.srv.metrics.errors.WithLabelValues(e.Code.String()).Inc()
	c.enqueue(outItem{frame: frame}, false)
	c.enqueue(outItem{closeCode: closeCodeFor(e.Code), closeText: e.Code.String()}, true)
}

// sendError reports a non-fatal error to the client.
func (c *conn) sendError(e *signaling.Error) {
	c.srv.metrics.errors.WithLabelValues(e.Code.String()).Inc()
	c.enqueue(outItem{frame: encodeError(e)}, false)
}

func encodeError(e *signaling.Error) []byte {
	env, err := signaling.New(signaling.TypeError, e)
	if err == nil {
		if frame, err := env.Encode(); err == nil {
			return frame
		}
	}
	return []byte(`{"v":1,"type":"error","body":{"code":"internal","message":"encode error"}}`)
}

func closeCodeFor(code signaling.Code) int {
	switch code {
	case signaling.CodeTooLarge:
		return websocket.CloseMessageTooBig
	case signaling.CodeReplaced:
		return websocket.CloseNormalClosure
	case signaling.CodeShuttingDown:
		return websocket.CloseServiceRestart
	case signaling.CodeInternal:
		return websocket.CloseInternalServerErr
	}
	return websocket.ClosePolicyViolation
}

// enqueue adds an item for the writer. final marks the close item: nothing
// is accepted after it. A full queue means the client does not read: it is
// dropped as a slow consumer.
func (c *conn) enqueue(it outItem, final bool) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	if !final && len(c.queue) >= c.srv.cfg.SendQueue {
		c.closed = true
		c.mu.Unlock()
		c.srv.metrics.errors.WithLabelValues(signaling.CodeSlowConsumer.String()).Inc()
		c.srv.cfg.Logger.Info("signal: slow consumer dropped", "peer", c.peer.Short(), "ip", c.ip)
		// The client is not reading, so a polite close could wait forever:
		// cut the TCP connection; the read loop then ends.
		c.ws.NetConn().Close()
		return false
	}
	c.queue = append(c.queue, it)
	if final {
		c.closed = true
	}
	if !c.writing && !c.held {
		c.writing = true
		go c.writeLoop()
	}
	c.mu.Unlock()
	return true
}

// hold queues frames without writing them until release. The handshake
// holds the welcome until the hub has the connection, so a client that
// has its welcome is always reachable and counted online.
func (c *conn) hold() {
	c.mu.Lock()
	c.held = true
	c.mu.Unlock()
}

func (c *conn) release() {
	c.mu.Lock()
	c.held = false
	if !c.writing && len(c.queue) > 0 {
		c.writing = true
		go c.writeLoop()
	}
	c.mu.Unlock()
}

// writeLoop drains the queue and exits when it is empty. Each batch of
// queued frames goes out in one write system call (batchConn).
func (c *conn) writeLoop() {
	var batch []outItem
	yielded := false
	for {
		c.mu.Lock()
		if len(c.queue) == 0 && !yielded {
			// Let the other goroutines run once before exiting: under
			// load they queue more, which then goes out in the same
			// write instead of with a new writer goroutine.
			c.mu.Unlock()
			yielded = true
			runtime.Gosched()
			continue
		}
		if len(c.queue) == 0 {
			c.writing = false
			c.idle.Broadcast()
			c.mu.Unlock()
			return
		}
		batch, c.queue = c.queue, batch[:0]
		c.mu.Unlock()
		yielded = false
		c.bc.begin()
		for i, it := range batch {
			deadline := time.Now().Add(c.srv.cfg.WriteTimeout)
			var err error
			if it.closeText != "" {
				err = c.ws.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(it.closeCode, it.closeText), deadline)
				// Let the read loop wait briefly for the client's reply;
				// nothing extends this deadline afterwards (extendRead).
				c.mu.Lock()
				c.closeSent = true
				c.ws.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
				c.mu.Unlock()
			} else {
				c.ws.SetWriteDeadline(deadline)
				err = c.ws.WriteMessage(websocket.TextMessage, it.frame)
				if it.pooled != nil {
					hub.PutFrame(it.pooled)
				}
			}
			batch[i] = outItem{}
			if err == nil && i == len(batch)-1 {
				c.bc.SetWriteDeadline(deadline)
				err = c.bc.flush()
			}
			if err != nil {
				c.bc.flush()
				c.mu.Lock()
				c.closed = true
				c.queue = nil
				c.writing = false
				c.idle.Broadcast()
				c.mu.Unlock()
				c.ws.NetConn().Close() // unblocks the read loop
				return
			}
		}
	}
}

// handshake sends the challenge and checks the answer. On failure it has
// already sent the error and queued the close.
func (c *conn) handshake(audience string) (identity.PeerID, error) {
	cfg := &c.srv.cfg
	nonce := signaling.NewNonce()
	ch := signaling.Challenge{Nonce: nonce, Audience: audience}
	if cfg.Identity != nil {
		ch.Peer = cfg.Identity.ID()
	}
	c.extendRead(cfg.AuthTimeout)
	c.Send(mustEncode(signaling.TypeChallenge, ch))

	fail := func(e *signaling.Error) (identity.PeerID, error) {
		c.srv.metrics.authFails.Inc()
		c.Fail(e)
		return identity.PeerID{}, e
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
		return identity.PeerID{}, err
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
	peer, err := signaling.VerifyAuth(a, nonce, audience, cfg.Now())
	if err != nil {
		return fail(err.(*signaling.Error))
	}
	c.peer = peer
	c.hold()
	if !c.Send(mustEncode(signaling.TypeWelcome, c.srv.welcome(peer, a, audience))) {
		// Failed meanwhile (shutdown): do not announce a dying peer.
		return identity.PeerID{}, signaling.ErrShuttingDown
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
	return peer, nil
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

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
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

var readPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// readFrame reads the next message into a fresh buffer, enforcing the size
// limit and the text-only rule. Errors that the protocol reports to the
// client are *signaling.Error; others are transport errors.
func (c *conn) readFrame() ([]byte, error) {
	for {
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
}

// readLimited reads r to EOF into buf, failing with too_large past max
// bytes without reading the rest.
func readLimited(buf []byte, r io.Reader, max int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			if len(buf) > max {
				return buf, &signaling.Error{Code: signaling.CodeTooLarge, Message: "message over the size limit"}
			}
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > max {
			return buf, &signaling.Error{Code: signaling.CodeTooLarge, Message: "message over the size limit"}
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// readLoop handles messages until the connection ends.
func (c *conn) readLoop() {
	for {
		// Wait for data here, at the top of the stack, when gorilla has
		// nothing buffered: an idle connection then parks in a shallow
		// frame and holds no read buffer (batchConn.fill).
		if c.br != nil && c.br.Buffered() == 0 {
			if err := c.bc.fill(); err != nil {
				return
			}
		}
		mt, r, err := c.ws.NextReader()
		if err != nil {
			return
		}
		if c.isClosed() {
			// Failed (replaced, shutting down, slow): nothing more is
			// handled; the loop only waits for the close reply or the
			// grace deadline.
			continue
		}
		// The limit is checked first, for every frame, so a flood of any
		// kind costs little and earns no unlimited replies.
		if !c.limiter.Allow() {
			if c.limited() {
				return
			}
			continue
		}
		if c.strikes > 0 {
			c.strikes--
		}
		if mt != websocket.TextMessage {
			c.sendError(&signaling.Error{Code: signaling.CodeBinaryFrame, Message: "binary frames are not part of the protocol"})
			continue
		}
		bp := readPool.Get().(*[]byte)
		data, err := readLimited((*bp)[:0], r, c.srv.cfg.MaxMessageBytes)
		if err != nil {
			*bp = data[:0]
			readPool.Put(bp)
			var se *signaling.Error
			if errors.As(err, &se) {
				c.Fail(se)
			}
			return
		}
		c.handle(data)
		*bp = data[:0]
		readPool.Put(bp)
	}
}

// limited counts a dropped message. A client far over the limit for long
// (strikes pile up faster than allowed messages pay them off) is closed.
func (c *conn) limited() (closed bool) {
	c.strikes++
	if c.strikes > 4*c.srv.cfg.Burst {
		c.Fail(&signaling.Error{Code: signaling.CodeRateLimited, Message: "message flood: disconnected"})
		return true
	}
	now := time.Now()
	if now.Sub(c.lastNotice) >= time.Second {
		c.lastNotice = now
		c.sendError(&signaling.Error{Code: signaling.CodeRateLimited, Message: "over the message rate: messages dropped"})
	}
	return false
}

// handle processes one decoded-to-be frame. data is only valid during the
// call: everything kept is copied (Encode builds a fresh frame).
func (c *conn) handle(data []byte) {
	env, err := signaling.Decode(data)
	if err != nil {
		e := *err.(*signaling.Error)
		e.Ref = env.ID
		c.sendError(&e)
		return
	}
	if !env.Type.FromClient() {
		c.sendError(&signaling.Error{Code: signaling.CodeForbidden, Message: "clients may not send " + env.Type.String(), Ref: env.ID})
		return
	}
	if !env.From.IsZero() && env.From != c.peer {
		c.sendError(&signaling.Error{Code: signaling.CodeForbidden, Message: "\"from\" must be your own id", Ref: env.ID})
		return
	}
	if cfg := &c.srv.cfg; cfg.Personal {
		if env.Type == signaling.TypeSubscribe || (env.Type.Routed() && env.To != cfg.Identity.ID()) {
			c.sendError(&signaling.Error{Code: signaling.CodeForbidden, Message: "this personal hub only carries messages for its owner", Ref: env.ID})
			return
		}
	}
	switch env.Type {
	case signaling.TypePing:
		var p signaling.Ping
		if err := env.DecodeBody(&p); err != nil {
			c.sendError(err.(*signaling.Error))
			return
		}
		pong, _ := signaling.New(signaling.TypePong, p)
		pong.ID = env.ID
		if frame, err := pong.Encode(); err == nil {
			c.Send(frame)
		}
	case signaling.TypeSubscribe:
		var sub signaling.Subscribe
		if err := env.DecodeBody(&sub); err != nil {
			c.sendError(err.(*signaling.Error))
			return
		}
		c.srv.hub.Subscribe(c, sub.Peers)
	default: // routed
		env.From = c.peer
		if err := c.srv.hub.Route(&env); err != nil {
			var se *signaling.Error
			if errors.As(err, &se) {
				c.sendError(se)
			}
			return
		}
		c.srv.metrics.relayed.Inc()
	}
}

// finish flushes what is queued (bounded by the write timeout), waits
// briefly for the client's close reply, and releases the connection.
func (c *conn) finish() {
	c.finishOnce.Do(func() {
		if c.pinger != nil {
			c.pinger.Stop()
		}
		cut := time.AfterFunc(c.srv.cfg.WriteTimeout, func() { c.ws.NetConn().Close() })
		c.release()
		c.mu.Lock()
		c.closed = true
		for c.writing {
			c.idle.Wait()
		}
		sent := c.closeSent
		c.mu.Unlock()
		cut.Stop()
		if sent {
			c.ws.SetReadDeadline(time.Now().Add(closeGrace))
			for {
				if _, _, err := c.ws.NextReader(); err != nil {
					break
				}
			}
		}
		c.ws.Close()
		c.srv.untrack(c)
		c.srv.wg.Done()
	})
}

// closeNow closes without the protocol's error message (used before the
// handshake when the server is shutting down).
func (c *conn) closeNow(code int, text string) {
	c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
	c.ws.Close()
}
