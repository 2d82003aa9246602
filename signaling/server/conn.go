package server

import (
	"bufio"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// closeGrace is how long a closing connection waits for the client's close
// reply, so the close frame is not lost to a TCP reset.
const closeGrace = time.Second

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
	queued    int  // bytes charged for frames not yet written (outItem.charge), at most SendQueueBytes
	unflushed int  // of queued, what a kick left in the batchConn for the writer to flush
	writing   bool // someone holds the writer role (see kick and writeLoop)
	held      bool // frames queue up but the writer waits (see release)
	closed    bool // no more frames are accepted
	failing   bool // a Fail is under way
	closeSent bool

	rs *readState // the read loop's, made at the first message

	finishOnce sync.Once
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

// SendLater implements hub.DeferredSender.
func (c *conn) SendLater(frame []byte) bool {
	return c.enqueueLater(outItem{frame: frame}, false, true)
}

// Flush implements hub.DeferredSender.
func (c *conn) Flush() { c.kick(nil) }

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

func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
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
