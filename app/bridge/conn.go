package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"
)

// Connection timing and sizes.
const (
	writeWait  = 10 * time.Second // per frame written
	pongWait   = 60 * time.Second // silence (no frame, no pong) before the connection is dropped
	pingPeriod = 25 * time.Second // server pings this often
	drainWait  = 2 * time.Second  // after closing for an oversize frame
	sendQueue  = 256              // frames waiting for a client before it is dropped
)

// Close codes the bridge sends.
const (
	closeGoingAway   = websocket.CloseGoingAway       // 1001: the bridge is closing
	closePolicy      = websocket.ClosePolicyViolation // 1008: the client isn't reading
	closeTooBig      = websocket.CloseMessageTooBig   // 1009: frame over MaxMessageBytes
	closeTryLater    = websocket.CloseTryAgainLater   // 1013: too many connections
	maxCloseReasonSz = 123
)

// outbound is one frame for the writer: a text message, or a close frame
// when closeCode is set.
type outbound struct {
	data      []byte
	closeCode int
	closeText string
}

// conn is one browser's WebSocket on /api. One reader goroutine decodes
// requests and starts a goroutine per call; one writer goroutine sends
// responses and events from a bounded queue.
type conn struct {
	b      *Bridge
	ws     *websocket.Conn
	log    *slog.Logger
	ctx    context.Context // every call's context; canceled when the connection ends
	cancel context.CancelFunc
	send   chan outbound
	slots  chan struct{} // one per call in flight
	lim    *rate.Limiter

	killOnce sync.Once
}

// serveWebSocket upgrades /api and runs the connection until it ends.
func (b *Bridge) serveWebSocket(w http.ResponseWriter, r *http.Request) {
	// Browsers always send Origin on a WebSocket handshake; a request
	// without one is not from a page, and one rule for all is simpler.
	if r.Header.Get("Origin") == "" {
		b.refuse(w, r, http.StatusForbidden, "forbidden: a WebSocket handshake must carry this app's Origin")
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "bad request: /api is a WebSocket endpoint", http.StatusBadRequest)
		return
	}
	b.mu.Lock()
	full := len(b.conns) >= b.cfg.MaxConnections
	b.mu.Unlock()
	if full {
		b.refuse(w, r, http.StatusServiceUnavailable, "service unavailable: too many open connections")
		return
	}
	up := websocket.Upgrader{
		ReadBufferSize:  4096,
		WriteBufferSize: 4096,
		Subprotocols:    []string{Subprotocol},
		CheckOrigin:     func(r *http.Request) bool { return b.origins[r.Header.Get("Origin")] },
	}
	ws, err := up.Upgrade(w, r, nil) // answers the client itself on error
	if err != nil {
		b.log.Debug("bridge: upgrade failed", "err", err)
		return
	}
	ctx, cancel := context.WithCancel(b.ctx)
	c := &conn{
		b:      b,
		ws:     ws,
		log:    b.log.With("remote", r.RemoteAddr),
		ctx:    ctx,
		cancel: cancel,
		send:   make(chan outbound, sendQueue),
		slots:  make(chan struct{}, b.cfg.MaxInFlight),
		lim:    newLimiter(b.cfg),
	}
	if err := b.addConn(c); err != nil {
		code, why := closeTryLater, "too many connections"
		if errors.Is(err, ErrClosed) {
			code, why = closeGoingAway, "bridge closing"
		}
		c.kill(code, why)
		return
	}
	c.log.Debug("bridge: client connected")
	go c.writeLoop()
	c.readLoop()
}

// readLoop reads frames until the connection fails or closes, then tears
// the connection down.
func (c *conn) readLoop() {
	defer func() {
		c.cancel()
		c.ws.Close()
		c.b.removeConn(c)
		c.b.wg.Done()
		c.log.Debug("bridge: client disconnected")
	}()
	max := c.b.cfg.MaxMessageBytes
	c.ws.SetReadDeadline(time.Now().Add(pongWait))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(pongWait))
	})
	limited := false // logging the first of a run of rate-limited frames
	for {
		typ, r, err := c.ws.NextReader()
		if err != nil {
			if !websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) && c.ctx.Err() == nil {
				c.log.Debug("bridge: read", "err", err)
			}
			return
		}
		data, err := io.ReadAll(io.LimitReader(r, max+1))
		if err != nil {
			c.log.Debug("bridge: read", "err", err)
			return
		}
		c.ws.SetReadDeadline(time.Now().Add(pongWait))
		if int64(len(data)) > max {
			c.tooLarge(data, r)
			return
		}
		if !c.lim.Allow() {
			if !limited {
				c.log.Warn("bridge: client over its rate limit", "rate", c.b.cfg.RatePerSecond, "burst", c.b.cfg.Burst)
				limited = true
			}
			id, hasID := peekID(data)
			c.enqueue(outbound{data: encodeError(id, hasID, errorf(CodeRateLimited,
				"more than %g requests per second on this connection; slow down", c.b.cfg.RatePerSecond))})
			continue
		}
		limited = false
		c.handle(typ, data)
	}
}

// tooLarge answers an oversize frame, closes with 1009, and drains what the
// client still sends so the answer isn't lost to a TCP reset.
func (c *conn) tooLarge(prefix []byte, rest io.Reader) {
	max := c.b.cfg.MaxMessageBytes
	c.log.Warn("bridge: frame too large; closing", "max", max)
	id, hasID := peekID(prefix)
	c.enqueue(outbound{data: encodeError(id, hasID, errorf(CodeTooLarge, "request is larger than %d bytes; closing the connection", max))})
	c.enqueue(outbound{closeCode: closeTooBig, closeText: "message too big"})
	c.ws.SetReadDeadline(time.Now().Add(drainWait))
	io.Copy(io.Discard, rest)
	for { // until the client's close frame or the deadline
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}

// handle answers one frame within the rate limit: decode, look up, and
// start the call.
func (c *conn) handle(typ int, data []byte) {
	if typ != websocket.TextMessage {
		c.enqueue(outbound{data: encodeError(0, false, errorf(CodeBadRequest, "binary frames are not supported; send JSON text frames"))})
		return
	}
	req, hasID, cerr := decodeRequest(data)
	if cerr != nil {
		c.enqueue(outbound{data: encodeError(req.ID, hasID, cerr)})
		return
	}
	m, ok := c.b.reg.lookup(req.Method)
	if !ok {
		c.enqueue(outbound{data: encodeError(req.ID, true, errorf(CodeNotFound, "no method %s (methods are named \"Service.Method\")", quote(req.Method)))})
		return
	}
	select {
	case c.slots <- struct{}{}:
	default:
		c.enqueue(outbound{data: encodeError(req.ID, true, errorf(CodeOverloaded, "%d calls already running on this connection; wait for one to finish", c.b.cfg.MaxInFlight))})
		return
	}
	go c.run(req, m)
}

// run makes one call and queues its answer.
func (c *conn) run(req request, m *method) {
	defer func() { <-c.slots }()
	start := time.Now()
	result, cerr := c.invoke(req, m)
	if cerr != nil {
		c.log.Debug("bridge: call", "method", m.name, "took", time.Since(start), "code", cerr.code)
		c.enqueue(outbound{data: encodeError(req.ID, true, cerr)})
		return
	}
	c.log.Debug("bridge: call", "method", m.name, "took", time.Since(start))
	c.enqueue(outbound{data: encodeResult(req.ID, result)})
}

// invoke decodes the arguments and calls the method, turning a panic into
// an internal error.
func (c *conn) invoke(req request, m *method) (result json.RawMessage, cerr *callError) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("bridge: method panicked", "method", m.name, "panic", p, "stack", string(debug.Stack()))
			result, cerr = nil, errorf(CodeInternal, "internal error in %s (details are in the app's log)", m.name)
		}
	}()
	args, cerr := m.decodeArgs(req.Args)
	if cerr != nil {
		return nil, cerr
	}
	return m.call(c.ctx, args)
}

// enqueue hands a frame to the writer without blocking. A full queue means
// the client stopped reading: it is disconnected.
func (c *conn) enqueue(o outbound) {
	if c.ctx.Err() != nil {
		return
	}
	select {
	case c.send <- o:
	default:
		go c.kill(closePolicy, "client not reading; outbound queue full")
	}
}

// writeLoop sends queued frames and pings until the connection ends or a
// close frame is sent.
func (c *conn) writeLoop() {
	defer c.b.wg.Done()
	ping := time.NewTicker(pingPeriod)
	defer ping.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case o := <-c.send:
			c.ws.SetWriteDeadline(time.Now().Add(writeWait))
			if o.closeCode != 0 {
				c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(o.closeCode, o.closeText))
				return
			}
			if err := c.ws.WriteMessage(websocket.TextMessage, o.data); err != nil {
				c.log.Debug("bridge: write", "err", err)
				c.ws.Close()
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeWait)); err != nil {
				c.log.Debug("bridge: ping", "err", err)
				c.ws.Close()
				return
			}
		}
	}
}

// kill sends a close frame and drops the connection; the reader then tears
// it down. Safe from any goroutine, any number of times.
func (c *conn) kill(code int, text string) {
	c.killOnce.Do(func() {
		if code != closeGoingAway {
			c.log.Warn("bridge: closing connection", "code", code, "why", text)
		}
		if len(text) > maxCloseReasonSz {
			text = text[:maxCloseReasonSz]
		}
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
		c.cancel()
		c.ws.Close()
	})
}
