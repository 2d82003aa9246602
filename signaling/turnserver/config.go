package turnserver

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"time"
)

// Defaults of Config's zero fields.
const (
	DefaultRealm = "peerline"
	// DefaultMaxAllocations bounds the relay sockets of the whole server;
	// each holds a file descriptor and a goroutine.
	DefaultMaxAllocations = 1000
	// DefaultMaxAllocationsPerUser leaves room for a browser's allocation
	// per TURN URL (udp, tcp, tls) over a couple of calls and ICE restarts.
	DefaultMaxAllocationsPerUser = 12
	// DefaultAllocationBitsPerSecond is a 1080p call with room to spare
	// (both directions of one allocation share it).
	DefaultAllocationBitsPerSecond = 10_000_000
)

// Config configures a Server. Listen and Secret are required; the zero
// value of every other field works.
type Config struct {
	// Listen is the HOST:PORT served on both UDP and TCP. Port 0 picks
	// one free on both.
	Listen string
	// TLSListen, with TLS, is the HOST:PORT of TURN over TLS. Default: none.
	TLSListen string
	// TLS configures the TLSListen listener.
	TLS *tls.Config
	// ExternalIP is the relay address announced to clients (behind 1:1
	// NAT, the public address). Default: Listen's host, which must then
	// be a specific address.
	ExternalIP net.IP
	// MinPort and MaxPort bound the relay ports (inclusive). Zero: any
	// port the kernel picks.
	MinPort, MaxPort int
	// Secret is the coturn static-auth-secret the credentials are signed with.
	Secret string
	// Realm is the TURN realm. Default DefaultRealm.
	Realm string
	// AllowPeers are peer ranges allowed although refusedPeers lists them.
	AllowPeers []netip.Prefix
	// MaxAllocations bounds allocations on the whole server. Default
	// DefaultMaxAllocations; negative means no limit.
	MaxAllocations int
	// MaxAllocationsPerUser bounds one user's allocations (the user part
	// of the credential, a peer id). Default DefaultMaxAllocationsPerUser;
	// negative means no limit.
	MaxAllocationsPerUser int
	// AllocationBitsPerSecond bounds the traffic relayed by one
	// allocation, both directions together. Default
	// DefaultAllocationBitsPerSecond; negative means no limit.
	AllocationBitsPerSecond int64
	// UDPSockets is how many SO_REUSEPORT sockets share the UDP port, so
	// reading spreads over cores. Default runtime.NumCPU() (1 where the
	// platform has no SO_REUSEPORT).
	UDPSockets int
	// Logger logs. Default slog.Default().
	Logger *slog.Logger
	// Now returns the time (tests). Default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() (Config, error) {
	if c.Listen == "" {
		return c, errors.New("turnserver: config: Listen is required")
	}
	if c.Secret == "" {
		return c, errors.New("turnserver: config: Secret is required")
	}
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return c, fmt.Errorf("turnserver: config: Listen %q: %w", c.Listen, err)
	}
	if c.ExternalIP == nil {
		ip := net.ParseIP(host)
		if ip == nil || ip.IsUnspecified() {
			return c, fmt.Errorf("turnserver: config: Listen %q has no specific address: set ExternalIP", c.Listen)
		}
		c.ExternalIP = ip
	}
	if c.ExternalIP.IsUnspecified() {
		return c, errors.New("turnserver: config: ExternalIP is unspecified")
	}
	switch {
	case c.MinPort == 0 && c.MaxPort == 0:
	case c.MinPort < 1 || c.MaxPort > 65535 || c.MinPort > c.MaxPort:
		return c, fmt.Errorf("turnserver: config: relay ports %d-%d: want 1 <= min <= max <= 65535", c.MinPort, c.MaxPort)
	}
	if c.TLSListen != "" && c.TLS == nil {
		return c, errors.New("turnserver: config: TLSListen needs TLS")
	}
	if c.Realm == "" {
		c.Realm = DefaultRealm
	}
	if c.MaxAllocations == 0 {
		c.MaxAllocations = DefaultMaxAllocations
	}
	if c.MaxAllocationsPerUser == 0 {
		c.MaxAllocationsPerUser = DefaultMaxAllocationsPerUser
	}
	if c.AllocationBitsPerSecond == 0 {
		c.AllocationBitsPerSecond = DefaultAllocationBitsPerSecond
	}
	if c.UDPSockets <= 0 {
		c.UDPSockets = runtime.NumCPU()
	}
	if !reusePortSupported {
		c.UDPSockets = 1
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}
