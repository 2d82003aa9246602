package discovery

import (
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// Defaults for Config fields left zero. docs/performance.md has the
// latencies they give.
const (
	// DefaultProbeInterval is how often an online peer's hub is probed:
	// a steady, modest rate (two small requests a second on a kept-alive
	// connection) that still notices a quit within a second. It is also
	// the first step of the backoff after a failed probe.
	DefaultProbeInterval = 500 * time.Millisecond
	// DefaultProbeTimeout bounds one probe. A LAN answers in
	// milliseconds; a second covers a Wi-Fi station waking from power
	// save.
	DefaultProbeTimeout = time.Second
	// DefaultOfflineAfter is how long an online peer may go without
	// answering (timeouts, unreachable host) before it is offline. A
	// refused probe makes it offline at once.
	DefaultOfflineAfter = 5 * time.Second
	// DefaultOfflineProbeInterval is the shortest wait between probes of
	// a peer that is offline (or announced but not yet reachable); after
	// each further failure the wait doubles, up to MaxProbeBackoff.
	DefaultOfflineProbeInterval = time.Second
	// DefaultMaxProbeBackoff caps the backoff of an address that keeps
	// failing: about 25 probes in ForgetAfter, where one probe a second
	// made 600.
	DefaultMaxProbeBackoff = 30 * time.Second
	// DefaultGlobalProbeRate bounds every probe request of an MDNS
	// together, per second (a token bucket of as many tokens): 32 live
	// hubs at ProbeInterval, whatever forged announcements ask for.
	DefaultGlobalProbeRate = 64
	// DefaultForgetAfter is how long a peer found by mDNS stays known
	// (offline, still probed) after its last sign of life. Static peers
	// are never forgotten.
	DefaultForgetAfter = 10 * time.Minute
	// DefaultRebrowseInterval is how often the mDNS browse is restarted
	// from scratch (see the package comment for why).
	DefaultRebrowseInterval = time.Minute
	// DefaultInterfacePoll is how often the network interfaces are
	// checked; a change re-advertises and restarts the browse.
	DefaultInterfacePoll = 2 * time.Second
)

// Config configures an MDNS. ID and HubPort are required; every other
// field's zero value means the default named in its comment.
type Config struct {
	// ID is this peer's id, advertised in TXT "id". Required.
	ID identity.PeerID
	// HubPort is the TCP port of this peer's signaling hub, advertised in
	// the SRV record (see ListenHub). Required.
	HubPort int
	// Name is the display name advertised in TXT "name", cut to
	// MaxNameBytes. Default: the host name.
	Name string
	// Interfaces names the network interfaces to advertise and browse on,
	// for machines with VPN or Docker interfaces. Peers' addresses outside
	// these interfaces' subnets are not probed. Default: every interface
	// that is up and multicast-capable.
	Interfaces []string
	// Subnets limits discovery to interfaces with an address in one of
	// these prefixes, and peers' addresses to these prefixes (IPv6
	// link-local addresses of the chosen interfaces always pass).
	// Default: no limit.
	Subnets []netip.Prefix
	// ProbeInterval is how often an online peer's hub is probed. Default
	// DefaultProbeInterval.
	ProbeInterval time.Duration
	// ProbeTimeout bounds one probe. Default DefaultProbeTimeout.
	ProbeTimeout time.Duration
	// OfflineAfter is how long an online peer may go unanswered before it
	// is offline. Default DefaultOfflineAfter.
	OfflineAfter time.Duration
	// OfflineProbeInterval is how often offline peers are probed.
	// Default DefaultOfflineProbeInterval.
	OfflineProbeInterval time.Duration
	// MaxProbeBackoff caps the wait between probes of an address that
	// keeps failing. Default DefaultMaxProbeBackoff.
	MaxProbeBackoff time.Duration
	// GlobalProbeRate bounds all probe requests together, per second.
	// Default DefaultGlobalProbeRate.
	GlobalProbeRate float64
	// ForgetAfter is how long an offline peer found by mDNS stays known.
	// Default DefaultForgetAfter.
	ForgetAfter time.Duration
	// RebrowseInterval is how often browsing restarts from scratch.
	// Default DefaultRebrowseInterval.
	RebrowseInterval time.Duration
	// InterfacePoll is how often interfaces are checked for changes.
	// Default DefaultInterfacePoll.
	InterfacePoll time.Duration
	// Identity, when set, turns proofs on (proof.go): an announced
	// (id, address) counts only once the hub there has proven id's key in
	// a TLS-bound handshake signed by this identity, and the peer's name
	// is the one its hub signed. Default: none (the announcement is
	// believed; for tests of discovery alone).
	Identity signaling.Signer
	// Logger receives structured logs. Default slog.Default().
	Logger *slog.Logger
}

func (c *Config) withDefaults() (Config, error) {
	out := *c
	if out.Name == "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "Peerline"
		}
		out.Name = host
	}
	out.Name = cleanName(out.Name)
	out.Interfaces = append([]string(nil), c.Interfaces...)
	out.Subnets = append([]netip.Prefix(nil), c.Subnets...)
	setDefault(&out.ProbeInterval, DefaultProbeInterval)
	setDefault(&out.ProbeTimeout, DefaultProbeTimeout)
	setDefault(&out.OfflineAfter, DefaultOfflineAfter)
	setDefault(&out.OfflineProbeInterval, DefaultOfflineProbeInterval)
	setDefault(&out.MaxProbeBackoff, DefaultMaxProbeBackoff)
	if out.GlobalProbeRate == 0 {
		out.GlobalProbeRate = DefaultGlobalProbeRate
	}
	setDefault(&out.ForgetAfter, DefaultForgetAfter)
	setDefault(&out.RebrowseInterval, DefaultRebrowseInterval)
	setDefault(&out.InterfacePoll, DefaultInterfacePoll)
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	return out, out.validate()
}

func setDefault(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

func (c *Config) validate() error {
	switch {
	case c.ID.IsZero():
		return fmt.Errorf("discovery: config: ID: %w: required", ErrBadConfig)
	case c.HubPort <= 0 || c.HubPort > 65535:
		return fmt.Errorf("discovery: config: HubPort %d: %w: want 1-65535", c.HubPort, ErrBadConfig)
	case c.ProbeInterval < 0 || c.ProbeTimeout < 0 || c.OfflineAfter < 0 ||
		c.OfflineProbeInterval < 0 || c.ForgetAfter < 0 || c.RebrowseInterval < 0 || c.InterfacePoll < 0 ||
		c.MaxProbeBackoff < 0:
		return fmt.Errorf("discovery: config: %w: durations must not be negative", ErrBadConfig)
	case c.GlobalProbeRate < 0:
		return fmt.Errorf("discovery: config: GlobalProbeRate %v: %w: must not be negative", c.GlobalProbeRate, ErrBadConfig)
	case c.MaxProbeBackoff < c.OfflineProbeInterval:
		return fmt.Errorf("discovery: config: MaxProbeBackoff %v: %w: shorter than OfflineProbeInterval %v", c.MaxProbeBackoff, ErrBadConfig, c.OfflineProbeInterval)
	case c.OfflineAfter < c.ProbeInterval+c.ProbeTimeout:
		return fmt.Errorf("discovery: config: OfflineAfter %v: %w: must cover at least one probe (ProbeInterval + ProbeTimeout = %v)",
			c.OfflineAfter, ErrBadConfig, c.ProbeInterval+c.ProbeTimeout)
	case c.ForgetAfter < c.OfflineAfter:
		return fmt.Errorf("discovery: config: ForgetAfter %v: %w: shorter than OfflineAfter %v", c.ForgetAfter, ErrBadConfig, c.OfflineAfter)
	}
	for _, p := range c.Subnets {
		if !p.IsValid() {
			return fmt.Errorf("discovery: config: Subnets: %w: invalid prefix", ErrBadConfig)
		}
	}
	for _, name := range c.Interfaces {
		if name == "" {
			return fmt.Errorf("discovery: config: Interfaces: %w: empty name", ErrBadConfig)
		}
	}
	return nil
}
