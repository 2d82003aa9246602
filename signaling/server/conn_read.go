package server

// The read side of a conn after the handshake: the read loop, the rate
// limit, handling and relaying of each message, and the read batch that
// defers the relayed frames' writes to its end (touch, endBatch).

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/hub"
)

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
	subs       signaling.SubscribeDecoder
}

// subscribeBytesPerToken is how many bytes of a subscribe body cost one
// rate-limit token beyond the frame's own: about 15 ids, so a full
// 64-id subscribe (4.3 KiB) takes 5 tokens in all.
const subscribeBytesPerToken = 1024

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

var readPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

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
		// Charged by size (about the ids it lists) before it is parsed,
		// so a big subscribe costs the client what it costs the server.
		if extra := len(env.Body) / subscribeBytesPerToken; extra > 0 && !c.limiter.AllowN(time.Now(), extra) {
			c.rs.strikes += extra
			c.sendError(&signaling.Error{Code: signaling.CodeRateLimited, Ref: env.ID,
				Message: fmt.Sprintf("over the message rate: a subscribe of %d bytes takes %d more tokens (one per %d bytes); it was dropped", len(env.Body), extra, subscribeBytesPerToken)})
			return
		}
		sub, err := c.rs.subs.Decode(env)
		if err != nil {
			c.sendError(err.(*signaling.Error))
			return
		}
		if !sub.Incremental() {
			c.srv.hub.Subscribe(c, sub.Peers)
		} else if e := c.srv.hub.Watch(c, sub.Add, sub.Remove); e != nil {
			e.Ref = env.ID
			c.sendError(e)
		}
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
		return c.relayRemote(env)
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

// relayRemote hands env to the cluster when this server is one node of
// several (hub.Join); a single node answers at once that the peer is not
// connected.
func (c *conn) relayRemote(env *signaling.Envelope) error {
	r := c.srv.hub.Remote()
	if r == nil {
		return hub.NotConnected(env)
	}
	bp := hub.GetFrame()
	frame, err := c.rs.codec.AppendEncode((*bp)[:0], env)
	if err != nil {
		hub.PutFrame(bp)
		return err
	}
	ok := r.Relay(env.To, frame) // copies frame
	*bp = frame
	hub.PutFrame(bp)
	if !ok {
		return hub.NotConnected(env)
	}
	return nil
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
	// Counted before the frames go out, so a receiver never sees a frame
	// the counter does not include yet.
	if rs.relayed > 0 {
		c.srv.metrics.relayed.Add(float64(rs.relayed))
		rs.relayed = 0
	}
	for i, d := range rs.touched {
		rs.spare = d.kick(rs.spare)
		rs.touched[i] = nil
	}
	rs.touched = rs.touched[:0]
}
