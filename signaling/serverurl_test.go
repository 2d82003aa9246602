package signaling

import (
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
)

// serverURLVectors is testdata/server-url-vectors.json, shared with the
// TypeScript parser's tests.
type serverURLVectors struct {
	Valid []struct {
		Name, In, Want string
	}
	Invalid []struct {
		Name, In, Err string
	}
}

func loadServerURLVectors(t testing.TB) serverURLVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/server-url-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v serverURLVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatal("no vectors")
	}
	return v
}

func TestParseServerURL(t *testing.T) {
	v := loadServerURLVectors(t)
	for _, tc := range v.Valid {
		t.Run(tc.Name, func(t *testing.T) {
			u, err := ParseServerURL(tc.In)
			if err != nil {
				t.Fatalf("ParseServerURL(%q): %v; want %q", tc.In, err, tc.Want)
			}
			if got := u.String(); got != tc.Want {
				t.Fatalf("ParseServerURL(%q) = %q, want %q", tc.In, got, tc.Want)
			}
			again, err := ParseServerURL(tc.Want)
			if err != nil || again != u {
				t.Fatalf("the canonical text %q does not parse back to itself: %v, %v", tc.Want, again, err)
			}
		})
	}
	for _, tc := range v.Invalid {
		t.Run(tc.Name, func(t *testing.T) {
			u, err := ParseServerURL(tc.In)
			if err == nil {
				t.Fatalf("ParseServerURL(%q) = %q, want an error about %q", tc.In, u, tc.Err)
			}
			var ue *ServerURLError
			if !errors.As(err, &ue) || !errors.Is(err, ErrBadServerURL) {
				t.Fatalf("error %T %v is not a *ServerURLError matching ErrBadServerURL", err, err)
			}
			if !strings.Contains(ue.Reason, tc.Err) {
				t.Fatalf("ParseServerURL(%q): reason %q, want one about %q", tc.In, ue.Reason, tc.Err)
			}
			if !u.IsZero() {
				t.Fatalf("a failed parse returned %v", u)
			}
		})
	}
}

func TestParseServerURLLength(t *testing.T) {
	head := "wss://h.example/"
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"2048 bytes", head + strings.Repeat("a", MaxServerURLLen-len(head)), true},
		{"2048 bytes and white space", "  " + head + strings.Repeat("a", MaxServerURLLen-len(head)) + "\n", true},
		{"2049 bytes", head + strings.Repeat("a", MaxServerURLLen-len(head)+1), false},
		// The default path would take the canonical text past the limit.
		{"canonical over the limit", "wss://h.example?" + strings.Repeat("a", MaxServerURLLen-len("wss://h.example?")), false},
		{"huge", strings.Repeat("wss://", 1<<16), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, err := ParseServerURL(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseServerURL(%d bytes): %v, want ok=%v", len(tc.in), err, tc.ok)
			}
			if err == nil && len(u.String()) > MaxServerURLLen {
				t.Fatalf("canonical text is %d bytes", len(u.String()))
			}
			if err != nil && !strings.Contains(err.Error(), "longer than 2048") {
				t.Fatalf("reason %v, want the length", err)
			}
		})
	}
}

func TestServerURLParts(t *testing.T) {
	tests := []struct {
		in                           string
		scheme, hostname, path, qury string
		port                         int
	}{
		{"wss://Signal.Example.com", "wss", "signal.example.com", Path, "", 443},
		{"ws://h.example?x=1", "ws", "h.example", Path, "x=1", 80},
		{"WSS://[2001:db8::1]:8443/p", "wss", "2001:db8::1", "/p", "", 8443},
		{"ws://10.0.0.1:443/s", "ws", "10.0.0.1", "/s", "", 443},
	}
	for _, tc := range tests {
		u, err := ParseServerURL(tc.in)
		if err != nil {
			t.Fatal(err)
		}
		if u.Scheme() != tc.scheme || u.Secure() != (tc.scheme == "wss") || u.Hostname() != tc.hostname ||
			u.Port() != tc.port || u.Path() != tc.path || u.Query() != tc.qury {
			t.Errorf("%q: got %s %s %d %s %q", tc.in, u.Scheme(), u.Hostname(), u.Port(), u.Path(), u.Query())
		}
	}
	var zero ServerURL
	if zero.String() != "" || zero.Scheme() != "" || zero.Port() != 0 || !zero.IsZero() {
		t.Errorf("zero value: %q %q %d", zero, zero.Scheme(), zero.Port())
	}
}

func TestServerURLText(t *testing.T) {
	var s struct {
		URL   ServerURL `json:"url"`
		Empty ServerURL `json:"empty"`
	}
	if err := json.Unmarshal([]byte(`{"url":"WSS://H.example:443","empty":""}`), &s); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"url":"wss://h.example/v1/signal","empty":""}`; string(b) != want {
		t.Fatalf("round trip = %s, want %s", b, want)
	}
	if err := json.Unmarshal([]byte(`{"url":"ftp://h"}`), &s); !errors.Is(err, ErrBadServerURL) {
		t.Fatalf("bad URL in JSON: %v", err)
	}
}

func TestSameEndpoint(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"wss://Signal.Example/v1/signal", "wss://signal.example:443/v1/signal", true},
		{"ws://127.0.0.1:8080/v1/signal", "WS://127.0.0.1:8080/v1/signal", true},
		{"ws://127.0.0.1:8080/v1/signal", "http://127.0.0.1:8080/v1/signal", false},
		{"wss://h/v1/signal", "https://h:443/v1/signal", false},
		{"ws://h:80/v1/signal", "ws://h/v1/signal", true},
		{"wss://h", "wss://h/v1/signal", true},
		{"wss://h/v1/signal?room=a", "wss://h/v1/signal", true},
		{"wss://h/v1/signal", "ws://h/v1/signal", false},
		{"wss://h/v1/signal", "wss://h:8443/v1/signal", false},
		{"wss://h/v1/signal", "wss://evil/v1/signal", false},
		{"wss://h/v1/signal", "wss://h/other", false},
		{"wss://h/V1/signal", "wss://h/v1/signal", false},
		{"::bad", "wss://h/", false},
		{"", "", false},
	}
	for _, tc := range tests {
		if got := SameEndpoint(tc.a, tc.b); got != tc.want {
			t.Errorf("SameEndpoint(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := SameEndpoint(tc.b, tc.a); got != tc.want {
			t.Errorf("SameEndpoint(%q, %q) = %v, want %v (not symmetric)", tc.b, tc.a, got, tc.want)
		}
	}
}

// FuzzParseServerURL: ParseServerURL never panics; what it accepts has a
// canonical text within the limit, made of printable ASCII, that parses
// back to the same value, that net/url reads as the same parts, and that
// names the same endpoint as the input.
func FuzzParseServerURL(f *testing.F) {
	for _, tc := range loadServerURLVectors(f).Valid {
		f.Add(tc.In)
	}
	for _, tc := range loadServerURLVectors(f).Invalid {
		f.Add(tc.In)
	}
	f.Fuzz(func(t *testing.T, in string) {
		u, err := ParseServerURL(in)
		if err != nil {
			if !errors.Is(err, ErrBadServerURL) || !u.IsZero() {
				t.Fatalf("ParseServerURL(%q) = %v, %v", in, u, err)
			}
			return
		}
		s := u.String()
		if len(s) > MaxServerURLLen || u.IsZero() {
			t.Fatalf("ParseServerURL(%q) = %q", in, s)
		}
		for i := 0; i < len(s); i++ {
			if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '#' {
				t.Fatalf("canonical %q has byte %#x", s, s[i])
			}
		}
		again, err := ParseServerURL(s)
		if err != nil || again != u || again.String() != s {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", in, s, again, err)
		}
		if !SameEndpoint(in, s) {
			t.Fatalf("%q and its canonical %q are not the same endpoint", in, s)
		}
		nu, err := url.Parse(s)
		if err != nil {
			t.Fatalf("net/url cannot parse canonical %q: %v", s, err)
		}
		port := strconv.Itoa(u.Port())
		if nu.Port() != "" {
			port = nu.Port()
		}
		if nu.Scheme != u.Scheme() || nu.Hostname() != u.Hostname() || port != strconv.Itoa(u.Port()) ||
			nu.EscapedPath() != u.Path() || nu.RawQuery != u.Query() || nu.User != nil || nu.Fragment != "" {
			t.Fatalf("net/url reads %q as %q %q %q %q %q", s, nu.Scheme, nu.Hostname(), port, nu.EscapedPath(), nu.RawQuery)
		}
	})
}
