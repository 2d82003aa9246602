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
	close     bool    // the close frame: closeCode and closeText
	closeCode int
	closeText string
}

// size is at most what the item adds to a write batch.
func (it *outItem) size() int { return len(it.frame) + maxFrameHeader }

// conn is one client connection. Its read loop is its one long-lived
// goroutine. Frames for it are written by the read loop of whoever sent
// them, at the end of that loop's read batch (kick), or, when the socket
// cannot take them at once, by a writer goroutine that exists only while
// frames are queued. An idle connection costs one parked goroutine and a
// few small structs.
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
	writing   bool // someone holds the writer role (see kick and writeLoop)
	held      bool // frames queue up but the writer waits (see release)
	closed    bool // no more frames are accepted
	failing   bool // a Fail is under way
	closeSent bool

	rs *readState // the read loop's, made at the first message

	finishOnce sync.Once
}

// readState is the read loop's state past the handshake. It is made at
// the first message, so a connection that never sends carries none of it
// (docs/performance.md: idle memory).
type readState struct {
	codec      signaling.Codec
	touched    []*conn   // destinations of this read batch not yet kicked
	spare      []outItem // batch slice for kicks
	relayed    int       // messages relayed in this read batch
	strikes    int
	lastNotice time.Time
}

func newConn(s *Server, ws *websocket.Conn, ip string) *conn {
	c := &conn{srv: s, ws: ws, ip: ip,
		limiter: rate.NewLimiter(rate.Limit(s.cfg.RatePerSecond), s.cfg.Burst)}
	c.idle.L = &c.mu
	// Echo the client's close behind the frames already queued, as the
	// final item. gorilla's default handler writes the echo itself, and
	// frames are no longer written through gorilla (appendTextFrame), so
	// it could not keep them from following the close.
	ws.SetCloseHandler(func(code int, _ string) error {
		c.enqueue(outItem{close: true, closeCode: code}, true)
		return nil
	})
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
	c.enqueue(outItem{close: true, closeCode: closeCodeFor(e.Code), closeText: e.Code.String()}, true)
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

// enqueue adds an item for the writer and starts one if none runs.
// final marks the close item: nothing is accepted after it.
func (c *conn) enqueue(it outItem, final bool) bool {
	return c.enqueueLater(it, final, false)
}

// enqueueLater is enqueue; later leaves starting the writer to the caller
// (the read loop batching its relays, see touch). A full queue means the
// client does not read: it is dropped as a slow consumer.
func (c *conn) enqueueLater(it outItem, final, later bool) bool {
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
	// A deferred queue that fills up is not left for the end of the read
	// batch, so deferring never makes a reader look slow.
	if (!later || 2*len(c.queue) >= c.srv.cfg.SendQueue) && !c.writing && !c.held {
		c.writing = true
		go c.writeLoop(nil)
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
		go c.writeLoop(nil)
	}
	c.mu.Unlock()
}

// takeLocked moves the first queued items into a batch: as many as fit in
// maxBatch (at least one). dataOnly stops before the close item, which
// only the writer goroutine sends (gorilla writes it, and may block).
// spare is an empty slice to reuse. The caller holds c.mu and the writer
// role.
func (c *conn) takeLocked(spare []outItem, dataOnly bool) []outItem {
	n, size := 0, 0
	for n < len(c.queue) {
		it := &c.queue[n]
		if dataOnly && it.close {
			break
		}
		if size += it.size(); n > 0 && size > maxBatch {
			break
		}
		n++
	}
	var batch []outItem
	if n == len(c.queue) {
		batch, c.queue = c.queue, spare[:0]
	} else {
		batch = append(spare[:0], c.queue[:n]...)
		rest := copy(c.queue, c.queue[n:])
		clear(c.queue[rest:])
		c.queue = c.queue[:rest]
	}
	return batch
}

// maxSpare is the largest batch slice kept for reuse (a queue can hold
// SendQueue items).
const maxSpare = 64

// recycle clears a written batch and returns it for reuse as a spare.
func recycle(batch []outItem) []outItem {
	clear(batch)
	if cap(batch) > maxSpare {
		return nil
	}
	return batch[:0]
}

// putFrames gives the pooled frames of a written batch back.
func putFrames(batch []outItem) {
	for i := range batch {
		if bp := batch[i].pooled; bp != nil {
			hub.PutFrame(bp)
		}
	}
}

// kick writes c's queued frames unless a writer is at it: inline, on the
// caller's goroutine (the read loop of a sender, at the end of its read
// batch), without blocking. What the socket does not take at once goes
// to a writer goroutine. Writing inline saves starting and scheduling a
// goroutine per batch, a large part of a relay's cost
// (docs/performance.md). spare is the caller's empty batch slice; kick
// returns one to keep.
func (c *conn) kick(spare []outItem) []outItem {
	c.mu.Lock()
	if c.writing || c.held || len(c.queue) == 0 {
		c.mu.Unlock()
		return spare
	}
	c.writing = true
	batch := c.takeLocked(spare, true)
	more := len(c.queue) > 0
	c.mu.Unlock()
	if len(batch) == 0 { // the close item leads
		go c.writeLoop(nil)
		return batch
	}
	state, err := c.bc.tryWrite(batch)
	switch {
	case err != nil:
		putFrames(batch)
		c.writeFailed(true)
	case state == writeBusy:
		go c.writeLoop(batch) // it owns batch now
		return nil
	case state == writePending || more:
		putFrames(batch)
		go c.writeLoop(nil)
	default:
		putFrames(batch)
		c.mu.Lock()
		if len(c.queue) > 0 { // queued meanwhile, and left to us
			c.mu.Unlock()
			go c.writeLoop(nil)
			break
		}
		c.writing = false
		c.idle.Broadcast()
		c.mu.Unlock()
	}
	return recycle(batch)
}

// writeLoop holds the writer role until the queue is empty: it writes
// batch (when not nil, the items a kick could not write), then what the
// queue holds, each batch with one write system call, and exits.
func (c *conn) writeLoop(batch []outItem) {
	yielded := false
	for {
		// An empty batch still flushes what a kick left pending.
		if err := c.writeBatch(batch); err != nil {
			c.writeFailed(false)
			return
		}
		spare := recycle(batch)
		c.mu.Lock()
		for len(c.queue) == 0 {
			if yielded {
				c.writing = false
				c.idle.Broadcast()
				c.mu.Unlock()
				return
			}
			// Let the other goroutines run once before exiting: under
			// load they queue more, which then goes out in the same
			// write instead of with a new writer goroutine.
			c.mu.Unlock()
			yielded = true
			runtime.Gosched()
			c.mu.Lock()
		}
		yielded = false
		batch = c.takeLocked(spare, false)
		c.mu.Unlock()
	}
}

// writeBatch sends batch with one write, blocking up to the write timeout.
func (c *conn) writeBatch(batch []outItem) error {
	if len(batch) == 0 && !c.bc.pending() {
		return nil
	}
	c.bc.begin()
	for i := range batch {
		it := &batch[i]
		if !it.close {
			c.bc.appendFrame(it.frame)
			if it.pooled != nil {
				hub.PutFrame(it.pooled)
				it.pooled = nil
			}
			continue
		}
		err := c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(it.closeCode, it.closeText), time.Now().Add(c.srv.cfg.WriteTimeout))
		// Let the read loop wait briefly for the client's reply;
		// nothing extends this deadline afterwards (extendRead).
		c.mu.Lock()
		c.closeSent = true
		c.ws.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
		c.mu.Unlock()
		if err != nil {
			putFrames(batch[i+1:])
			c.bc.flush()
			return err
		}
	}
	c.bc.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	return c.bc.flush()
}

// writeFailed ends the connection after a failed write; the holder of the
// writer role calls it. async closes the socket on another goroutine, so
// that a kick does not hold up the read loop that runs it (closing waits
// for the socket's I/O in progress to end).
func (c *conn) writeFailed(async bool) {
	c.mu.Lock()
	c.closed = true
	for i := range c.queue {
		if bp := c.queue[i].pooled; bp != nil {
			hub.PutFrame(bp)
		}
	}
	c.queue = nil
	c.writing = false
	c.idle.Broadcast()
	c.mu.Unlock()
	if async {
		go c.ws.NetConn().Close()
		return
	}
	c.ws.NetConn().Close() // unblocks the read loop
}

// touch notes that this read batch queued frames for d without starting
// its writer; endBatch kicks it. A batch that reaches many destinations
// kicks the earlier ones as it goes.
func (c *conn) touch(d *conn) {
	rs := c.rs
	for _, t := range rs.touched {
		if t == d {
			return
		}
	}
	if len(rs.touched) >= maxTouched {
		c.endBatch()
	}
	rs.touched = append(rs.touched, d)
}

// maxTouched bounds the destinations a read batch holds back.
const maxTouched = 16

// endBatch ends a read batch: each destination gets its frames in one
// write, and the relay counter one update. It runs before every read
// that may wait (batchConn.drained) and when the read loop ends.
func (c *conn) endBatch() {
	rs := c.rs
	if rs == nil {
		return
	}
	for i, d := range rs.touched {
		rs.spare = d.kick(rs.spare)
		rs.touched[i] = nil
	}
	rs.touched = rs.touched[:0]
	if rs.relayed > 0 {
		c.srv.metrics.relayed.Add(float64(rs.relayed))
		rs.relayed = 0
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

// readLoop handles messages until the connection ends. Relayed frames
// are queued without waking their destinations' writers; endBatch writes
// them once per read system call (batchConn.drained) and on the way out.
func (c *conn) readLoop() {
	c.bc.drained = c.endBatch
	defer c.endBatch()
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
		if c.rs == nil {
			c.rs = new(readState)
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
		if c.rs.strikes > 0 {
			c.rs.strikes--
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
	rs := c.rs
	rs.strikes++
	if rs.strikes > 4*c.srv.cfg.Burst {
		c.Fail(&signaling.Error{Code: signaling.CodeRateLimited, Message: "message flood: disconnected"})
		return true
	}
	now := time.Now()
	if now.Sub(rs.lastNotice) >= time.Second {
		rs.lastNotice = now
		c.sendError(&signaling.Error{Code: signaling.CodeRateLimited, Message: "over the message rate: messages dropped"})
	}
	return false
}

// handle processes one decoded-to-be frame. data is only valid during the
// call: everything kept is copied (Encode builds a fresh frame).
func (c *conn) handle(data []byte) {
	env, err := c.rs.codec.Decode(data)
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
		if err := c.relay(&env); err != nil {
			var se *signaling.Error
			if errors.As(err, &se) {
				c.sendError(se)
			}
			return
		}
		c.rs.relayed++ // counted in endBatch: one atomic update per batch
	}
}

// relay queues env for its addressee. A connection of this server gets a
// pooled frame, encoded with this connection's Codec, and is kicked at
// the end of the read batch (touch); anything else the hub attached
// (the desktop app's own end) goes through hub.Route.
func (c *conn) relay(env *signaling.Envelope) error {
	dst, ok := c.srv.hub.Lookup(env.To)
	if !ok {
		return hub.NotConnected(env)
	}
	d, ok := dst.(*conn)
	if !ok {
		return c.srv.hub.Route(env)
	}
	bp := hub.GetFrame()
	frame, err := c.rs.codec.AppendEncode((*bp)[:0], env)
	if err != nil {
		hub.PutFrame(bp)
		return err
	}
	*bp = frame
	if !d.enqueueLater(outItem{frame: frame, pooled: bp}, false, true) {
		hub.PutFrame(bp)
		return hub.NotReading(env)
	}
	c.touch(d)
	return nil
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
