package server

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/peerline/peerline/signaling"
)

// Defaults for Config fields left zero.
const (
	DefaultMaxConnsPerIP = 64
	// DefaultMaxUnauthenticated holds 10,000 idle unauthenticated
	// connections with room to spare, at about 22 KB each (360 MB).
	DefaultMaxUnauthenticated = 16384
	DefaultRatePerSecond      = 50
	DefaultBurst              = 200
	DefaultAuthTimeout        = 10 * time.Second
	DefaultPingInterval       = 25 * time.Second
	DefaultWriteTimeout       = 10 * time.Second
	// DefaultSendQueueFrames is SendQueueBytes' default in frames of the
	// largest size: a few, so a client that stops reading is cut early.
	DefaultSendQueueFrames = 4
	DefaultTURNTTL         = 12 * time.Hour
	DefaultRetryAfter      = 2 * time.Second
)

// Config configures a Server. The zero value serves plain ws with no token,
// no ICE servers and the defaults above.
type Config struct {
	// Identity, when set, lets the listener prove its key to clients that
	// ask (LAN hubs). Default: none.
	Identity signaling.Signer
	// Personal makes this a personal hub (the desktop app's LAN hub): it
	// carries messages to and from its owner, Identity, only; clients may
	// not reach each other through it nor watch presence. Requires
	// Identity. Default false (a public server such as peerline-signal).
	Personal bool
	// Name returns the display name a bound listener proof carries
	// (truncated to signaling.MaxProofName): LAN peers learn the owner's
	// name from the proven handshake, not from mDNS. Default: none.
	Name func() string
	// Audience is the name clients sign: the public URL
	// ("wss://signal.example.com/v1/signal") or, for a LAN hub, the
	// listener's peer id. Default: the peer id of Identity when set, else
	// derived from each request's Host header, which is weaker (see
	// docs/protocol.md); set it in production.
	Audience string
	// AllowedOrigins lists the Origin header values accepted; "*" accepts
	// any. Default: requests with no Origin (native clients) and browser
	// requests whose Origin host equals the Host header.
	AllowedOrigins []string
	// AccessToken, when set, must be presented in auth (constant-time
	// check). Default: none.
	AccessToken string
	// STUNURLs are handed to clients in welcome. Default: none.
	STUNURLs []string
	// TURNURLs are handed to clients with credentials computed from
	// TURNSecret in the coturn REST-API format. Default: none.
	TURNURLs []string
	// TURNSecret is coturn's static-auth-secret. Required with TURNURLs.
	TURNSecret string
	// TURNTTL is how long TURN credentials last. Default DefaultTURNTTL.
	TURNTTL time.Duration
	// MaxMessageBytes is the largest frame accepted. Default
	// signaling.DefaultMaxMessageBytes (64 KiB).
	MaxMessageBytes int
	// RatePerSecond and Burst limit each connection's messages. Defaults
	// DefaultRatePerSecond and DefaultBurst.
	RatePerSecond float64
	Burst         int
	// MaxConnsPerIP limits concurrent connections from one IP; more get
	// HTTP 429. Default DefaultMaxConnsPerIP; negative means no limit.
	MaxConnsPerIP int
	// MaxUnauthenticated limits the connections, from all addresses,
	// that have not finished their handshake yet; more get HTTP 503
	// before the upgrade. Each costs a handshake goroutine and buffers
	// until it authenticates or the AuthTimeout ends it, so this bounds
	// what many addresses opening connections without authenticating
	// can hold. Default DefaultMaxUnauthenticated; negative means no
	// limit.
	MaxUnauthenticated int
	// TrustForwardedFor takes the client IP from X-Forwarded-For (behind a
	// reverse proxy). Default false.
	TrustForwardedFor bool
	// AuthTimeout bounds the handshake. Default DefaultAuthTimeout.
	AuthTimeout time.Duration
	// PingInterval is how often the server pings; a client silent for
	// three intervals is dropped (half-open). Default DefaultPingInterval.
	PingInterval time.Duration
	// WriteTimeout bounds each write. Default DefaultWriteTimeout.
	WriteTimeout time.Duration
	// SendQueueBytes is how many bytes of frames may wait for a client,
	// queued or being written, before it is dropped as a slow consumer
	// (a client that does not read). Each frame counts its length plus
	// QueuedFrameOverhead. Default DefaultSendQueueFrames ×
	// MaxMessageBytes; at least 2 × MaxMessageBytes.
	SendQueueBytes int
	// RetryAfter is the base delay told to clients at shutdown (each gets
	// a random delay between it and twice it). Default DefaultRetryAfter.
	RetryAfter time.Duration
	// Logger receives structured logs. Default slog.Default().
	Logger *slog.Logger
	// Now returns the time (tests). Default time.Now.
	Now func() time.Time
}

func (c *Config) withDefaults() (Config, error) {
	out := *c
	if out.MaxMessageBytes == 0 {
		out.MaxMessageBytes = signaling.DefaultMaxMessageBytes
	}
	if out.RatePerSecond == 0 {
		out.RatePerSecond = DefaultRatePerSecond
	}
	if out.Burst == 0 {
		out.Burst = DefaultBurst
	}
	if out.MaxConnsPerIP == 0 {
		out.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	if out.MaxUnauthenticated == 0 {
		out.MaxUnauthenticated = DefaultMaxUnauthenticated
	}
	if out.AuthTimeout == 0 {
		out.AuthTimeout = DefaultAuthTimeout
	}
	if out.PingInterval == 0 {
		out.PingInterval = DefaultPingInterval
	}
	if out.WriteTimeout == 0 {
		out.WriteTimeout = DefaultWriteTimeout
	}
	if out.SendQueueBytes == 0 {
		out.SendQueueBytes = DefaultSendQueueFrames * out.MaxMessageBytes
	}
	if out.TURNTTL == 0 {
		out.TURNTTL = DefaultTURNTTL
	}
	if out.RetryAfter == 0 {
		out.RetryAfter = DefaultRetryAfter
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	if out.Audience == "" && out.Identity != nil {
		// A LAN hub is named by its peer id: that is what callers expect.
		out.Audience = out.Identity.ID().String()
	}
	if out.Now == nil {
		out.Now = time.Now
	}
	return out, out.validate()
}

func (c *Config) validate() error {
	switch {
	case c.MaxMessageBytes < 1024:
		return fmt.Errorf("server: config: MaxMessageBytes %d: at least 1024", c.MaxMessageBytes)
	case c.RatePerSecond < 0 || c.Burst < 1:
		return errors.New("server: config: RatePerSecond and Burst must be positive")
	case len(c.TURNURLs) > 0 && c.TURNSecret == "":
		return errors.New("server: config: TURN URLs need a TURN secret")
	case c.Personal && c.Identity == nil:
		return errors.New("server: config: a personal hub needs an Identity")
	case c.SendQueueBytes < 2*c.MaxMessageBytes:
		return fmt.Errorf("server: config: SendQueueBytes %d: at least 2 × MaxMessageBytes (%d)", c.SendQueueBytes, 2*c.MaxMessageBytes)
	case c.PingInterval >= signaling.DefaultReadTimeout/2:
		return fmt.Errorf("server: config: PingInterval %s: must be under %s, or Go clients time out between pings", c.PingInterval, signaling.DefaultReadTimeout/2)
	case c.PingInterval < 0 || c.AuthTimeout < 0 || c.WriteTimeout < 0 || c.TURNTTL < 0:
		return errors.New("server: config: durations must be positive")
	}
	return nil
}
