package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/turnserver"
)

const (
	progName  = "peerline-signal"
	envPrefix = "PEERLINE_SIGNAL_"

	// Secrets given as values rather than files: environment only, so they
	// never show up in ps output.
	envToken      = envPrefix + "TOKEN"
	envTURNSecret = envPrefix + "TURN_SECRET"
)

// Defaults of the flags that server.Config does not already define.
const (
	defaultListen          = ":8443"
	defaultShutdownTimeout = 10 * time.Second
	maxMessageBytesLimit   = 16 << 20 // a guard against typos, far above any SDP
	maxSecretLen           = 512      // signaling.Auth refuses longer tokens
	maxAudienceLen         = 512      // signaling.Challenge refuses longer audiences
	minPingInterval        = time.Second
	// maxPingInterval keeps pings well inside the Go client's read
	// timeout: a client that hears nothing for that long drops the
	// connection as dead.
	maxPingInterval = 40 * time.Second // the server needs < DefaultReadTimeout/2 (45 s)
	minTURNTTL      = time.Minute
)

// options is the validated configuration of one run.
type options struct {
	listen            string
	certs             *certLoader // non-nil: serve TLS
	publicURL         string      // server.Config.Audience, normalised; "" derives it per request
	allowedOrigins    []string
	token             secret
	stun              []string
	turn              []string
	turnSecret        secret
	turnTTL           time.Duration
	embedded          embeddedTURN // embedded.listen "" means off
	cluster           clusterOptions
	maxMessageBytes   int
	rate              float64
	burst             int
	maxConnsPerIP     int // 0 means no limit
	maxUnauth         int // 0 means no limit
	pingInterval      time.Duration
	trustForwardedFor bool
	shutdownTimeout   time.Duration
	logLevel          slog.Level
	logFormat         string // "text" or "json"
	version           bool

	// warnings are problems that do not stop the server; run logs them.
	warnings []string
}

// secret is a string that does not print itself, so a stray log line or
// %v cannot leak it.
type secret string

func (secret) String() string                 { return "[redacted]" }
func (secret) GoString() string               { return "[redacted]" }
func (secret) LogValue() slog.Value           { return slog.StringValue("[redacted]") }
func (s secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// flagSpec is one command-line flag: its name, the placeholder shown in
// --help, its default as text, and what it does.
type flagSpec struct {
	name    string
	arg     string // "" for boolean flags
	def     string
	usage   string
	noEnv   bool
	showDef string // default as --help shows it, when def is "" or unclear
}

// env is the flag's environment variable.
func (f flagSpec) env() string {
	if f.noEnv {
		return ""
	}
	return envPrefix + strings.ToUpper(strings.ReplaceAll(f.name, "-", "_"))
}

// flagSpecs lists the flags in the order --help shows them.
var flagSpecs = []flagSpec{
	{name: "listen", arg: "addr", def: defaultListen,
		usage: "TCP address to listen on; port 0 picks a free one (the \"listening on\" line on stdout tells which)"},
	{name: "tls-cert", arg: "file", showDef: "none (plain ws://)",
		usage: "PEM certificate chain; with --tls-key the server speaks wss:// (reloaded when the file changes)"},
	{name: "tls-key", arg: "file", showDef: "none",
		usage: "PEM private key of --tls-cert"},
	{name: "public-url", arg: "url", showDef: "derived from each request's Host header (weaker)",
		usage: "URL clients dial, e.g. wss://signal.example.com/v1/signal; clients sign it, so a signature made for another server is useless here. Set it in production. A bare host gets " + signaling.Path},
	{name: "allowed-origins", arg: "list", showDef: "native clients (no Origin) and pages whose Origin host is the Host header",
		usage: "comma-separated browser Origins allowed to connect (scheme://host[:port]), or *"},
	{name: "token-file", arg: "file", showDef: "none: anyone with a key may connect",
		usage: "file holding the access token clients must present; " + envToken + " gives the token itself"},
	{name: "stun", arg: "list", showDef: "none",
		usage: "comma-separated stun:/stuns: URLs handed to clients, e.g. stun:stun.example.com:3478"},
	{name: "turn", arg: "list", showDef: "none",
		usage: "comma-separated turn:/turns: URLs handed to clients with short-lived coturn REST-API credentials, e.g. turn:turn.example.com:3478?transport=udp (needs a TURN secret)"},
	{name: "turn-secret-file", arg: "file", showDef: "none",
		usage: "file holding coturn's static-auth-secret; " + envTURNSecret + " gives the secret itself"},
	{name: "turn-listen", arg: "addr", showDef: "none: no embedded TURN",
		usage: "serve TURN (pion/turn) on UDP and TCP at this host:port, e.g. :3478; without --turn, clients get this server's own turn: URLs (udp, tcp, and turns: with --turn-tls-listen). The secret is --turn-secret-file's, or one generated at start"},
	{name: "turn-tls-listen", arg: "addr", showDef: "none",
		usage: "serve TURN over TLS at this host:port, e.g. :5349, with --tls-cert/--tls-key (needs --turn-listen)"},
	{name: "turn-external-ip", arg: "ip", showDef: "--turn-listen's host",
		usage: "relay address announced to clients and used in the turn: URLs: the public IP behind 1:1 NAT (cloud VMs); required when --turn-listen has no specific host"},
	{name: "turn-relay-ports", arg: "min-max", showDef: "any port the kernel picks",
		usage: "UDP port range of relay sockets, e.g. 49152-65535 (open it in the firewall)"},
	{name: "turn-allow-peers", arg: "list", showDef: "none",
		usage: "comma-separated CIDRs the relay may send to although they are loopback, private, link-local, multicast, unspecified or CGNAT, e.g. 10.0.0.0/8"},
	{name: "turn-max-allocations", arg: "n", def: strconv.Itoa(turnserver.DefaultMaxAllocations),
		usage: "TURN allocations on the whole server; 0 means no limit"},
	{name: "turn-user-allocations", arg: "n", def: strconv.Itoa(turnserver.DefaultMaxAllocationsPerUser),
		usage: "TURN allocations of one user (peer id); 0 means no limit"},
	{name: "turn-allocation-kbps", arg: "kbit/s", def: strconv.Itoa(turnserver.DefaultAllocationBitsPerSecond / 1000),
		usage: "traffic one TURN allocation may relay, both directions together, in kbit/s; more is dropped; 0 means no limit"},
	{name: "turn-udp-sockets", arg: "n", def: "0", showDef: "0: one per CPU",
		usage: "UDP sockets sharing --turn-listen's port (SO_REUSEPORT), so relaying uses every core"},
	{name: "turn-ttl", arg: "duration", def: shortDuration(server.DefaultTURNTTL),
		usage: "lifetime of TURN credentials (at least 1m)"},
	{name: "max-message-bytes", arg: "n", def: strconv.Itoa(signaling.DefaultMaxMessageBytes),
		usage: "largest message accepted, in bytes (1024 to 16777216)"},
	{name: "rate", arg: "msgs/s", def: strconv.FormatFloat(server.DefaultRatePerSecond, 'f', -1, 64),
		usage: "messages per second each connection may send on average"},
	{name: "burst", arg: "n", def: strconv.Itoa(server.DefaultBurst),
		usage: "messages a connection may send at once above --rate"},
	{name: "max-conns-per-ip", arg: "n", def: strconv.Itoa(server.DefaultMaxConnsPerIP),
		usage: "concurrent connections from one IP address; more get HTTP 429; 0 means no limit"},
	{name: "max-unauthenticated", arg: "n", def: strconv.Itoa(server.DefaultMaxUnauthenticated),
		usage: "connections not yet authenticated, from all addresses together; more get HTTP 503; 0 means no limit"},
	{name: "ping-interval", arg: "duration", def: shortDuration(server.DefaultPingInterval),
		usage: "how often the server pings each client; a client silent for three intervals is dropped (1s to " + shortDuration(maxPingInterval) + ": Go clients give up after " + shortDuration(signaling.DefaultReadTimeout) + " without a frame)"},
	{name: "trust-forwarded-for", def: "false",
		usage: "take the client address from X-Forwarded-For and the scheme from X-Forwarded-Proto (only behind a reverse proxy that sets them)"},
	{name: "shutdown-timeout", arg: "duration", def: shortDuration(defaultShutdownTimeout),
		usage: "how long a graceful shutdown may take before the remaining connections are cut"},
	{name: "log-level", arg: "level", def: "info",
		usage: "log level: debug, info, warn or error"},
	{name: "log-format", arg: "format", def: "text",
		usage: "log format on stderr: text or json"},
	{name: "version", def: "false", noEnv: true,
		usage: "print the version and exit"},
}

// parseConfig parses the command line and, for every flag not given there,
// its environment variable (read through getenv). Every error names the
// flag or variable at fault and is a usage error; --help gives
// flag.ErrHelp. It reads the token, secret and certificate files, so a
// missing file fails here rather than at the first connection.
func parseConfig(args []string, getenv func(string) string) (options, error) {
	fs := flag.NewFlagSet(progName, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // main prints usage and errors itself
	fs.Usage = func() {}
	raw := make(map[string]*string, len(flagSpecs))
	bools := make(map[string]*bool)
	for _, f := range flagSpecs {
		if f.arg == "" {
			bools[f.name] = fs.Bool(f.name, false, f.usage)
		} else {
			raw[f.name] = fs.String(f.name, f.def, f.usage)
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return options{}, err
		}
		return options{}, errors.New(strings.Replace(err.Error(), "flag provided but not defined: -", "unknown flag --", 1))
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	}

	// source names where each value came from, for error messages.
	onCmdline := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCmdline[f.Name] = true })
	source := make(map[string]string, len(flagSpecs))
	for _, f := range flagSpecs {
		source[f.name] = "--" + f.name
		if onCmdline[f.name] || f.env() == "" {
			continue
		}
		v := getenv(f.env())
		if v == "" {
			continue
		}
		source[f.name] = f.env()
		if b, ok := bools[f.name]; ok {
			parsed, err := strconv.ParseBool(v)
			if err != nil {
				return options{}, fmt.Errorf("%s=%q: want true or false", f.env(), v)
			}
			*b = parsed
			continue
		}
		*raw[f.name] = v
	}

	p := parser{raw: raw, source: source}
	o := options{
		listen:            p.listenAddr("listen"),
		publicURL:         p.publicURL("public-url"),
		allowedOrigins:    p.origins("allowed-origins"),
		stun:              p.iceURLs("stun", "stun", "stuns"),
		turn:              p.iceURLs("turn", "turn", "turns"),
		turnTTL:           p.duration("turn-ttl", minTURNTTL),
		embedded:          p.embeddedTURN(),
		cluster:           p.clusterOpts(),
		maxMessageBytes:   p.intRange("max-message-bytes", 1024, maxMessageBytesLimit),
		rate:              p.positiveFloat("rate"),
		burst:             p.intRange("burst", 1, math.MaxInt32),
		maxConnsPerIP:     p.intRange("max-conns-per-ip", 0, math.MaxInt32),
		maxUnauth:         p.intRange("max-unauthenticated", 0, math.MaxInt32),
		pingInterval:      p.durationRange("ping-interval", minPingInterval, maxPingInterval),
		trustForwardedFor: *bools["trust-forwarded-for"],
		shutdownTimeout:   p.duration("shutdown-timeout", time.Millisecond),
		logLevel:          p.level("log-level"),
		logFormat:         p.oneOf("log-format", "text", "json"),
		version:           *bools["version"],
	}
	if p.err != nil {
		return options{}, p.err
	}
	if o.version {
		return o, nil // nothing else matters, and no file needs to exist
	}

	var err error
	if o.token, err = p.secretFrom("token-file", getenv, envToken); err != nil {
		return options{}, err
	}
	if o.turnSecret, err = p.secretFrom("turn-secret-file", getenv, envTURNSecret); err != nil {
		return options{}, err
	}
	switch {
	case len(o.turn) > 0 && o.turnSecret == "":
		return options{}, fmt.Errorf("%s needs a TURN secret: set --turn-secret-file or %s", source["turn"], envTURNSecret)
	case len(o.turn) == 0 && o.turnSecret != "" && o.embedded.listen == "":
		o.warnings = append(o.warnings, "a TURN secret is set but no --turn URLs: it is unused")
	}

	if len(o.cluster.urls) > 0 && o.embedded.listen != "" && o.turnSecret == "" {
		// A secret generated at start would differ on every node.
		return options{}, fmt.Errorf("--turn-listen with --nats needs the TURN secret the nodes share: set --turn-secret-file or %s", envTURNSecret)
	}

	certFile, keyFile := *raw["tls-cert"], *raw["tls-key"]
	switch {
	case certFile != "" && keyFile == "":
		return options{}, fmt.Errorf("%s needs --tls-key too", source["tls-cert"])
	case certFile == "" && keyFile != "":
		return options{}, fmt.Errorf("%s needs --tls-cert too", source["tls-key"])
	case certFile != "":
		if o.certs, err = loadCerts(certFile, keyFile); err != nil {
			return options{}, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		if leaf := o.certs.current().Leaf; leaf != nil && time.Now().After(leaf.NotAfter) {
			o.warnings = append(o.warnings, fmt.Sprintf("TLS certificate %s expired at %s", certFile, leaf.NotAfter.Format(time.RFC3339)))
		}
	}
	if o.embedded.tlsListen != "" && o.certs == nil {
		return options{}, fmt.Errorf("%s needs --tls-cert and --tls-key", source["turn-tls-listen"])
	}
	if o.certs != nil && strings.HasPrefix(o.publicURL, "ws://") {
		o.warnings = append(o.warnings, "--public-url is ws:// but the server speaks TLS: clients dialing it cannot connect")
	}
	return o, nil
}
