package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling/server"
)

// defaultOptions is what parseConfig returns with no flags and no
// environment.
func defaultOptions() options {
	return options{
		listen:          ":8443",
		turnTTL:         12 * time.Hour,
		maxMessageBytes: 65536,
		rate:            50,
		burst:           200,
		maxConnsPerIP:   64,
		maxUnauth:       16384,
		pingInterval:    25 * time.Second,
		shutdownTimeout: 10 * time.Second,
		logLevel:        slog.LevelInfo,
		logFormat:       "text",
		embedded:        embeddedTURN{maxAllocations: 1000, userAllocations: 12, kbps: 10000},
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestParseConfig(t *testing.T) {
	dir := t.TempDir()
	tokenFile := writeFile(t, dir, "token", "file-token\n")
	otherToken := writeFile(t, dir, "token2", "other-token\r\n")
	emptyFile := writeFile(t, dir, "empty", "\n")
	twoLines := writeFile(t, dir, "twolines", "a\nb\n")
	longFile := writeFile(t, dir, "long", strings.Repeat("x", 513))
	turnSecretFile := writeFile(t, dir, "turn-secret", "coturn-secret\n")
	garbage := writeFile(t, dir, "garbage.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
	missing := filepath.Join(dir, "missing")
	certFile, keyFile, _ := writeCert(t, dir, 1)

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    func(o *options) // edits defaultOptions()
		wantTLS bool
		wantErr string // substring; "" means success
	}{
		{name: "defaults"},
		{
			name: "every flag on the command line",
			args: []string{
				"--listen", "127.0.0.1:0",
				"--public-url", "wss://signal.example.com/v1/signal",
				"--allowed-origins", "https://app.example.com, http://localhost:5173/",
				"--token-file", tokenFile,
				"--stun", "stun:stun.example.com:3478,stuns:[::1]:5349",
				"--turn", "turn:turn.example.com:3478?transport=udp, turns:turn.example.com:5349?transport=tcp",
				"--turn-secret-file", turnSecretFile,
				"--turn-ttl", "1h30m",
				"--max-message-bytes", "131072",
				"--rate", "12.5",
				"--burst", "40",
				"--max-conns-per-ip", "0",
				"--ping-interval", "40s",
				"--trust-forwarded-for",
				"--shutdown-timeout", "250ms",
				"--log-level", "DEBUG",
				"--log-format", "json",
			},
			want: func(o *options) {
				o.listen = "127.0.0.1:0"
				o.publicURL = "wss://signal.example.com/v1/signal"
				o.allowedOrigins = []string{"https://app.example.com", "http://localhost:5173"}
				o.token = "file-token"
				o.stun = []string{"stun:stun.example.com:3478", "stuns:[::1]:5349"}
				o.turn = []string{"turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:5349?transport=tcp"}
				o.turnSecret = "coturn-secret"
				o.turnTTL = 90 * time.Minute
				o.maxMessageBytes = 131072
				o.rate = 12.5
				o.burst = 40
				o.maxConnsPerIP = 0
				o.pingInterval = 40 * time.Second
				o.trustForwardedFor = true
				o.shutdownTimeout = 250 * time.Millisecond
				o.logLevel = slog.LevelDebug
				o.logFormat = "json"
			},
		},
		{
			name: "every flag from the environment",
			env: map[string]string{
				"PEERLINE_SIGNAL_LISTEN":              "[::1]:9000",
				"PEERLINE_SIGNAL_PUBLIC_URL":          "https://signal.example.com",
				"PEERLINE_SIGNAL_ALLOWED_ORIGINS":     "*",
				"PEERLINE_SIGNAL_TOKEN_FILE":          tokenFile,
				"PEERLINE_SIGNAL_STUN":                "stun:stun.example.com",
				"PEERLINE_SIGNAL_TURN":                "turn:203.0.113.7",
				"PEERLINE_SIGNAL_TURN_SECRET_FILE":    turnSecretFile,
				"PEERLINE_SIGNAL_TURN_TTL":            "2h",
				"PEERLINE_SIGNAL_MAX_MESSAGE_BYTES":   "2048",
				"PEERLINE_SIGNAL_RATE":                "5",
				"PEERLINE_SIGNAL_BURST":               "10",
				"PEERLINE_SIGNAL_MAX_CONNS_PER_IP":    "3",
				"PEERLINE_SIGNAL_PING_INTERVAL":       "5s",
				"PEERLINE_SIGNAL_TRUST_FORWARDED_FOR": "1",
				"PEERLINE_SIGNAL_SHUTDOWN_TIMEOUT":    "30s",
				"PEERLINE_SIGNAL_LOG_LEVEL":           "warn",
				"PEERLINE_SIGNAL_LOG_FORMAT":          "JSON",
				"PEERLINE_SIGNAL_TLS_CERT":            certFile,
				"PEERLINE_SIGNAL_TLS_KEY":             keyFile,
			},
			want: func(o *options) {
				o.listen = "[::1]:9000"
				o.publicURL = "wss://signal.example.com/v1/signal"
				o.allowedOrigins = []string{"*"}
				o.token = "file-token"
				o.stun = []string{"stun:stun.example.com"}
				o.turn = []string{"turn:203.0.113.7"}
				o.turnSecret = "coturn-secret"
				o.turnTTL = 2 * time.Hour
				o.maxMessageBytes = 2048
				o.rate = 5
				o.burst = 10
				o.maxConnsPerIP = 3
				o.pingInterval = 5 * time.Second
				o.trustForwardedFor = true
				o.shutdownTimeout = 30 * time.Second
				o.logLevel = slog.LevelWarn
				o.logFormat = "json"
			},
			wantTLS: true,
		},
		{
			name: "flag wins over environment",
			args: []string{"--listen", ":1", "--rate", "7", "--trust-forwarded-for=false", "--log-level", "error"},
			env: map[string]string{
				"PEERLINE_SIGNAL_LISTEN":              ":2",
				"PEERLINE_SIGNAL_RATE":                "not a number, but never read",
				"PEERLINE_SIGNAL_TRUST_FORWARDED_FOR": "true",
				"PEERLINE_SIGNAL_BURST":               "9",
			},
			want: func(o *options) {
				o.listen, o.rate, o.burst, o.logLevel = ":1", 7, 9, slog.LevelError
			},
		},
		{name: "single-dash flags work too", args: []string{"-listen", ":1"}, want: func(o *options) { o.listen = ":1" }},

		// Public URL normalisation.
		{name: "public url: bare host gets the path, host lower-cased", args: []string{"--public-url", "wss://Signal.example.com:8443"},
			want: func(o *options) { o.publicURL = "wss://signal.example.com:8443/v1/signal" }},
		{name: "public url: slash gets the path", args: []string{"--public-url", "wss://x.example/"},
			want: func(o *options) { o.publicURL = "wss://x.example/v1/signal" }},
		{name: "public url: proxy path kept", args: []string{"--public-url", "wss://x.example/peerline/v1/signal"},
			want: func(o *options) { o.publicURL = "wss://x.example/peerline/v1/signal" }},
		{name: "public url: http maps to ws", args: []string{"--public-url", "http://x.example"},
			want: func(o *options) { o.publicURL = "ws://x.example/v1/signal" }},
		{name: "public url: no scheme", args: []string{"--public-url", "signal.example.com"}, wantErr: `--public-url "signal.example.com": want a wss://`},
		{name: "public url: wrong scheme", args: []string{"--public-url", "ftp://x.example"}, wantErr: "want a wss://"},
		{name: "public url: no host", args: []string{"--public-url", "wss:///v1/signal"}, wantErr: "no host"},
		{name: "public url: credentials", args: []string{"--public-url", "wss://u:p@x.example"}, wantErr: "credentials"},
		{name: "public url: query", args: []string{"--public-url", "wss://x.example/v1/signal?a=b"}, wantErr: "query"},
		{name: "public url: bad port", args: []string{"--public-url", "wss://x.example:70000"}, wantErr: "bad port"},
		{name: "public url: too long", args: []string{"--public-url", "wss://x.example/" + strings.Repeat("a", 600)}, wantErr: "longer than 512"},
		{name: "public url from env names the variable", env: map[string]string{"PEERLINE_SIGNAL_PUBLIC_URL": "nope"},
			wantErr: `PEERLINE_SIGNAL_PUBLIC_URL "nope"`},

		// Origins.
		{name: "origin without scheme", args: []string{"--allowed-origins", "app.example.com"}, wantErr: "is not an origin"},
		{name: "origin with path", args: []string{"--allowed-origins", "https://app.example.com/x"}, wantErr: "is not an origin"},
		{name: "empty origin list items dropped", args: []string{"--allowed-origins", " , https://a.example ,"},
			want: func(o *options) { o.allowedOrigins = []string{"https://a.example"} }},

		// ICE URLs.
		{name: "stun bare host and ipv6", args: []string{"--stun", "stun:host,STUN:[2001:db8::1]"},
			want: func(o *options) { o.stun = []string{"stun:host", "STUN:[2001:db8::1]"} }},
		{name: "stun with slashes", args: []string{"--stun", "stun://stun.example.com"}, wantErr: "(no //)"},
		{name: "stun given a turn url", args: []string{"--stun", "turn:x.example"}, wantErr: `scheme "turn": want stun or stuns`},
		{name: "stun with query", args: []string{"--stun", "stun:x.example?transport=udp"}, wantErr: "no query"},
		{name: "stun port zero", args: []string{"--stun", "stun:x.example:0"}, wantErr: "bad port"},
		{name: "stun without scheme", args: []string{"--stun", "x.example"}, wantErr: "want stun:host[:port]"},
		{name: "stun bare ipv6", args: []string{"--stun", "stun:2001:db8::1"}, wantErr: "want stun:host[:port]"},
		{name: "turn bad transport", args: []string{"--turn", "turn:x.example?transport=sctp", "--turn-secret-file", turnSecretFile},
			wantErr: "transport=udp or transport=tcp"},
		{name: "turn needs a secret", args: []string{"--turn", "turn:x.example"}, wantErr: "--turn needs a TURN secret"},
		{name: "turn secret from env value", args: []string{"--turn", "turn:x.example"}, env: map[string]string{"PEERLINE_SIGNAL_TURN_SECRET": "s"},
			want: func(o *options) { o.turn, o.turnSecret = []string{"turn:x.example"}, "s" }},
		{name: "turn secret without turn urls warns", env: map[string]string{"PEERLINE_SIGNAL_TURN_SECRET": "s"},
			want: func(o *options) {
				o.turnSecret = "s"
				o.warnings = []string{"a TURN secret is set but no --turn URLs: it is unused"}
			}},

		// Embedded TURN.
		{name: "embedded turn every flag",
			args: []string{"--turn-listen", ":3478", "--turn-external-ip", "203.0.113.7", "--turn-relay-ports", "49152-65535",
				"--turn-allow-peers", "10.0.0.0/8, fd00::1/8", "--turn-max-allocations", "0", "--turn-user-allocations", "3",
				"--turn-allocation-kbps", "2500", "--turn-udp-sockets", "4"},
			want: func(o *options) {
				o.embedded = embeddedTURN{listen: ":3478", externalIP: net.ParseIP("203.0.113.7"), minPort: 49152, maxPort: 65535,
					allowPeers:     []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")},
					maxAllocations: 0, userAllocations: 3, kbps: 2500, udpSockets: 4}
			}},
		{name: "embedded turn from env, secret unused warning off",
			env:  map[string]string{"PEERLINE_SIGNAL_TURN_LISTEN": "127.0.0.1:3478", "PEERLINE_SIGNAL_TURN_SECRET": "s"},
			want: func(o *options) { o.embedded.listen, o.turnSecret = "127.0.0.1:3478", "s" }},
		{name: "embedded turn on any address needs the external ip", args: []string{"--turn-listen", ":3478"},
			wantErr: "set --turn-external-ip"},
		{name: "embedded turn bad listen", args: []string{"--turn-listen", "3478"}, wantErr: `--turn-listen "3478": want host:port`},
		{name: "turn external ip not an ip", args: []string{"--turn-listen", ":3478", "--turn-external-ip", "turn.example.com"},
			wantErr: `--turn-external-ip "turn.example.com": want the IP address`},
		{name: "turn external ip unspecified", args: []string{"--turn-listen", ":3478", "--turn-external-ip", "0.0.0.0"},
			wantErr: "want the IP address"},
		{name: "turn relay ports reversed", args: []string{"--turn-listen", "127.0.0.1:3478", "--turn-relay-ports", "60000-50000"},
			wantErr: "want MIN-MAX"},
		{name: "turn relay ports one number", args: []string{"--turn-listen", "127.0.0.1:3478", "--turn-relay-ports", "50000"},
			wantErr: "want MIN-MAX"},
		{name: "turn relay ports zero", args: []string{"--turn-listen", "127.0.0.1:3478", "--turn-relay-ports", "0-100"},
			wantErr: "want MIN-MAX"},
		{name: "turn relay ports too high", args: []string{"--turn-listen", "127.0.0.1:3478", "--turn-relay-ports", "60000-70000"},
			wantErr: "want MIN-MAX"},
		{name: "turn allow peers bad cidr", args: []string{"--turn-listen", "127.0.0.1:3478", "--turn-allow-peers", "10.0.0.0/8,10.1.2.3"},
			wantErr: `"10.1.2.3" is not a CIDR`},
		{name: "turn allow peers without turn listen", args: []string{"--turn-allow-peers", "10.0.0.0/8"},
			wantErr: "--turn-allow-peers needs --turn-listen"},
		{name: "turn tls listen without certificates", args: []string{"--turn-listen", "127.0.0.1:3478", "--turn-tls-listen", "127.0.0.1:5349"},
			wantErr: "--turn-tls-listen needs --tls-cert and --tls-key"},
		{name: "turn tls listen with certificates", wantTLS: true,
			args: []string{"--turn-listen", "127.0.0.1:3478", "--turn-tls-listen", "127.0.0.1:5349", "--tls-cert", certFile, "--tls-key", keyFile},
			want: func(o *options) { o.embedded.listen, o.embedded.tlsListen = "127.0.0.1:3478", "127.0.0.1:5349" }},
		{name: "turn user allocations negative", args: []string{"--turn-user-allocations", "-1"}, wantErr: "want 0 to"},

		// Access token.
		{name: "token from env value", env: map[string]string{"PEERLINE_SIGNAL_TOKEN": "env-token"},
			want: func(o *options) { o.token = "env-token" }},
		{name: "token file flag wins over env value", args: []string{"--token-file", otherToken},
			env:  map[string]string{"PEERLINE_SIGNAL_TOKEN": "env-token", "PEERLINE_SIGNAL_TOKEN_FILE": tokenFile},
			want: func(o *options) { o.token = "other-token" }},
		{name: "token file and token value in env are ambiguous",
			env:     map[string]string{"PEERLINE_SIGNAL_TOKEN": "env-token", "PEERLINE_SIGNAL_TOKEN_FILE": tokenFile},
			wantErr: "both PEERLINE_SIGNAL_TOKEN_FILE and PEERLINE_SIGNAL_TOKEN are set"},
		{name: "token file missing", args: []string{"--token-file", missing}, wantErr: "--token-file: open " + missing},
		{name: "token file empty", args: []string{"--token-file", emptyFile}, wantErr: "empty"},
		{name: "token file two lines", args: []string{"--token-file", twoLines}, wantErr: "more than one line"},
		{name: "token too long", args: []string{"--token-file", longFile}, wantErr: "longer than 512 bytes"},

		// TLS.
		{name: "tls pair", args: []string{"--tls-cert", certFile, "--tls-key", keyFile}, wantTLS: true},
		{name: "tls cert without key", args: []string{"--tls-cert", certFile}, wantErr: "--tls-cert needs --tls-key too"},
		{name: "tls key without cert", env: map[string]string{"PEERLINE_SIGNAL_TLS_KEY": keyFile},
			wantErr: "PEERLINE_SIGNAL_TLS_KEY needs --tls-cert too"},
		{name: "tls cert missing", args: []string{"--tls-cert", missing, "--tls-key", keyFile}, wantErr: "no such file"},
		{name: "tls cert garbage", args: []string{"--tls-cert", garbage, "--tls-key", keyFile}, wantErr: "--tls-cert/--tls-key"},
		{name: "tls with a ws public url warns", args: []string{"--tls-cert", certFile, "--tls-key", keyFile, "--public-url", "ws://x.example"},
			wantTLS: true,
			want: func(o *options) {
				o.publicURL = "ws://x.example/v1/signal"
				o.warnings = []string{"--public-url is ws:// but the server speaks TLS: clients dialing it cannot connect"}
			}},

		// Numbers and durations.
		{name: "listen without port", args: []string{"--listen", "8443"}, wantErr: `--listen "8443": want host:port`},
		{name: "listen bad port", args: []string{"--listen", ":99999"}, wantErr: "bad port"},
		{name: "duration without unit", args: []string{"--ping-interval", "10"}, wantErr: `--ping-interval "10": want a duration with a unit`},
		{name: "ping interval too short", args: []string{"--ping-interval", "500ms"}, wantErr: "at least 1s"},
		{name: "ping interval too long for Go clients", args: []string{"--ping-interval", "90s"}, wantErr: "at most 40s"},
		{name: "turn ttl too short", args: []string{"--turn-ttl", "30s"}, wantErr: "at least 1m"},
		{name: "shutdown timeout negative", args: []string{"--shutdown-timeout", "-1s"}, wantErr: "at least 1ms"},
		{name: "bad duration from env", env: map[string]string{"PEERLINE_SIGNAL_TURN_TTL": "forever"}, wantErr: `PEERLINE_SIGNAL_TURN_TTL "forever"`},
		{name: "message size too small", args: []string{"--max-message-bytes", "100"}, wantErr: "want 1024 to 16777216"},
		{name: "message size not a number", args: []string{"--max-message-bytes", "64k"}, wantErr: "want a whole number"},
		{name: "burst zero", args: []string{"--burst", "0"}, wantErr: "--burst \"0\": want 1 to"},
		{name: "max conns negative", args: []string{"--max-conns-per-ip", "-1"}, wantErr: "want 0 to"},
		{name: "rate zero", args: []string{"--rate", "0"}, wantErr: "above 0"},
		{name: "rate NaN", args: []string{"--rate", "NaN"}, wantErr: "above 0"},
		{name: "rate infinite", args: []string{"--rate", "+Inf"}, wantErr: "above 0"},
		{name: "rate from env not a number", env: map[string]string{"PEERLINE_SIGNAL_RATE": "fast"}, wantErr: `PEERLINE_SIGNAL_RATE "fast": want a number`},
		{name: "bool env not a bool", env: map[string]string{"PEERLINE_SIGNAL_TRUST_FORWARDED_FOR": "maybe"}, wantErr: "want true or false"},
		{name: "bad log level", args: []string{"--log-level", "verbose"}, wantErr: "want debug, info, warn or error"},
		{name: "bad log format", args: []string{"--log-format", "xml"}, wantErr: "want text or json"},

		// Command line shape.
		{name: "unknown flag", args: []string{"--nope"}, wantErr: "unknown flag --nope"},
		{name: "flag without value", args: []string{"--listen"}, wantErr: "flag needs an argument"},
		{name: "positional argument", args: []string{"serve"}, wantErr: `unexpected argument "serve"`},
		{name: "version ignores missing files", args: []string{"--version", "--token-file", missing},
			want: func(o *options) { o.version = true }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			got, err := parseConfig(tc.args, getenv)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("no error, want one containing %q", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %q, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if (got.certs != nil) != tc.wantTLS {
				t.Fatalf("TLS configured = %v, want %v", got.certs != nil, tc.wantTLS)
			}
			if got.certs != nil && (got.certs.certFile != certFile || got.certs.keyFile != keyFile || got.certs.current() == nil) {
				t.Fatalf("certs = %+v", got.certs)
			}
			got.certs = nil
			want := defaultOptions()
			if tc.want != nil {
				tc.want(&want)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("options:\n got %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestParseConfigHelp(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "-help"} {
		if _, err := parseConfig([]string{arg}, func(string) string { return "" }); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%s: err %v, want flag.ErrHelp", arg, err)
		}
	}
}

func TestUsageDocumentsEveryFlag(t *testing.T) {
	var b bytes.Buffer
	printUsage(&b)
	help := b.String()
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	for _, f := range flagSpecs {
		if !strings.Contains(help, "--"+f.name) {
			t.Errorf("--help does not mention --%s", f.name)
		}
		if env := f.env(); env != "" && !strings.Contains(help, env) {
			t.Errorf("--help does not mention %s", env)
		}
		fs.String(f.name, "", "") // panics on a duplicate name
	}
	for _, s := range []string{`default :8443`, "default 65536", "default 12h", "default 25s", "default 10s", "default 50", "default 200", "default 64",
		"PEERLINE_SIGNAL_TOKEN ", "PEERLINE_SIGNAL_TURN_SECRET "} {
		if !strings.Contains(strings.Join(strings.Fields(help), " "), s) {
			t.Errorf("--help lacks %q", s)
		}
	}
	for _, line := range strings.Split(help, "\n") {
		if len(line) > 80 {
			t.Errorf("--help line longer than 80 columns: %q", line)
		}
	}
}

func TestServerConfigMapping(t *testing.T) {
	o := defaultOptions()
	o.token, o.turnSecret = "tok", "sec"
	o.turn = []string{"turn:x"}
	o.maxConnsPerIP, o.maxUnauth = 0, 0
	cfg := o.serverConfig(slog.Default())
	if cfg.MaxConnsPerIP != -1 {
		t.Errorf("--max-conns-per-ip 0 maps to %d, want -1 (no limit)", cfg.MaxConnsPerIP)
	}
	if cfg.MaxUnauthenticated != -1 {
		t.Errorf("--max-unauthenticated 0 maps to %d, want -1 (no limit)", cfg.MaxUnauthenticated)
	}
	if cfg.AccessToken != "tok" || cfg.TURNSecret != "sec" || cfg.RatePerSecond != 50 || cfg.Burst != 200 ||
		cfg.PingInterval != 25*time.Second || cfg.TURNTTL != 12*time.Hour || cfg.MaxMessageBytes != 65536 {
		t.Errorf("config %+v", cfg)
	}
	if _, err := server.New(cfg); err != nil {
		t.Errorf("server.New refuses the mapped defaults: %v", err)
	}
	o.maxConnsPerIP = 5
	if got := o.serverConfig(slog.Default()).MaxConnsPerIP; got != 5 {
		t.Errorf("MaxConnsPerIP %d, want 5", got)
	}
}

func TestSecretNeverPrints(t *testing.T) {
	s := secret("hunter2")
	var b bytes.Buffer
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "token", s)
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "token", s)
	fmt.Fprintf(&b, "%v %s %#v %+v", s, s, s, struct{ S secret }{s})
	if strings.Contains(b.String(), "hunter2") {
		t.Fatalf("secret leaked: %s", b.String())
	}
}
