package bridge

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
)

// Defaults for zero Config fields.
const (
	DefaultAddr            = "127.0.0.1:0"
	DefaultMaxMessageBytes = 1 << 20
	DefaultRatePerSecond   = 100
	DefaultBurst           = 200
	DefaultMaxInFlight     = 16
	DefaultMaxConnections  = 32
	DefaultVersion         = "dev"
)

// Config configures a Bridge. The zero value serves no services and no
// assets on a random loopback port.
type Config struct {
	// Addr is the address to listen on, host:port. The host must be a
	// loopback IP or "localhost" (which means 127.0.0.1); anything else is
	// refused with ErrNotLoopback. Port 0 picks a free port.
	// Default DefaultAddr, "127.0.0.1:0".
	Addr string
	// Assets is the built frontend, served at /: index.html at its root
	// (for an embed.FS of frontend/dist, pass fs.Sub(assets,
	// "frontend/dist")). Default nil: only /api is served.
	Assets fs.FS
	// Services are registered as by Register, by name. Default none.
	Services map[string]any
	// Logger receives the bridge's log lines; they never hold the token.
	// Default slog.Default().
	Logger *slog.Logger
	// Version is the app version /api/info reports. Default "dev".
	Version string
	// MaxMessageBytes is the largest request frame accepted. A larger one
	// gets a too_large error and the connection closes with 1009.
	// Default DefaultMaxMessageBytes, 1 MiB.
	MaxMessageBytes int64
	// RatePerSecond and Burst limit frames per connection (a token bucket:
	// Burst at once, RatePerSecond sustained); frames over the limit get a
	// rate_limited error. Defaults DefaultRatePerSecond (100) and
	// DefaultBurst (200).
	RatePerSecond float64
	Burst         int
	// MaxInFlight is how many calls one connection may have running at
	// once; more get a busy error. Default DefaultMaxInFlight, 16.
	MaxInFlight int
	// LaunchDir holds the launch pages of LaunchURL (mode 0600; the
	// directory is made or set to mode 0700). Pages left there by an
	// earlier run are deleted at Start. Default "": a new directory under
	// os.TempDir, removed at Close.
	LaunchDir string
	// MaxConnections is how many WebSockets may be open at once; more are
	// refused with 503. Default DefaultMaxConnections, 32.
	MaxConnections int
	// Handlers serve further paths under /api/, by prefix ("/api/files/"),
	// behind the same Host, Origin and token checks as /api; any method
	// reaches them (each refuses what it does not serve). For binary
	// streams that the WebSocket's JSON frames and frame rate would slow
	// down. Default none.
	Handlers map[string]http.Handler
}

// withDefaults fills zero fields and validates the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	addr, err := loopbackAddr(c.Addr)
	if err != nil {
		return c, err
	}
	c.Addr = addr
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if c.MaxMessageBytes == 0 {
		c.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if c.RatePerSecond == 0 {
		c.RatePerSecond = DefaultRatePerSecond
	}
	if c.Burst == 0 {
		c.Burst = DefaultBurst
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.MaxConnections == 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	for p := range c.Handlers {
		if !strings.HasPrefix(p, "/api/") || !strings.HasSuffix(p, "/") || p == sessionPath+"/" || p == "/api/info/" {
			return c, fmt.Errorf("%w: handler path %q must be a /api/…/ prefix of its own", ErrBadConfig, p)
		}
	}
	switch {
	case c.MaxMessageBytes < 0:
		return c, fmt.Errorf("%w: MaxMessageBytes %d is negative", ErrBadConfig, c.MaxMessageBytes)
	case c.RatePerSecond < 0:
		return c, fmt.Errorf("%w: RatePerSecond %g is negative", ErrBadConfig, c.RatePerSecond)
	case c.Burst < 0:
		return c, fmt.Errorf("%w: Burst %d is negative", ErrBadConfig, c.Burst)
	case c.MaxInFlight < 0:
		return c, fmt.Errorf("%w: MaxInFlight %d is negative", ErrBadConfig, c.MaxInFlight)
	case c.MaxConnections < 0:
		return c, fmt.Errorf("%w: MaxConnections %d is negative", ErrBadConfig, c.MaxConnections)
	}
	return c, nil
}

// loopbackAddr checks that addr is host:port on a loopback IP, mapping
// "localhost" to 127.0.0.1 without asking DNS.
func loopbackAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrNotLoopback, addr, err)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("%w: %q: port must be a number from 0 to 65535", ErrNotLoopback, addr)
	} else {
		port = strconv.FormatUint(p, 10)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("%w: %q: host must be 127.0.0.1, ::1 or localhost", ErrNotLoopback, addr)
	}
	return net.JoinHostPort(ip.String(), port), nil
}
