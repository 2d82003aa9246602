package store

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/peerline/peerline/signaling"
)

// Input limits.
const (
	// MaxNameRunes is the longest display name, in runes, after trimming.
	MaxNameRunes = 64
	// maxURLLen bounds ICE server URLs, in bytes (signaling server URLs:
	// signaling.MaxServerURLLen).
	maxURLLen = 2048
	// maxAddrLen bounds a host:port address, in bytes.
	maxAddrLen = 300
	// maxHostLen is the longest DNS name (RFC 1035).
	maxHostLen = 253
)

// The validators below read text that comes from the user or from other
// peers (announced names, addresses). Each returns the normalized form to
// store, or an error wrapping ErrInvalid that names the problem but does
// not quote the input (it may be a secret, or crafted to mess up logs).
// Normalizing an already normalized value returns it unchanged.

// normalizeName trims a display name and checks it: valid UTF-8, 1 to
// MaxNameRunes runes, no control characters, line or paragraph separators,
// or bidirectional embedding/override/isolate controls (they can make a
// name display as a different one). Emoji, ZWJ sequences and all scripts
// are fine. Names are not Unicode-normalized (NFC): that would need
// golang.org/x/text, and names are shown, not compared.
func normalizeName(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", errors.New("not valid UTF-8")
	}
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		return "", errors.New("empty")
	case n > MaxNameRunes:
		return "", fmt.Errorf("%d characters, at most %d", n, MaxNameRunes)
	}
	for _, r := range s {
		if badTextRune(r) {
			return "", fmt.Errorf("control character U+%04X", r)
		}
	}
	return s, nil
}

// badTextRune reports runes that no stored text may hold.
func badTextRune(r rune) bool {
	switch {
	case unicode.IsControl(r): // C0, DEL, C1
		return true
	case r == '\u2028' || r == '\u2029': // line and paragraph separators
		return true
	case r >= '\u202A' && r <= '\u202E': // bidi embeddings and overrides
		return true
	case r >= '\u2066' && r <= '\u2069': // bidi isolates
		return true
	}
	return false
}

// checkText checks free text such as device ids and tokens: valid UTF-8,
// at most max bytes, no badTextRune.
func checkText(s string, max int) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	if len(s) > max {
		return fmt.Errorf("%d bytes, at most %d", len(s), max)
	}
	for _, r := range s {
		if badTextRune(r) {
			return fmt.Errorf("control character U+%04X", r)
		}
	}
	return nil
}

// normalizeSignalURL checks a signaling server URL and returns its
// canonical text: signaling.ParseServerURL holds the rules (ws:// or
// wss://, no credentials or fragment, default port and path implied; see
// docs/protocol.md, "Server URLs"). Its reasons never quote the input.
func normalizeSignalURL(s string) (string, error) {
	u, err := signaling.ParseServerURL(s)
	if err != nil {
		var ue *signaling.ServerURLError
		if errors.As(err, &ue) {
			return "", errors.New(ue.Reason)
		}
		return "", err
	}
	return u.String(), nil
}

// canonicalSignalURL is s in canonical form, or s itself when it does not
// parse: stored URLs are read through it, so that rows written before
// the canonical form (which made "wss://h:443" and "wss://h" differ)
// compare equal to new ones.
func canonicalSignalURL(s string) string {
	if u, err := signaling.ParseServerURL(s); err == nil {
		return u.String()
	}
	return s
}

// normalizeLANAddr checks a LAN address: host:port with a port 1-65535,
// where host is an IPv4 address, a bracketed IPv6 address (a zone such as
// %eth0 is allowed: link-local addresses are common on LANs) or a DNS
// name.
func normalizeLANAddr(s string) (string, error) {
	return normalizeHostPort(strings.TrimSpace(s), true)
}

// normalizeHostPort checks "host[:port]"; needPort makes the port
// mandatory. It returns the normalized form: lowercased names, canonical
// IP text, the port without leading zeros.
func normalizeHostPort(s string, needPort bool) (string, error) {
	if len(s) > maxAddrLen {
		return "", fmt.Errorf("%d bytes, at most %d", len(s), maxAddrLen)
	}
	if s == "" {
		return "", errors.New("empty")
	}
	host, port := s, ""
	hasPort := false
	if strings.HasPrefix(s, "[") || strings.Count(s, ":") == 1 {
		if h, p, err := net.SplitHostPort(s); err == nil {
			host, port, hasPort = h, p, true
		} else if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			host = s[1 : len(s)-1]
		} else {
			return "", errors.New("not host:port")
		}
	} else if strings.Contains(s, ":") {
		return "", errors.New("IPv6 addresses need brackets: [addr]:port")
	}
	if strings.HasPrefix(s, "[") && !strings.Contains(host, ":") {
		return "", errors.New("brackets around a non-IPv6 host")
	}
	if needPort && !hasPort {
		return "", errors.New("missing :port")
	}
	h, err := normalizeHost(host)
	if err != nil {
		return "", err
	}
	if !hasPort {
		if strings.Contains(h, ":") {
			return "[" + h + "]", nil
		}
		return h, nil
	}
	p, err := parsePort(port)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort(h, strconv.Itoa(p)), nil
}

// parsePort reads a decimal port 1-65535.
func parsePort(s string) (int, error) {
	if s == "" || len(s) > 5 {
		return 0, errors.New("port must be 1-65535")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("port must be 1-65535")
		}
	}
	p, _ := strconv.Atoi(s)
	if p < 1 || p > 65535 {
		return 0, errors.New("port must be 1-65535")
	}
	return p, nil
}

// normalizeHost checks a bare host: an IP address (IPv6 with an optional
// zone of letters, digits, '.', '_' or '-') or a DNS name of
// letters, digits and hyphens. A name whose last label is all digits must
// be an IP address: "010.1.1.1" or "1.2.3" are refused, not guessed at.
func normalizeHost(h string) (string, error) {
	if h == "" {
		return "", errors.New("empty host")
	}
	if a, err := netip.ParseAddr(h); err == nil {
		if z := a.Zone(); z != "" {
			for i := 0; i < len(z); i++ {
				c := z[i]
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
					return "", errors.New("bad IPv6 zone")
				}
			}
		}
		if a.Is4In6() {
			return "", errors.New("IPv4-mapped IPv6 address; write the IPv4 address")
		}
		return a.String(), nil
	}
	if strings.Contains(h, ":") {
		return "", errors.New("bad IPv6 address")
	}
	if len(h) > maxHostLen {
		return "", fmt.Errorf("host name is %d bytes, at most %d", len(h), maxHostLen)
	}
	h = strings.ToLower(h)
	labels := strings.Split(h, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "", errors.New("bad host name")
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "", errors.New("bad host name")
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", errors.New("bad host name")
			}
		}
	}
	last := labels[len(labels)-1]
	if strings.Trim(last, "0123456789") == "" {
		return "", errors.New("bad IP address")
	}
	return h, nil
}

// normalizeICEURL checks one RTCIceServer URL (RFC 7064, RFC 7065):
// stun:host[:port], stuns:host[:port], turn:host[:port][?transport=udp|tcp]
// or turns:... It reports whether the URL is a TURN one.
func normalizeICEURL(s string) (string, bool, error) {
	s = strings.TrimSpace(s)
	if err := checkText(s, maxURLLen); err != nil {
		return "", false, fmt.Errorf("URL: %w", err)
	}
	scheme, rest, ok := strings.Cut(s, ":")
	if !ok {
		return "", false, errors.New("URL must start with stun:, stuns:, turn: or turns:")
	}
	scheme = strings.ToLower(scheme)
	turn := false
	switch scheme {
	case "stun", "stuns":
	case "turn", "turns":
		turn = true
	default:
		return "", false, errors.New("URL must start with stun:, stuns:, turn: or turns:")
	}
	hostport, query, hasQuery := strings.Cut(rest, "?")
	if hasQuery {
		if !turn {
			return "", false, errors.New("STUN URLs take no query")
		}
		switch strings.ToLower(query) {
		case "transport=udp", "transport=tcp":
			query = strings.ToLower(query)
		default:
			return "", false, errors.New("the only query allowed is ?transport=udp or ?transport=tcp")
		}
	}
	if strings.HasPrefix(hostport, "//") {
		return "", false, errors.New("ICE URLs have no //: write turn:host:port")
	}
	hp, err := normalizeHostPort(hostport, false)
	if err != nil {
		return "", false, fmt.Errorf("URL host: %w", err)
	}
	out := scheme + ":" + hp
	if hasQuery {
		out += "?" + query
	}
	return out, turn, nil
}
