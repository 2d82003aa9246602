package signaling

import (
	"net/netip"
	"strconv"
	"strings"
)

// MaxServerURLLen is the longest server URL, in bytes, both as typed
// (after trimming) and in canonical form.
const MaxServerURLLen = 2048

// ServerURL is the WebSocket URL of a signaling server, in one canonical
// form: what the desktop app stores for a server or a contact, what it
// dials, and what peerline-signal calls itself (its audience). Two
// ServerURLs are == exactly when their canonical texts are equal. The zero
// value is "no server" and prints as the empty string.
//
// The canonical form, which ParseServerURL returns, is
// scheme://host[:port]path[?query], where:
//
//   - scheme is ws or wss, written in any case (http and https are
//     refused: they name web pages, and a pasted page address is better
//     caught than guessed at);
//   - host is a lower-case DNS name, a dotted-quad IPv4 address, or an
//     IPv6 address in brackets in RFC 5952 form (no zone);
//   - port is decimal with no leading zeros and absent when it is the
//     scheme's default (80 for ws, 443 for wss);
//   - path starts with "/"; an empty path or "/" is Path (/v1/signal), the
//     endpoint peerline-signal serves; percent-encodings are upper case;
//   - query is kept (upper-case percent-encodings) unless empty.
//
// docs/protocol.md ("Server URLs") lists every rule with test vectors;
// testdata/server-url-vectors.json holds them for the Go and the
// TypeScript parser alike. LAN hub URLs (ws://[fe80::1%25eth0]:port/...)
// are not ServerURLs: they are built, not typed, and may carry a zone.
type ServerURL struct {
	secure bool
	host   string // canonical host, IPv6 in brackets
	port   uint16 // 0: the scheme's default
	path   string
	query  string
}

// ServerURLError is the error of ParseServerURL. Reason says what is wrong
// without quoting the input, which may hold a secret or be crafted to
// mess up logs. errors.Is(err, ErrBadServerURL) matches it.
type ServerURLError struct {
	Reason string
}

func (e *ServerURLError) Error() string { return "signaling: bad server URL: " + e.Reason }

// Unwrap makes errors.Is(err, ErrBadServerURL) hold.
func (e *ServerURLError) Unwrap() error { return ErrBadServerURL }

func badServerURL(reason string) error { return &ServerURLError{Reason: reason} }

// ParseServerURL reads a server URL as typed by a person or set in a flag
// and returns it in canonical form (see ServerURL). Leading and trailing
// ASCII white space is ignored. Everything else must be printable ASCII:
// no spaces, control or non-ASCII characters (percent-encode them), no
// backslash, no user:password@ (an access token goes in its own field)
// and no #fragment (WebSocket URLs cannot have one). Parsing a canonical
// text returns it unchanged.
func ParseServerURL(s string) (ServerURL, error) {
	s = strings.Trim(s, " \t\n\v\f\r")
	if s == "" {
		return ServerURL{}, badServerURL("empty")
	}
	if len(s) > MaxServerURLLen {
		return ServerURL{}, badServerURL("longer than " + strconv.Itoa(MaxServerURLLen) + " bytes")
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			return ServerURL{}, badServerURL("has a space (percent-encode it as %20)")
		case c < 0x20 || c == 0x7f:
			return ServerURL{}, badServerURL("has a control character")
		case c >= 0x80:
			return ServerURL{}, badServerURL("has a non-ASCII character (percent-encode it)")
		case c == '\\':
			return ServerURL{}, badServerURL("has a backslash")
		case c == '#':
			return ServerURL{}, badServerURL("has a #fragment")
		}
	}

	var u ServerURL
	scheme, rest, ok := strings.Cut(s, "://")
	switch {
	case ok && strings.EqualFold(scheme, "ws"):
	case ok && strings.EqualFold(scheme, "wss"):
		u.secure = true
	default:
		return ServerURL{}, badServerURL("want a wss:// URL, e.g. wss://signal.example.com" + Path + " (ws:// or wss:// only)")
	}

	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	authority, rest := rest[:end], rest[end:]
	if strings.Contains(authority, "@") {
		return ServerURL{}, badServerURL("has a user or password (credentials); an access token goes in its own field")
	}
	var err error
	if u.host, u.port, err = parseAuthority(authority, u.secure); err != nil {
		return ServerURL{}, err
	}

	path, query, _ := strings.Cut(rest, "?")
	if u.path, err = canonicalPart(path, false); err != nil {
		return ServerURL{}, err
	}
	if u.path == "" || u.path == "/" {
		u.path = Path
	}
	if u.query, err = canonicalPart(query, true); err != nil {
		return ServerURL{}, err
	}
	if n := u.textLen(); n > MaxServerURLLen {
		return ServerURL{}, badServerURL("longer than " + strconv.Itoa(MaxServerURLLen) + " bytes")
	}
	return u, nil
}

// parseAuthority reads host[:port] and returns the canonical host and the
// port, 0 for the scheme's default.
func parseAuthority(a string, secure bool) (string, uint16, error) {
	if a == "" {
		return "", 0, badServerURL("no host")
	}
	host, port, hasPort := a, "", false
	if strings.HasPrefix(a, "[") {
		i := strings.IndexByte(a, ']')
		if i < 0 {
			return "", 0, badServerURL("bad IPv6 address: no closing ]")
		}
		host = a[:i+1]
		switch after := a[i+1:]; {
		case after == "":
		case after[0] == ':':
			port, hasPort = after[1:], true
		default:
			return "", 0, badServerURL("bad host: text after the ]")
		}
	} else {
		switch strings.Count(a, ":") {
		case 0:
		case 1:
			host, port, _ = strings.Cut(a, ":")
			hasPort = true
		default:
			return "", 0, badServerURL("IPv6 addresses need brackets: [2001:db8::1]")
		}
	}
	h, err := canonicalHost(host)
	if err != nil {
		return "", 0, err
	}
	if !hasPort {
		return h, 0, nil
	}
	p, err := parseServerPort(port)
	if err != nil {
		return "", 0, err
	}
	if (!secure && p == 80) || (secure && p == 443) {
		p = 0
	}
	return h, p, nil
}

// canonicalHost checks a host as written in a URL (IPv6 in brackets) and
// returns its canonical text.
func canonicalHost(h string) (string, error) {
	if h == "" {
		return "", badServerURL("no host")
	}
	if strings.HasPrefix(h, "[") {
		inner := h[1 : len(h)-1]
		if strings.Contains(inner, "%") {
			return "", badServerURL("IPv6 zone (%) not allowed")
		}
		a, err := netip.ParseAddr(inner)
		if err != nil || !a.Is6() {
			return "", badServerURL("bad IPv6 address")
		}
		if a.Is4In6() {
			return "", badServerURL("IPv4-mapped IPv6 address: write the IPv4 address")
		}
		return "[" + a.String() + "]", nil
	}
	if len(h) > 253 {
		return "", badServerURL("host name longer than 253 bytes")
	}
	h = strings.ToLower(h)
	last := h[strings.LastIndexByte(h, '.')+1:]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		// A name ending in digits is an IPv4 address or nothing:
		// "010.1.1.1" or "1.2.3" are refused, not guessed at.
		a, err := netip.ParseAddr(h)
		if err != nil || !a.Is4() {
			return "", badServerURL("bad IPv4 address")
		}
		return a.String(), nil
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return "", badServerURL("bad host name")
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return "", badServerURL("bad host name")
			}
		}
	}
	return h, nil
}

// parseServerPort reads a decimal port 1-65535 of at most 5 digits.
func parseServerPort(s string) (uint16, error) {
	if s == "" || len(s) > 5 || strings.Trim(s, "0123456789") != "" {
		return 0, badServerURL("bad port: want 1-65535")
	}
	p, _ := strconv.Atoi(s)
	if p < 1 || p > 65535 {
		return 0, badServerURL("bad port: want 1-65535")
	}
	return uint16(p), nil
}

// canonicalPart checks a path (starting with "/" or empty) or a query
// (after the "?") against RFC 3986's characters — unreserved, sub-delims,
// ":", "@", "/", percent-encodings, and for a query "?" — and returns it
// with its percent-encodings in upper case.
func canonicalPart(s string, query bool) (string, error) {
	what := "path"
	if query {
		what = "query"
	}
	var b []byte // made at the first lower-case percent-encoding
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0, query && c == '?':
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", badServerURL("bad percent-encoding in the " + what + ": want % and two hex digits")
			}
			if up := strings.ToUpper(s[i+1 : i+3]); up != s[i+1:i+3] {
				if b == nil {
					b = []byte(s)
				}
				copy(b[i+1:], up)
			}
			i += 2
		default:
			return "", badServerURL("character " + strconv.QuoteRune(rune(c)) + " not allowed in the " + what + " (percent-encode it)")
		}
	}
	if b != nil {
		return string(b), nil
	}
	return s, nil
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// IsZero reports whether u is the zero ("no server") value.
func (u ServerURL) IsZero() bool { return u == ServerURL{} }

// Secure reports whether the scheme is wss (TLS).
func (u ServerURL) Secure() bool { return u.secure }

// Scheme returns "wss" or "ws" ("" for the zero value).
func (u ServerURL) Scheme() string {
	switch {
	case u.IsZero():
		return ""
	case u.secure:
		return "wss"
	}
	return "ws"
}

// Hostname returns the host without brackets: a DNS name, an IPv4 or an
// IPv6 address.
func (u ServerURL) Hostname() string { return strings.TrimSuffix(strings.TrimPrefix(u.host, "["), "]") }

// Port returns the port dialed: the explicit one, else 443 for wss and 80
// for ws (0 for the zero value).
func (u ServerURL) Port() int {
	switch {
	case u.IsZero():
		return 0
	case u.port != 0:
		return int(u.port)
	case u.secure:
		return 443
	}
	return 80
}

// Path returns the path, never empty (Path when none was written).
func (u ServerURL) Path() string { return u.path }

// Query returns the query without its "?", or "".
func (u ServerURL) Query() string { return u.query }

// SameEndpoint reports whether u and v name the same WebSocket endpoint:
// everything but the query is equal.
func (u ServerURL) SameEndpoint(v ServerURL) bool {
	u.query, v.query = "", ""
	return u == v
}

// String returns the canonical text, or "" for the zero value.
func (u ServerURL) String() string {
	if u.IsZero() {
		return ""
	}
	return string(u.AppendText(make([]byte, 0, u.textLen())))
}

// AppendText appends the canonical text to dst (nothing for the zero
// value).
func (u ServerURL) AppendText(dst []byte) []byte {
	if u.IsZero() {
		return dst
	}
	dst = append(dst, u.Scheme()...)
	dst = append(dst, "://"...)
	dst = append(dst, u.host...)
	if u.port != 0 {
		dst = append(dst, ':')
		dst = strconv.AppendUint(dst, uint64(u.port), 10)
	}
	dst = append(dst, u.path...)
	if u.query != "" {
		dst = append(dst, '?')
		dst = append(dst, u.query...)
	}
	return dst
}

// textLen is len(u.String()) for a non-zero u.
func (u ServerURL) textLen() int {
	n := len("ws://") + len(u.host) + len(u.path)
	if u.secure {
		n++
	}
	if u.port != 0 {
		n += 1 + len(strconv.Itoa(int(u.port)))
	}
	if u.query != "" {
		n += 1 + len(u.query)
	}
	return n
}

// MarshalText implements encoding.TextMarshaler with the canonical form.
func (u ServerURL) MarshalText() ([]byte, error) { return u.AppendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseServerURL;
// the empty string decodes to the zero value.
func (u *ServerURL) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*u = ServerURL{}
		return nil
	}
	parsed, err := ParseServerURL(string(b))
	if err != nil {
		return err
	}
	*u = parsed
	return nil
}

// SameEndpoint reports whether two WebSocket URLs name the same endpoint
// (ServerURL.SameEndpoint): same scheme, host and port, with default ports
// implied, and the same path. A string that is not a server URL matches
// nothing.
func SameEndpoint(a, b string) bool {
	ua, err1 := ParseServerURL(a)
	ub, err2 := ParseServerURL(b)
	return err1 == nil && err2 == nil && ua.SameEndpoint(ub)
}
