package server

import (
	"context"
	"crypto/subtle"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/hub"
	"github.com/peerline/peerline/signaling/identity"
)

// Server serves the signaling endpoint. Create it with New; it is safe for
// concurrent use.
type Server struct {
	cfg      Config
	hub      *hub.Hub
	registry *prometheus.Registry
	metrics  *metrics
	upgrader websocket.Upgrader

	mu       sync.Mutex
	perIP    map[string]int
	live     map[*conn]struct{} // every upgraded connection, authed or not
	closing  bool
	wg       sync.WaitGroup // one per tracked connection, until conn.finish
	draining atomic.Bool
	unauthed atomic.Int64 // requests past the limits and not through their handshake
}

// New validates cfg and returns a Server.
func New(cfg Config) (*Server, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	s := &Server{
		cfg:      c,
		hub:      hub.NewWith(hub.Options{MaxFrameBytes: c.MaxMessageBytes}),
		registry: reg,
		metrics:  newMetrics(reg),
		perIP:    make(map[string]int),
		live:     make(map[*conn]struct{}),
	}
	s.upgrader = websocket.Upgrader{
		// gorilla reads through the hijacker's small bufio.Reader
		// (ReadBufferSize 0 makes it reuse that one), which batchConn
		// feeds from a pooled buffer; with the pooled write buffer this
		// keeps an idle connection cheap (docs/performance.md).
		ReadBufferSize:   0,
		WriteBufferPool:  &writePool,
		CheckOrigin:      s.checkOrigin,
		HandshakeTimeout: c.AuthTimeout,
	}
	return s, nil
}

var writePool sync.Pool

// Hub returns the server's routing table.
func (s *Server) Hub() *hub.Hub { return s.hub }

// Registry returns the server's Prometheus registry, for adding process
// collectors or serving it elsewhere.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Handler returns a mux with the WebSocket endpoint at signaling.Path,
// GET /healthz and GET /metrics. Serve it over HTTP/1.1 only: with HTTP/2
// negotiated, browsers send WebSockets as extended CONNECT (RFC 8441),
// which this endpoint does not speak (set TLSConfig.NextProtos to
// []string{"http/1.1"}).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle(signaling.Path, s)
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	return mux
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	if s.draining.Load() {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if r := s.hub.Remote(); r != nil {
		if err := r.Ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if len(s.cfg.AllowedOrigins) > 0 {
		for _, o := range s.cfg.AllowedOrigins {
			if o == "*" || strings.EqualFold(o, origin) {
				return true
			}
		}
		return false
	}
	if origin == "" {
		return true // native clients send no Origin
	}
	u, err := url.Parse(origin)
	return err == nil && strings.EqualFold(u.Host, r.Host)
}

func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustForwardedFor {
		// The rightmost entry is the one our proxy appended; anything left
		// of it came from the client and may be forged.
		// A proxy may append to the client's header or add its own line:
		// either way the last entry of the last line is the proxy's.
		if lines := r.Header.Values("X-Forwarded-For"); len(lines) > 0 {
			xff := lines[len(lines)-1]
			if i := strings.LastIndexByte(xff, ','); i >= 0 {
				xff = xff[i+1:]
			}
			if ip := strings.TrimSpace(xff); ip != "" {
				return ip
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) audience(r *http.Request) string {
	if s.cfg.Audience != "" {
		return s.cfg.Audience
	}
	scheme := "ws"
	if r.TLS != nil || (s.cfg.TrustForwardedFor && r.Header.Get("X-Forwarded-Proto") == "https") {
		scheme = "wss"
	}
	return scheme + "://" + r.Host + signaling.Path
}

// ServeHTTP upgrades one request and runs its handshake. After a
// successful handshake the connection's read loop runs in its own
// goroutine (owned by the Server, stopped by Shutdown) and ServeHTTP
// returns, which lets net/http free its per-request state.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ip := s.clientIP(r)
	if !s.acquireIP(ip) {
		reason, status := "too_many_connections", http.StatusTooManyRequests
		if s.draining.Load() {
			reason, status = "shutting_down", http.StatusServiceUnavailable
		}
		s.metrics.rejected.WithLabelValues(reason).Inc()
		http.Error(w, reason, status)
		return
	}
	if !s.checkOrigin(r) {
		s.releaseIP(ip)
		s.metrics.rejected.WithLabelValues("origin").Inc()
		s.cfg.Logger.Warn("signal: origin refused", "ip", ip, "origin", r.Header.Get("Origin"))
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return
	}
	// Counted from before the upgrade to the end of the handshake, all
	// of which runs here.
	if n := s.unauthed.Add(1); s.cfg.MaxUnauthenticated > 0 && n > int64(s.cfg.MaxUnauthenticated) {
		s.unauthed.Add(-1)
		s.releaseIP(ip)
		s.metrics.rejected.WithLabelValues("too_many_unauthenticated").Inc()
		http.Error(w, "too_many_unauthenticated", http.StatusServiceUnavailable)
		return
	}
	defer s.unauthed.Add(-1)
	hj := &hijacker{ResponseWriter: w}
	ws, err := s.upgrader.Upgrade(hj, r, nil)
	if err != nil {
		s.releaseIP(ip)
		s.metrics.rejected.WithLabelValues("upgrade").Inc()
		return // the upgrader already answered with an HTTP error
	}
	c := newConn(s, ws, ip)
	c.bc, c.br = hj.conn, hj.br
	if !s.track(c) {
		c.closeNow(websocket.CloseServiceRestart, signaling.CodeShuttingDown.String())
		s.releaseIP(ip)
		return
	}
	var binding []byte
	if r.TLS != nil {
		// Only when this process terminates TLS: behind a TLS proxy the
		// client's session is with the proxy, and nothing binds.
		binding, _ = signaling.TLSBinding(r.TLS)
	}
	peer, probe, err := c.handshake(s.audience(r), binding)
	if err != nil {
		s.cfg.Logger.Info("signal: handshake refused", "ip", ip, "err", err)
		c.finish()
		return
	}
	if probe {
		c.finish()
		return
	}
	c.peer = peer
	s.metrics.connections.Inc()
	s.hub.Attach(c)
	c.release()
	s.cfg.Logger.Debug("signal: connected", "peer", peer.Short(), "ip", ip)
	go func() {
		c.readLoop()
		s.hub.Detach(c)
		s.metrics.connections.Dec()
		s.cfg.Logger.Debug("signal: disconnected", "peer", peer.Short(), "ip", ip)
		c.finish()
	}()
}

func (s *Server) acquireIP(ip string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if s.cfg.MaxConnsPerIP > 0 && s.perIP[ip] >= s.cfg.MaxConnsPerIP {
		return false
	}
	s.perIP[ip]++
	return true
}

func (s *Server) releaseIP(ip string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perIP[ip] <= 1 {
		delete(s.perIP, ip)
	} else {
		s.perIP[ip]--
	}
}

func (s *Server) track(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.live[c] = struct{}{}
	s.wg.Add(1) // done in conn.finish
	return true
}

func (s *Server) untrack(c *conn) {
	s.mu.Lock()
	delete(s.live, c)
	s.mu.Unlock()
	s.releaseIP(c.ip)
}

// Shutdown tells every client to reconnect later (error shutting_down with
// a jittered retry_ms, then close 1012), refuses new connections, and waits
// for the connections to end or ctx to expire, then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	s.draining.Store(true)
	s.mu.Lock()
	s.closing = true
	conns := make([]*conn, 0, len(s.live))
	for c := range s.live {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	base := s.cfg.RetryAfter
	for _, c := range conns {
		retry := base + time.Duration(rand.Int64N(int64(base)+1))
		c.Fail(&signaling.Error{Code: signaling.CodeShuttingDown,
			Message: "server restarting", RetryMs: int(retry / time.Millisecond)})
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		for _, c := range conns {
			c.ws.NetConn().Close()
		}
		<-done
		return fmt.Errorf("server: shutdown: %w", ctx.Err())
	}
}

func (s *Server) checkToken(got string) bool {
	if s.cfg.AccessToken == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AccessToken)) == 1
}

func (s *Server) welcome(peer identity.PeerID, a signaling.Auth, audience string, binding []byte) signaling.Welcome {
	w := signaling.Welcome{
		Peer: peer,
		Limits: signaling.Limits{
			MaxMessageBytes: s.cfg.MaxMessageBytes,
			RatePerSecond:   s.cfg.RatePerSecond,
			Burst:           s.cfg.Burst,
			MaxSubscribeIDs: signaling.MaxSubscribeIDs,
		},
	}
	if len(s.cfg.STUNURLs) > 0 {
		w.ICEServers = append(w.ICEServers, signaling.ICEServer{URLs: s.cfg.STUNURLs})
	}
	if len(s.cfg.TURNURLs) > 0 {
		user, cred := TURNCredentials(s.cfg.TURNSecret, peer.String(), s.cfg.Now().Add(s.cfg.TURNTTL))
		w.ICEServers = append(w.ICEServers, signaling.ICEServer{URLs: s.cfg.TURNURLs, Username: user, Credential: cred})
	}
	if a.Challenge != nil && s.cfg.Identity != nil {
		var name string
		if s.cfg.Name != nil {
			name = cutName(s.cfg.Name())
		}
		w.Listener = signaling.SignListener(s.cfg.Identity, a.Challenge, audience, peer, binding, name, s.cfg.Now())
	}
	return w
}

// cutName cuts a display name to signaling.MaxProofName bytes on a rune
// boundary.
func cutName(s string) string {
	if len(s) <= signaling.MaxProofName {
		return s
	}
	s = s[:signaling.MaxProofName]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
