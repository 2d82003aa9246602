package bridge

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/peerline/peerline/app/events"
)

// Bridge serves the app's frontend and services to a browser on loopback.
// It is an events.Sink: events emitted to it reach every connected browser.
// Methods are safe for concurrent use.
type Bridge struct {
	cfg       Config
	log       *slog.Logger
	reg       *registry
	token     string
	tokenHash [sha256.Size]byte
	launches  *launches // single-use logins for the call window (LaunchURL)

	ctx    context.Context // parent of every connection's; canceled by Close
	cancel context.CancelFunc
	done   chan struct{} // closed by Close

	// Set by Start, read-only after.
	srv     *http.Server
	port    string
	origin  string          // http://HOST:PORT, as listened on
	hosts   map[string]bool // allowed Host headers
	origins map[string]bool // allowed Origin headers
	csp     string

	mu      sync.Mutex
	started bool
	closed  bool
	conns   map[*conn]struct{}
	wg      sync.WaitGroup // connection goroutines

	closeOnce sync.Once
}

var _ events.Sink = (*Bridge)(nil)

// New validates cfg, registers cfg.Services and makes the launch token.
// Nothing listens until Start.
func New(cfg Config) (*Bridge, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("bridge: making token: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Bridge{
		cfg:    cfg,
		log:    cfg.Logger,
		reg:    newRegistry(),
		token:  base64.RawURLEncoding.EncodeToString(secret),
		ctx:    ctx,
		cancel: cancel,
		done:   make(chan struct{}),
		conns:  map[*conn]struct{}{},
	}
	b.launches = newLaunches(cfg.LaunchDir, cfg.Logger, time.Now)
	b.tokenHash = sha256.Sum256([]byte(b.token))
	for name, svc := range cfg.Services {
		if err := b.Register(name, svc); err != nil {
			cancel()
			return nil, err
		}
	}
	return b, nil
}

// Register makes svc's callable methods available as "name.Method". An
// empty name means svc's type name, as Wails names bound structs. It fails
// for a nil service, a name that isn't a Go identifier, a name already
// registered, or a service with no callable methods (see the package
// comment for the signatures). Exported methods with other signatures are
// skipped and logged at debug level.
func (b *Bridge) Register(name string, svc any) error {
	skipped, err := b.reg.register(name, svc)
	if err != nil {
		return err
	}
	if len(skipped) > 0 {
		b.log.Debug("bridge: methods not callable over the bridge", "service", name, "methods", skipped)
	}
	return nil
}

// Methods lists the callable "Service.Method" names, sorted.
func (b *Bridge) Methods() []string { return b.reg.names() }

// Start listens and serves until Close or until ctx is done. It returns the
// URL to open, http://127.0.0.1:PORT/#token=TOKEN (the token in the
// fragment, which the browser never sends to a server; the page keeps it).
// The URL is the only place the token leaves the bridge: print it where
// the user asked for it, never log it, never put it on a command line
// (that is what LaunchURL is for).
func (b *Bridge) Start(ctx context.Context) (url string, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.closed:
		return "", ErrClosed
	case b.started:
		return "", ErrStarted
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", b.cfg.Addr)
	if err != nil {
		return "", fmt.Errorf("bridge: listen: %w", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	b.port = strconv.Itoa(addr.Port)
	hostport := net.JoinHostPort(addr.IP.String(), b.port)
	local := "localhost:" + b.port
	b.origin = "http://" + hostport
	b.hosts = map[string]bool{hostport: true, local: true}
	b.origins = map[string]bool{b.origin: true, "http://" + local: true}
	b.csp = "default-src 'self'; " +
		"script-src 'self'; " +
		"style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data: blob:; " +
		"media-src 'self' blob: mediastream:; " +
		"connect-src 'self' ws://" + hostport + " ws://" + local + "; " +
		"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
	b.srv = &http.Server{
		Handler:           b,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(b.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return b.ctx },
	}
	b.started = true
	b.launches.clean()
	go func() {
		if err := b.srv.Serve(&sameUser{Listener: ln, log: b.log, uid: ownUID()}); err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.log.Error("bridge: serve", "err", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			b.Close()
		case <-b.done:
		}
	}()
	b.log.Info("bridge: listening", "addr", hostport)
	return b.origin + "/#token=" + b.token, nil
}

// Close stops listening, closes every WebSocket (1001, going away) and
// cancels the contexts of calls still running; it waits for the
// connections to end, not for those calls. It is safe to call more than
// once and before Start.
func (b *Bridge) Close() error {
	var err error
	b.closeOnce.Do(func() {
		b.mu.Lock()
		b.closed = true
		srv := b.srv
		conns := make([]*conn, 0, len(b.conns))
		for c := range b.conns {
			conns = append(conns, c)
		}
		b.mu.Unlock()

		close(b.done)
		b.cancel()
		if srv != nil {
			err = srv.Close()
		}
		for _, c := range conns {
			go c.kill(closeGoingAway, "bridge closing") // each may wait 1s on a stuck socket
		}
		b.wg.Wait()
		b.launches.close()
	})
	return err
}

// Emit pushes an event to every connected browser. It never blocks: a
// browser that isn't reading fills its queue and is disconnected, and
// reconnects. Data must encode with encoding/json; if it doesn't, the
// event is logged and dropped.
func (b *Bridge) Emit(name events.Name, data any) {
	msg, err := json.Marshal(push{Event: string(name), Data: data})
	if err != nil {
		b.log.Error("bridge: cannot encode event", "event", string(name), "err", err)
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for c := range b.conns {
		c.enqueue(outbound{data: msg})
	}
}

// addConn tracks a new connection, refusing it when closed or full.
func (b *Bridge) addConn(c *conn) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrClosed
	}
	if len(b.conns) >= b.cfg.MaxConnections {
		return errTooManyConns
	}
	b.conns[c] = struct{}{}
	b.wg.Add(2) // reader and writer
	return nil
}

func (b *Bridge) removeConn(c *conn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.conns, c)
}
