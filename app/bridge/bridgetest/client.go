package bridgetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The credential on the WebSocket handshake, as the bridge reads it
// (bridge.Subprotocol and bridge.TokenProtocolPrefix; a bridge test keeps
// them equal).
const (
	Subprotocol         = "peerline.v1"
	TokenProtocolPrefix = "peerline.token."
)

// DefaultCallTimeout bounds one bridge call.
const DefaultCallTimeout = 10 * time.Second

// ErrClosed is returned for calls on a connection that is gone.
var ErrClosed = errors.New("bridgetest: connection closed")

// Event is one pushed event and when it arrived.
type Event struct {
	Name string          `json:"event"`
	Data json.RawMessage `json:"data"`
	At   time.Time       `json:"-"`
}

// Client is one WebSocket connection to a bridge: calls wait for their
// own answers, and every event is kept with the time it arrived, so a test
// can wait for one that came before it started waiting and measure
// latencies.
type Client struct {
	conn *websocket.Conn

	writeMu sync.Mutex

	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan Frame
	events  []Event
	notify  chan struct{} // closed and replaced when an event arrives
	stray   []string      // frames that were neither a known response nor an event
	err     error         // why the read loop ended
	done    chan struct{}
}

// Dial connects to the bridge at uiURL (http://127.0.0.1:PORT/#token=T, as
// the app prints it) through dial (nil: net.Dialer; in e2e, the namespace's
// dialer), sending the Origin the bridge requires and the token as the
// frontend does (a WebSocket subprotocol).
func Dial(ctx context.Context, uiURL string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) (*Client, error) {
	u, err := url.Parse(uiURL)
	if err != nil {
		return nil, fmt.Errorf("bridgetest: ui url: %w", err)
	}
	token := Token(u)
	if token == "" {
		return nil, fmt.Errorf("bridgetest: ui url %s has no #token=", u.Redacted())
	}
	ws := url.URL{Scheme: "ws", Host: u.Host, Path: "/api"}
	d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, NetDialContext: dial,
		Subprotocols: []string{Subprotocol, TokenProtocolPrefix + token}}
	h := http.Header{"Origin": {"http://" + u.Host}}
	conn, resp, err := d.DialContext(ctx, ws.String(), h)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("bridgetest: dial %s: %w (HTTP %s)", u.Host, err, resp.Status)
		}
		return nil, fmt.Errorf("bridgetest: dial %s: %w", u.Host, err)
	}
	c := &Client{conn: conn, pending: make(map[int64]chan Frame), notify: make(chan struct{}), done: make(chan struct{})}
	go c.readLoop()
	return c, nil
}

// Token is the bridge token in a ui URL's fragment ("" if none).
func Token(uiURL *url.URL) string {
	q, err := url.ParseQuery(uiURL.Fragment)
	if err != nil {
		return ""
	}
	return q.Get("token")
}

func (c *Client) readLoop() {
	defer close(c.done)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			c.mu.Lock()
			c.err = err
			for id, ch := range c.pending {
				close(ch)
				delete(c.pending, id)
			}
			c.mu.Unlock()
			return
		}
		now := time.Now()
		var f Frame
		if err := json.Unmarshal(data, &f); err != nil {
			c.mu.Lock()
			c.stray = append(c.stray, string(data))
			c.mu.Unlock()
			continue
		}
		c.mu.Lock()
		switch {
		case f.Event != "":
			c.events = append(c.events, Event{Name: f.Event, Data: f.Data, At: now})
			close(c.notify)
			c.notify = make(chan struct{})
		case f.ID != nil && c.pending[*f.ID] != nil:
			ch := c.pending[*f.ID]
			delete(c.pending, *f.ID)
			ch <- f
		default:
			c.stray = append(c.stray, string(data))
		}
		c.mu.Unlock()
	}
}

// Call sends one request and waits for its response. args are encoded
// with encoding/json, one per parameter.
func (c *Client) Call(ctx context.Context, method string, args ...any) (json.RawMessage, error) {
	if args == nil {
		args = []any{}
	}
	return c.CallRaw(ctx, map[string]any{"method": method, "args": args})
}

// CallRaw sends req with an id added and waits for the response: for
// requests the typed Call cannot make (bad shapes).
func (c *Client) CallRaw(ctx context.Context, req map[string]any) (json.RawMessage, error) {
	ch := make(chan Frame, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	msg := map[string]any{"id": id}
	for k, v := range req {
		msg[k] = v
	}
	if err := c.WriteJSON(msg); err != nil {
		c.forget(id)
		return nil, fmt.Errorf("bridgetest: send %v: %w", req["method"], err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultCallTimeout)
		defer cancel()
	}
	select {
	case f, ok := <-ch:
		if !ok {
			return nil, ErrClosed
		}
		if f.Error != nil {
			return nil, f.Error
		}
		return f.Result, nil
	case <-ctx.Done():
		c.forget(id)
		return nil, fmt.Errorf("bridgetest: %v: no response: %w", req["method"], ctx.Err())
	}
}

func (c *Client) forget(id int64) {
	c.mu.Lock()
	delete(c.pending, id)
	c.mu.Unlock()
}

// WriteJSON sends one text frame.
func (c *Client) WriteJSON(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.conn.WriteJSON(v)
}

// WriteRaw sends one frame of the given websocket message type as is.
func (c *Client) WriteRaw(messageType int, data []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.conn.WriteMessage(messageType, data)
}

// Stray returns the frames that matched no pending call and were no event
// (for example, responses to raw frames sent with WriteRaw).
func (c *Client) Stray() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.stray...)
}

// Events returns a copy of every event received so far.
func (c *Client) Events() []Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Event(nil), c.events...)
}

// WaitEvent waits for the first event at index from or later named name
// for which match (nil: any) holds. It returns the event and its index.
func (c *Client) WaitEvent(from int, name string, match func(json.RawMessage) bool, timeout time.Duration) (Event, int, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for i := from; i < len(c.events); i++ {
			ev := c.events[i]
			if ev.Name == name && (match == nil || match(ev.Data)) {
				c.mu.Unlock()
				return ev, i, nil
			}
		}
		from = len(c.events)
		notify, err := c.notify, c.err
		c.mu.Unlock()
		if err != nil {
			return Event{}, 0, fmt.Errorf("waiting for %s: %w (%v)", name, ErrClosed, err)
		}
		select {
		case <-notify:
		case <-c.done:
		case <-deadline.C:
			return Event{}, 0, fmt.Errorf("no %s event within %v", name, timeout)
		}
	}
}

// Closed is closed when the connection is gone.
func (c *Client) Closed() <-chan struct{} { return c.done }

// Close closes the connection.
func (c *Client) Close() error {
	c.writeMu.Lock()
	c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.writeMu.Unlock()
	err := c.conn.Close()
	<-c.done
	return err
}
