package main

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/peerline/peerline/signaling"
)

// parser converts raw flag values, keeping the first error so parseConfig
// reads as a list of fields.
type parser struct {
	raw    map[string]*string
	source map[string]string
	err    error
}

func (p *parser) get(name string) string { return strings.TrimSpace(*p.raw[name]) }

// fail records an error about flag name's value.
func (p *parser) fail(name, format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf("%s %q: %s", p.source[name], *p.raw[name], fmt.Sprintf(format, args...))
	}
}

func (p *parser) listenAddr(name string) string {
	v := p.get(name)
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		p.fail(name, "want host:port, e.g. :8443 or 127.0.0.1:0")
		return ""
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		p.fail(name, "bad port %q", port)
		return ""
	}
	return v
}

// publicURL checks the audience and returns it in canonical form
// (signaling.ParseServerURL: ws or wss, a host, no credentials or
// fragment, signaling.Path when no path is given), refusing a query too:
// the audience names the endpoint, and clients ignore queries when they
// compare it with the URL they dialed.
func (p *parser) publicURL(name string) string {
	v := p.get(name)
	if v == "" {
		return ""
	}
	// This flag has always read http:// and https:// as ws:// and wss://
	// (operators know their server by its web address), so it keeps
	// doing so ahead of the parser, which refuses them.
	if scheme, rest, ok := strings.Cut(v, "://"); ok {
		switch strings.ToLower(scheme) {
		case "http":
			v = "ws://" + rest
		case "https":
			v = "wss://" + rest
		}
	}
	u, err := signaling.ParseServerURL(v)
	if err != nil {
		var ue *signaling.ServerURLError
		if errors.As(err, &ue) {
			p.fail(name, "%s", ue.Reason)
		} else {
			p.fail(name, "%v", err)
		}
		return ""
	}
	if u.Query() != "" {
		p.fail(name, "must not have a query")
		return ""
	}
	s := u.String()
	if len(s) > maxAudienceLen {
		p.fail(name, "longer than %d characters", maxAudienceLen)
		return ""
	}
	return s
}

// origins checks a comma list of Origin values ("*" or scheme://host[:port]).
func (p *parser) origins(name string) []string {
	var out []string
	for _, o := range splitList(p.get(name)) {
		if o == "*" {
			out = append(out, o)
			continue
		}
		u, err := url.Parse(o)
		if err != nil || u.Scheme == "" || u.Host == "" || u.User != nil ||
			(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			p.fail(name, "%q is not an origin: want scheme://host[:port] (e.g. https://app.example.com) or *", o)
			return nil
		}
		out = append(out, strings.TrimSuffix(o, "/"))
	}
	return out
}

// iceURLs checks a comma list of STUN (RFC 7064) or TURN (RFC 7065) URLs:
// scheme:host[:port], and for TURN an optional ?transport=udp|tcp.
func (p *parser) iceURLs(name string, schemes ...string) []string {
	var out []string
	for _, s := range splitList(p.get(name)) {
		if why := checkICEURL(s, schemes); why != "" {
			p.fail(name, "%q: %s", s, why)
			return nil
		}
		out = append(out, s)
	}
	return out
}

func checkICEURL(s string, schemes []string) string {
	want := "want " + schemes[0] + ":host[:port]"
	if schemes[0] == "turn" {
		want += "[?transport=udp|tcp]"
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return want
	}
	known := false
	for _, sc := range schemes {
		known = known || strings.EqualFold(scheme, sc)
	}
	if !known {
		return fmt.Sprintf("scheme %q: want %s", scheme, strings.Join(schemes, " or "))
	}
	if strings.HasPrefix(rest, "//") {
		return want + " (no //)"
	}
	hostport, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery {
		if schemes[0] != "turn" {
			return want + " (no query)"
		}
		if query != "transport=udp" && query != "transport=tcp" {
			return "query: only transport=udp or transport=tcp"
		}
	}
	host, port := hostport, ""
	if h, pt, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, pt
	} else if strings.HasPrefix(hostport, "[") && strings.HasSuffix(hostport, "]") {
		host = hostport[1 : len(hostport)-1]
	} else if strings.Contains(hostport, ":") {
		return want
	}
	if host == "" || strings.ContainsAny(host, "/@ \t") {
		return want
	}
	if strings.HasPrefix(hostport, "[") && net.ParseIP(host) == nil {
		return "bad IPv6 address " + strconv.Quote(host)
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "bad port " + strconv.Quote(port)
		}
	}
	return ""
}

func (p *parser) duration(name string, min time.Duration) time.Duration {
	return p.durationRange(name, min, math.MaxInt64)
}

func (p *parser) durationRange(name string, min, max time.Duration) time.Duration {
	v := p.get(name)
	d, err := time.ParseDuration(v)
	if err != nil {
		p.fail(name, "want a duration with a unit, e.g. 30s, 5m or 12h")
		return 0
	}
	if d < min {
		p.fail(name, "at least %s", shortDuration(min))
		return 0
	}
	if d > max {
		p.fail(name, "at most %s", shortDuration(max))
		return 0
	}
	return d
}

func (p *parser) intRange(name string, min, max int) int {
	n, err := strconv.Atoi(p.get(name))
	if err != nil {
		p.fail(name, "want a whole number")
		return 0
	}
	if n < min || n > max {
		p.fail(name, "want %d to %d", min, max)
		return 0
	}
	return n
}

func (p *parser) positiveFloat(name string) float64 {
	f, err := strconv.ParseFloat(p.get(name), 64)
	if err != nil {
		p.fail(name, "want a number")
		return 0
	}
	if !(f > 0) || math.IsInf(f, 0) {
		p.fail(name, "want a number above 0")
		return 0
	}
	return f
}

func (p *parser) level(name string) slog.Level {
	switch strings.ToLower(p.get(name)) {
	case "debug":
		return slog.LevelDebug
	case "info":
		return slog.LevelInfo
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	p.fail(name, "want debug, info, warn or error")
	return 0
}

func (p *parser) oneOf(name string, allowed ...string) string {
	v := strings.ToLower(p.get(name))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, "want %s", strings.Join(allowed, " or "))
	return ""
}

// secretFrom returns the secret from the file named by flag name (on the
// command line or in its variable), else from the variable valueEnv. Both
// variables at once are ambiguous; a flag on the command line wins.
func (p *parser) secretFrom(name string, getenv func(string) string, valueEnv string) (secret, error) {
	file := p.get(name)
	src := p.source[name]
	if file == "" || !strings.HasPrefix(src, "--") {
		// The file did not come from the command line: the value variable
		// competes with the file variable on equal terms.
		if v := getenv(valueEnv); v != "" {
			if file != "" {
				return "", fmt.Errorf("both %s and %s are set: use one", src, valueEnv)
			}
			return checkSecret(valueEnv, v)
		}
	}
	if file == "" {
		return "", nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s: %w", src, err)
	}
	return checkSecret(src+" "+file, string(b))
}

// checkSecret trims the trailing newline editors and echo add, and refuses
// empty or over-long secrets (the protocol caps tokens at 512 bytes).
func checkSecret(from, v string) (secret, error) {
	v = strings.TrimRight(v, " \t\r\n")
	switch {
	case v == "":
		return "", fmt.Errorf("%s: empty", from)
	case len(v) > maxSecretLen:
		return "", fmt.Errorf("%s: longer than %d bytes", from, maxSecretLen)
	case strings.ContainsAny(v, "\r\n"):
		return "", fmt.Errorf("%s: more than one line", from)
	}
	return secret(v), nil
}

// splitList splits a comma list, trimming spaces and dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// shortDuration formats d without zero units: 12h, 25s, 1m30s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
