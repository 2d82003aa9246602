package links

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/hub"
	"github.com/peerline/peerline/signaling/identity"
)

// DefaultDialTimeout bounds one LAN dial or server send.
const DefaultDialTimeout = 3 * time.Second

// Handler receives what arrives for us.
type Handler interface {
	// Handle takes a routed message; env.From is authenticated.
	Handle(ctx context.Context, env signaling.Envelope)
	// HandleError takes an error a server sent about one of our messages.
	HandleError(e *signaling.Error)
	// LinkLost says no link to peer is left.
	LinkLost(peer identity.PeerID)
}

// Resolver says where a peer can be reached.
type Resolver interface {
	// LANAddrs returns host:port addresses of peer's hub, best first.
	LANAddrs(peer identity.PeerID) []string
	// ServerFor returns the URL of the signaling server to reach peer
	// through, or "" for none.
	ServerFor(peer identity.PeerID) string
}

// Config configures a Router. Identity, Hub and Handler are required.
type Config struct {
	Identity *identity.KeyPair
	// Hub is our own LAN hub.
	Hub     *hub.Hub
	Handler Handler
	// Resolver finds peers. Default: none (only peers that dial us, and
	// servers added with AddServer for peers ServerFor names).
	Resolver Resolver
	// Presence hears presence reported by signaling servers. Optional.
	Presence func(peer identity.PeerID, online bool, server string)
	// ServerStatus hears a server link connecting (with the ICE servers
	// it handed out) or dropping (with the reason). Optional.
	ServerStatus func(url string, connected bool, ice []signaling.ICEServer, err error)
	// DialTimeout: see DefaultDialTimeout.
	DialTimeout time.Duration
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

// ErrNoRoute means no link reaches the peer.
var ErrNoRoute = errors.New("links: no route to peer")

// Router owns every link. Create it with New and run it with Run.
type Router struct {
	cfg   Config
	local *localConn
	inbox *inbox // what the hub and the server links bring, until Run hands it on

	mu      sync.Mutex
	ctx     context.Context // Run's context, for goroutines started later
	out     map[identity.PeerID]*signaling.Conn
	servers map[string]*serverLink
	pending []string // server links added before Run
	wg      sync.WaitGroup
}

type serverLink struct {
	client *signaling.Client
	cancel context.CancelFunc
}

// New checks cfg and returns a Router.
func New(cfg Config) (*Router, error) {
	if cfg.Identity == nil || cfg.Hub == nil || cfg.Handler == nil {
		return nil, errors.New("links: Identity, Hub and Handler are required")
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Router{cfg: cfg, out: make(map[identity.PeerID]*signaling.Conn), servers: make(map[string]*serverLink)}
	r.inbox = newInbox()
	r.local = &localConn{id: cfg.Identity.ID(), inbox: r.inbox}
	return r, nil
}

// Run attaches us to our hub and delivers messages until ctx ends; then it
// closes every link and waits for its goroutines.
func (r *Router) Run(ctx context.Context) error {
	r.mu.Lock()
	r.ctx = ctx
	for _, url := range r.pending {
		if s := r.servers[url]; s != nil {
			r.startServerLocked(url, s)
		}
	}
	r.pending = nil
	r.mu.Unlock()
	r.cfg.Hub.Observe(func(peer identity.PeerID, online bool) {
		if !online && peer != r.cfg.Identity.ID() {
			// Must not block: the hub is locked. Check other links later.
			go r.maybeLost(peer)
		}
	})
	r.cfg.Hub.Attach(r.local)
	defer r.cfg.Hub.Detach(r.local)
	for {
		select {
		case <-r.inbox.ready:
			// Everything waiting, in turn; a push meanwhile signals again.
			for ctx.Err() == nil {
				env, ok := r.inbox.pop()
				if !ok {
					break
				}
				r.cfg.Handler.Handle(ctx, env)
			}
		case <-ctx.Done():
			r.mu.Lock()
			for id, c := range r.out {
				c.Close()
				delete(r.out, id)
			}
			for url, s := range r.servers {
				s.cancel()
				delete(r.servers, url)
			}
			r.mu.Unlock()
			r.wg.Wait()
			return ctx.Err()
		}
	}
}

func (r *Router) maybeLost(peer identity.PeerID) {
	r.mu.Lock()
	_, out := r.out[peer]
	r.mu.Unlock()
	if !out && !r.cfg.Hub.Online(peer) {
		r.cfg.Handler.LinkLost(peer)
	}
}

// Send delivers env to env.To over the best link: the peer's connection to
// our hub, our connection to its hub, a new LAN dial, or a server.
func (r *Router) Send(ctx context.Context, env signaling.Envelope) error {
	to := env.To
	env.From = r.cfg.Identity.ID()
	if r.cfg.Hub.Online(to) && to != env.From {
		if err := r.cfg.Hub.Route(&env); err == nil {
			return nil
		}
	}
	if c := r.outConn(to); c != nil {
		if err := c.Send(ctx, env); err == nil {
			return nil
		}
	}
	var lanErr error
	if r.cfg.Resolver != nil {
		if c, err := r.dialLAN(ctx, to); err == nil {
			if err := c.Send(ctx, env); err == nil {
				return nil
			}
		} else {
			lanErr = err
		}
	}
	if url := r.serverFor(to); url != "" {
		s := r.server(url)
		if s == nil {
			return fmt.Errorf("links: server %s not set up", url)
		}
		sctx, cancel := context.WithTimeout(ctx, r.cfg.DialTimeout)
		defer cancel()
		if err := s.client.Send(sctx, env); err != nil {
			return fmt.Errorf("links: send %s to %s via %s: %w", env.Type, to.Short(), url, err)
		}
		return nil
	}
	if lanErr != nil {
		return fmt.Errorf("links: send %s to %s: %w", env.Type, to.Short(), errors.Join(signaling.ErrUnavailable, lanErr))
	}
	return fmt.Errorf("links: send %s to %s: %w", env.Type, to.Short(), signaling.ErrUnavailable)
}

func (r *Router) outConn(peer identity.PeerID) *signaling.Conn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out[peer]
}

func (r *Router) serverFor(peer identity.PeerID) string {
	if r.cfg.Resolver != nil {
		if url := r.cfg.Resolver.ServerFor(peer); url != "" {
			return url
		}
	}
	// With exactly one server set up, it is the way to everyone.
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.servers) == 1 {
		for url := range r.servers {
			return url
		}
	}
	return ""
}

func (r *Router) server(url string) *serverLink {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.servers[url]
}

// dialLAN connects to peer's hub, trying each known address.
func (r *Router) dialLAN(ctx context.Context, peer identity.PeerID) (*signaling.Conn, error) {
	addrs := r.cfg.Resolver.LANAddrs(peer)
	if len(addrs) == 0 {
		return nil, ErrNoRoute
	}
	var errs []error
	for _, addr := range addrs {
		dctx, cancel := context.WithTimeout(ctx, r.cfg.DialTimeout)
		c, err := signaling.Dial(dctx, signaling.DialConfig{
			// An IPv6 zone ("%eth0") must be escaped inside a URL. wss:
			// the LAN link is TLS, with the handshake bound to it.
			URL: "wss://" + strings.ReplaceAll(addr, "%", "%25") + signaling.Path, Identity: r.cfg.Identity, ExpectPeer: peer,
		})
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", addr, err))
			continue
		}
		r.mu.Lock()
		if r.ctx == nil || r.ctx.Err() != nil {
			r.mu.Unlock()
			c.Close()
			return nil, errors.New("links: router not running")
		}
		if old := r.out[peer]; old != nil {
			// Someone else dialed meanwhile: keep theirs.
			r.mu.Unlock()
			c.Close()
			return old, nil
		}
		r.out[peer] = c
		r.wg.Add(1)
		r.mu.Unlock()
		go r.readOut(peer, c)
		r.cfg.Logger.Debug("links: dialed LAN peer", "peer", peer.Short(), "addr", addr)
		return c, nil
	}
	return nil, fmt.Errorf("links: dial %s: %w", peer.Short(), errors.Join(errs...))
}

func (r *Router) readOut(peer identity.PeerID, c *signaling.Conn) {
	defer r.wg.Done()
	ctx := r.runCtx()
	for {
		env, err := c.Recv()
		if err != nil {
			break
		}
		switch {
		case env.Type.Routed():
			r.cfg.Handler.Handle(ctx, env)
		case env.Type == signaling.TypeError:
			r.cfg.Handler.HandleError(signaling.ErrorOf(env))
		}
	}
	c.Close()
	r.mu.Lock()
	if r.out[peer] == c {
		delete(r.out, peer)
	}
	r.mu.Unlock()
	r.maybeLost(peer)
}

func (r *Router) runCtx() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ctx == nil {
		return context.Background()
	}
	return r.ctx
}

// AddServer starts a link to a signaling server (reconnecting until
// RemoveServer or the end of Run) and subscribes to peers' presence there.
// Before Run the link is registered at once (so Send can use it: Send
// waits for it to connect) and started by Run.
func (r *Router) AddServer(url, token string, peers []identity.PeerID) error {
	client, err := signaling.NewClient(signaling.ClientConfig{
		DialConfig: signaling.DialConfig{URL: url, Identity: r.cfg.Identity, Token: token},
		Logger:     r.cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("links: add server %s: %w", url, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.servers[url]; dup {
		return nil
	}
	s := &serverLink{client: client, cancel: func() {}}
	r.servers[url] = s
	client.Subscribe(context.Background(), peers) // remembered until connected
	if r.ctx == nil {
		r.pending = append(r.pending, url)
		return nil
	}
	r.startServerLocked(url, s)
	return nil
}

// startServerLocked runs a server link's goroutines; r.mu is held.
func (r *Router) startServerLocked(url string, s *serverLink) {
	ctx, cancel := context.WithCancel(r.ctx)
	s.cancel = cancel
	r.wg.Add(2)
	go func() {
		defer r.wg.Done()
		err := s.client.Run(ctx)
		if ctx.Err() == nil {
			r.cfg.Logger.Warn("links: server link stopped", "url", url, "err", err)
		}
	}()
	go func() {
		defer r.wg.Done()
		r.serveEvents(ctx, url, s.client)
	}()
}

// RemoveServer stops the link to url.
func (r *Router) RemoveServer(url string) {
	r.mu.Lock()
	s := r.servers[url]
	delete(r.servers, url)
	r.mu.Unlock()
	if s != nil {
		s.cancel()
	}
}

// SubscribeServer replaces the peers watched on server url.
func (r *Router) SubscribeServer(ctx context.Context, url string, peers []identity.PeerID) error {
	s := r.server(url)
	if s == nil {
		return fmt.Errorf("links: server %s not set up", url)
	}
	return s.client.Subscribe(ctx, peers)
}

func (r *Router) serveEvents(ctx context.Context, url string, c *signaling.Client) {
	for ev := range c.Events() {
		switch ev.Kind {
		case signaling.EventConnected:
			if r.cfg.ServerStatus != nil {
				r.cfg.ServerStatus(url, true, ev.Welcome.ICEServers, nil)
			}
		case signaling.EventDisconnected:
			if r.cfg.ServerStatus != nil {
				r.cfg.ServerStatus(url, false, nil, ev.Err)
			}
		case signaling.EventMessage:
			env := ev.Message
			switch {
			case env.Type.Routed():
				// Into the fair queue, so this reader keeps draining the
				// server's socket: a peer flooding through the server
				// loses its own excess, not everyone's turn.
				r.inbox.push(env)
			case env.Type == signaling.TypeError:
				r.cfg.Handler.HandleError(signaling.ErrorOf(env))
			}
		case signaling.EventPresence:
			if r.cfg.Presence != nil {
				for _, p := range ev.Presence {
					r.cfg.Presence(p.Peer, p.Online, url)
				}
			}
		}
	}
}

// Dropped returns how many messages for us were dropped because their
// sender had too many waiting (see InboxPerSender).
func (r *Router) Dropped() uint64 { return r.inbox.droppedCount() }

// localConn is our own endpoint on our hub: what the hub routes to our id
// comes here, into the router's per-sender fair queue. Send never blocks
// (the hub may hold its lock).
type localConn struct {
	id    identity.PeerID
	inbox *inbox
}

func (l *localConn) Peer() identity.PeerID { return l.id }

// Send decodes the frame here, in the sender's read goroutine (the
// flooder pays for its own frames), to queue it under its sender.
func (l *localConn) Send(frame []byte) bool {
	env, err := signaling.Decode(frame)
	if err != nil || !env.Type.Routed() {
		return true // not for the Handler (presence notices): nothing to keep
	}
	// false: the sender's own queue is full; it gets "unavailable: not
	// reading" for this message, others are not affected.
	return l.inbox.push(env)
}

func (l *localConn) Fail(*signaling.Error) {}

// HostPort joins a LAN address for Resolver implementations.
func HostPort(host string, port int) string { return net.JoinHostPort(host, fmt.Sprint(port)) }
