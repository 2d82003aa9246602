package signaling

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// youngConnection: a connection that ends sooner than this keeps the
// backoff growing.
const youngConnection = 10 * time.Second

// Client defaults.
const (
	DefaultMinBackoff = 250 * time.Millisecond
	DefaultMaxBackoff = 30 * time.Second
)

// ClientConfig configures a Client. DialConfig's URL and Identity are
// required; every other zero value works.
type ClientConfig struct {
	DialConfig
	// MinBackoff is the first reconnect delay; it doubles per failure up
	// to MaxBackoff, with full jitter. Defaults DefaultMinBackoff and
	// DefaultMaxBackoff.
	MinBackoff time.Duration
	MaxBackoff time.Duration
	// Logger receives structured logs. Default slog.Default().
	Logger *slog.Logger
}

// EventKind says what an Event reports.
type EventKind uint8

// Event kinds.
const (
	EventUnknown      EventKind = iota
	EventConnected              // authenticated; Welcome is set
	EventDisconnected           // the connection ended; Err says why; a reconnect follows
	EventMessage                // a message arrived; Message is set
	EventPresence               // the server reports watched peers; Presence is set
)

// Event is something the Client reports, in order, on Events().
type Event struct {
	Kind    EventKind
	Welcome Welcome
	Message Envelope
	// Presence is what a presence or presence_list message said, about
	// peers this client watches only: the rest is dropped, so a server
	// cannot grow what the app tracks. It is a hint of where a peer may
	// be reached, never proof of who it is.
	Presence []Presence
	Err      error
}

// Client keeps one connection to a server alive: it reconnects with
// exponential backoff and jitter, honours the server's retry_ms at
// shutdown, and re-sends the presence subscription after every reconnect.
type Client struct {
	cfg    ClientConfig
	events chan Event

	// smu serialises subscription updates with (re)connects, so the server
	// always ends up with the newest set.
	smu       sync.Mutex
	mu        sync.Mutex
	conn      *Conn
	ready     chan struct{} // closed while connected
	subs      []identity.PeerID
	watched   map[identity.PeerID]struct{} // subs, for filtering presence
	onServer  map[identity.PeerID]struct{} // what conn's server watches for us (under smu)
	runCalled bool
}

// NewClient checks cfg and returns a Client; call Run to connect.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Identity == nil || cfg.URL == "" {
		return nil, errors.New("signaling: client: URL and Identity are required")
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = DefaultMaxBackoff
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Client{cfg: cfg, events: make(chan Event, 64), ready: make(chan struct{})}, nil
}

// Events delivers connection changes and messages. The consumer must keep
// reading it: the client stops reading the socket while it is full.
func (c *Client) Events() <-chan Event { return c.events }

// Run connects and reconnects until ctx is done; it then closes the
// connection, closes Events and returns ctx.Err(). Call it once.
//
// One case stops it early: the server replaced this connection because the
// same identity connected again elsewhere. Reconnecting would only evict
// the other instance in turn, so Run returns an error matching
// ErrReplaced.
func (c *Client) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.runCalled {
		c.mu.Unlock()
		return errors.New("signaling: client: Run called twice")
	}
	c.runCalled = true
	c.mu.Unlock()
	defer close(c.events)

	failures := 0
	for {
		conn, err := Dial(ctx, c.cfg.DialConfig)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failures++
			delay := c.backoff(failures)
			c.cfg.Logger.Info("signaling: connect failed", "url", c.cfg.URL, "err", err, "retry_in", delay)
			if !c.emit(ctx, Event{Kind: EventDisconnected, Err: err}) || !sleep(ctx, delay) {
				return ctx.Err()
			}
			continue
		}
		began := time.Now()
		err = c.serve(ctx, conn)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrReplaced) {
			c.cfg.Logger.Warn("signaling: another instance with this identity connected; not reconnecting", "url", c.cfg.URL)
			c.emit(ctx, Event{Kind: EventDisconnected, Err: err})
			return err
		}
		// A connection that dies young counts as a failure, so a server
		// that accepts and then drops us is not hammered.
		if time.Since(began) > youngConnection {
			failures = 0
		}
		failures++
		delay := c.backoff(failures)
		var se *Error
		if errors.As(err, &se) && se.Code == CodeShuttingDown && se.RetryMs > 0 {
			delay = time.Duration(se.RetryMs) * time.Millisecond
		}
		c.cfg.Logger.Info("signaling: disconnected", "url", c.cfg.URL, "err", err, "retry_in", delay)
		if !c.emit(ctx, Event{Kind: EventDisconnected, Err: err}) || !sleep(ctx, delay) {
			return ctx.Err()
		}
	}
}

// serve runs one connection until it fails or ctx ends.
func (c *Client) serve(ctx context.Context, conn *Conn) error {
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c.smu.Lock()
	c.mu.Lock()
	subs := append([]identity.PeerID(nil), c.subs...)
	c.mu.Unlock()
	c.onServer = nil
	if len(subs) > 0 {
		if err := c.sendSubscribes(ctx, conn, subs); err != nil {
			c.smu.Unlock()
			conn.Close()
			return err
		}
	}
	c.mu.Lock()
	c.conn = conn
	close(c.ready)
	c.mu.Unlock()
	c.smu.Unlock()
	defer func() {
		c.mu.Lock()
		c.conn = nil
		c.ready = make(chan struct{})
		c.mu.Unlock()
		conn.Close()
	}()
	if !c.emit(ctx, Event{Kind: EventConnected, Welcome: conn.Welcome()}) {
		return ctx.Err()
	}
	var fatal *Error
	for {
		env, err := conn.Recv()
		if err != nil {
			if fatal != nil {
				return fatal
			}
			return err
		}
		if env.Type == TypePresence || env.Type == TypePresenceList {
			if ps := c.watchedOnly(env); len(ps) > 0 && !c.emit(ctx, Event{Kind: EventPresence, Presence: ps}) {
				return ctx.Err()
			}
			continue
		}
		if env.Type == TypeError {
			if e := ErrorOf(env); e.Code.Closes() {
				fatal = e
			}
		}
		if !c.emit(ctx, Event{Kind: EventMessage, Message: env}) {
			return ctx.Err()
		}
	}
}

// watchedOnly decodes a presence message and keeps the peers this client
// watches; a message that does not decode is dropped.
func (c *Client) watchedOnly(env Envelope) []Presence {
	ps, err := PresenceOf(env)
	if err != nil {
		c.cfg.Logger.Debug("signaling: bad presence from the server", "url", c.cfg.URL, "err", err)
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	kept := ps[:0]
	for _, p := range ps {
		if _, ok := c.watched[p.Peer]; ok {
			kept = append(kept, p)
		}
	}
	return kept
}

func (c *Client) emit(ctx context.Context, ev Event) bool {
	select {
	case c.events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

// backoff returns a random delay in [0, min(max, min*2^(n-1))] with a
// floor of MinBackoff/2 (full jitter, so clients restarting together
// spread out).
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.MinBackoff
	for i := 1; i < n && d < c.cfg.MaxBackoff; i++ {
		d *= 2
	}
	if d > c.cfg.MaxBackoff {
		d = c.cfg.MaxBackoff
	}
	floor := c.cfg.MinBackoff / 2
	return floor + time.Duration(rand.Int64N(int64(d-floor)+1))
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Send sends env, waiting until the client is connected or ctx ends.
func (c *Client) Send(ctx context.Context, env Envelope) error {
	for {
		c.mu.Lock()
		conn, ready := c.conn, c.ready
		c.mu.Unlock()
		if conn != nil {
			return conn.Send(ctx, env)
		}
		select {
		case <-ready:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Subscribe replaces the set of watched peers (at most MaxSubscribe; more
// fail with an error matching ErrTooManyPeers). It is remembered and sent
// again after every reconnect; if connected it is sent now, as a few
// subscribes of at most the server's max_subscribe_ids ids each (one,
// to a server that announces none). Presence arrives as EventPresence,
// for these peers only.
func (c *Client) Subscribe(ctx context.Context, peers []identity.PeerID) error {
	c.smu.Lock()
	defer c.smu.Unlock()
	if len(peers) > MaxSubscribe {
		return fmt.Errorf("signaling: subscribe: %d peers: %w", len(peers), &Error{Code: CodeTooManyPeers,
			Message: fmt.Sprintf("a connection may watch at most %d peers", MaxSubscribe)})
	}
	c.mu.Lock()
	c.subs = append([]identity.PeerID(nil), peers...)
	c.watched = make(map[identity.PeerID]struct{}, len(peers))
	for _, p := range peers {
		c.watched[p] = struct{}{}
	}
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return nil
	}
	return c.sendSubscribes(ctx, conn, peers)
}

// sendSubscribes brings conn's server from watching c.onServer to
// watching peers; the caller holds smu. On error the connection is
// unusable (it is closed and redialled, which subscribes afresh).
func (c *Client) sendSubscribes(ctx context.Context, conn *Conn, peers []identity.PeerID) error {
	per := conn.Welcome().Limits.MaxSubscribeIDs
	for _, s := range subscribeMessages(c.onServer, peers, per) {
		env, err := New(TypeSubscribe, s)
		if err != nil {
			return err
		}
		if err := conn.Send(ctx, env); err != nil {
			c.onServer = nil
			return err
		}
	}
	c.onServer = make(map[identity.PeerID]struct{}, len(peers))
	for _, p := range peers {
		c.onServer[p] = struct{}{}
	}
	return nil
}

// subscribeMessages returns the subscribes that take a server from
// watching from (nil: nothing yet) to watching to, each with at most per
// ids (per 0: a server that takes one replace of any size up to
// MaxSubscribe). A set that fits in one message is one replace, as
// always; a larger one is a replace and adds on a fresh connection, and
// only the difference (removes, adds) on a live one.
func subscribeMessages(from map[identity.PeerID]struct{}, to []identity.PeerID, per int) []Subscribe {
	if per <= 0 || len(to) <= per {
		return []Subscribe{{Peers: to}}
	}
	var out []Subscribe
	if from == nil {
		out = append(out, Subscribe{Peers: to[:per]})
		for i := per; i < len(to); i += per {
			out = append(out, Subscribe{Add: to[i:min(i+per, len(to))]})
		}
		return out
	}
	keep := make(map[identity.PeerID]struct{}, len(to))
	var add []identity.PeerID
	for _, p := range to {
		keep[p] = struct{}{}
		if _, had := from[p]; !had {
			add = append(add, p)
		}
	}
	var remove []identity.PeerID
	for p := range from {
		if _, ok := keep[p]; !ok {
			remove = append(remove, p)
		}
	}
	// Removes first, so the server's set never grows past the limit on
	// the way.
	for len(remove) > 0 || len(add) > 0 {
		var s Subscribe
		n := min(per, len(remove))
		if n > 0 {
			s.Remove, remove = remove[:n], remove[n:]
		}
		if m := min(per-n, len(add)); m > 0 && len(remove) == 0 {
			s.Add, add = add[:m], add[m:]
		}
		out = append(out, s)
	}
	return out
}

// Connected reports whether the client has a live connection now.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn != nil
}
