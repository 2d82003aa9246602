package discovery

import (
	"log/slog"
	"net/http"
	"time"
)

// The LAN hub's HTTP limits. Anyone on the LAN can connect to the hub,
// so no connection may be held for free: headers must arrive promptly,
// a request must be read promptly, and a kept-alive connection that goes
// quiet is closed. WebSocket connections are hijacked (gorilla/websocket
// clears these deadlines) and keep their own: the handshake deadline,
// then pings (package signaling/server).
const (
	// DefaultHubIdleTimeout closes a kept-alive hub connection idle that
	// long between requests. Liveness probes (package discovery) come
	// every half second on one kept-alive connection, well within it.
	DefaultHubIdleTimeout = 30 * time.Second
	hubReadHeaderTimeout  = 10 * time.Second
	hubReadTimeout        = 15 * time.Second
	hubWriteTimeout       = 15 * time.Second // /healthz and /metrics answers
	hubMaxHeaderBytes     = 16 << 10
)

// NewHubServer returns the hub's http.Server for handler h; idle 0 means
// DefaultHubIdleTimeout.
func NewHubServer(h http.Handler, idle time.Duration, log *slog.Logger) *http.Server {
	if idle <= 0 {
		idle = DefaultHubIdleTimeout
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: hubReadHeaderTimeout,
		ReadTimeout:       hubReadTimeout,
		WriteTimeout:      hubWriteTimeout,
		IdleTimeout:       idle,
		MaxHeaderBytes:    hubMaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.With("part", "hub").Handler(), slog.LevelDebug),
	}
}
