package store

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeName(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", "Ada", "Ada", true},
		{"trimmed", "  Ada Lovelace \t\n", "Ada Lovelace", true},
		{"unicode", "Zoë 🎥 日本", "Zoë 🎥 日本", true},
		{"zwj emoji", "👩‍👩‍👧", "👩‍👩‍👧", true},
		{"64 runes", strings.Repeat("é", 64), strings.Repeat("é", 64), true},
		{"65 runes", strings.Repeat("é", 65), "", false},
		{"empty", "", "", false},
		{"only spaces", " \t\u00a0 ", "", false},
		{"newline inside", "Ada\nLovelace", "", false},
		{"NUL", "Ada\x00", "", false},
		{"DEL", "Ada\x7f", "", false},
		{"C1 control", "Ada\u0085x", "", false},
		{"escape sequence", "\x1b[31mAda", "", false},
		{"bidi override", "Ada\u202Egnp.exe", "", false},
		{"bidi isolate", "\u2067Ada", "", false},
		{"line separator", "Ada\u2028Bob", "", false},
		{"invalid UTF-8", "Ada\xff", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeName(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("normalizeName(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestNormalizeSignalURL(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"wss", "wss://signal.example.org/v1/signal", "wss://signal.example.org/v1/signal", true},
		{"ws with port", "ws://192.168.1.10:8443/v1/signal", "ws://192.168.1.10:8443/v1/signal", true},
		{"case folded", " WSS://Signal.Example.ORG/Path ", "wss://signal.example.org/Path", true},
		{"ipv6, default port and path", "wss://[2001:db8::1]:443/", "wss://[2001:db8::1]/v1/signal", true},
		{"query kept", "wss://h.example/s?room=a", "wss://h.example/s?room=a", true},
		{"localhost, default path", "ws://localhost:8080", "ws://localhost:8080/v1/signal", true},
		{"http", "http://example.org/", "", false},
		{"https", "https://example.org/", "", false},
		{"no scheme", "example.org:443", "", false},
		{"opaque", "ws:example.org", "", false},
		{"no host", "wss:///path", "", false},
		{"credentials", "wss://user:pass@example.org/", "", false},
		{"user only", "wss://user@example.org/", "", false},
		{"fragment", "wss://example.org/#x", "", false},
		{"empty fragment", "wss://example.org/#", "", false},
		{"port zero", "wss://example.org:0/", "", false},
		{"port too big", "wss://example.org:65536/", "", false},
		{"empty port", "wss://example.org:/", "", false},
		{"non-numeric port", "wss://example.org:https/", "", false},
		{"bad host", "wss://exa_mple.org/", "", false},
		{"numeric tail", "wss://1.2.3/", "", false},
		{"octal-looking ip", "wss://010.1.1.1/", "", false},
		{"ipv6 zone", "ws://[fe80::1%25eth0]:80/", "", false},
		{"space", "wss://example.org/a b", "", false},
		{"control", "wss://example.org/\x01", "", false},
		{"too long", "wss://example.org/" + strings.Repeat("a", maxURLLen), "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeSignalURL(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("normalizeSignalURL(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestNormalizeLANAddr(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"ipv4", "192.168.1.20:7000", "192.168.1.20:7000", true},
		{"hostname", "Desk-PC.local:7000", "desk-pc.local:7000", true},
		{"ipv6", "[2001:db8::1]:7000", "[2001:db8::1]:7000", true},
		{"ipv6 zone", "[fe80::1%eth0]:7000", "[fe80::1%eth0]:7000", true},
		{"leading zeros in port", "host:07000", "host:7000", true},
		{"max port", "host:65535", "host:65535", true},
		{"trimmed", " host:1 ", "host:1", true},
		{"no port", "192.168.1.20", "", false},
		{"empty port", "host:", "", false},
		{"port zero", "host:0", "", false},
		{"port too big", "host:65536", "", false},
		{"port sign", "host:+80", "", false},
		{"port name", "host:http", "", false},
		{"empty host", ":7000", "", false},
		{"ipv6 unbracketed", "2001:db8::1:7000", "", false},
		{"ipv6 no port", "[2001:db8::1]", "", false},
		{"brackets around name", "[host]:7000", "", false},
		{"bad zone", "[fe80::1%e/th0]:7000", "", false},
		{"mapped ipv4", "[::ffff:1.2.3.4]:7000", "", false},
		{"underscore", "my_host:7000", "", false},
		{"label dash", "-host:7000", "", false},
		{"long label", strings.Repeat("a", 64) + ":7000", "", false},
		{"empty label", "a..b:7000", "", false},
		{"numeric tail", "1.2.3:7000", "", false},
		{"url", "ws://host:7000", "", false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := normalizeLANAddr(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("normalizeLANAddr(%q) = %q, %v; want %q, ok=%v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestNormalizeICEURL(t *testing.T) {
	tests := []struct {
		name, in, want string
		turn, ok       bool
	}{
		{"stun", "stun:stun.example.org:3478", "stun:stun.example.org:3478", false, true},
		{"stun no port", "stun:stun.example.org", "stun:stun.example.org", false, true},
		{"stuns", "STUNS:Example.org:5349", "stuns:example.org:5349", false, true},
		{"turn udp", "turn:10.0.0.1:3478?transport=udp", "turn:10.0.0.1:3478?transport=udp", true, true},
		{"turns tcp", "turns:turn.example.org:443?transport=TCP", "turns:turn.example.org:443?transport=tcp", true, true},
		{"turn ipv6", "turn:[2001:db8::1]:3478", "turn:[2001:db8::1]:3478", true, true},
		{"slashes", "turn://turn.example.org:3478", "", false, false},
		{"http", "http://example.org", "", false, false},
		{"stun query", "stun:example.org?transport=udp", "", false, false},
		{"bad transport", "turn:example.org?transport=sctp", "", false, false},
		{"bad port", "turn:example.org:99999", "", false, false},
		{"no host", "turn:", "", false, false},
		{"no scheme", "example.org:3478", "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, turn, err := normalizeICEURL(tc.in)
			if (err == nil) != tc.ok || got != tc.want || turn != tc.turn {
				t.Fatalf("normalizeICEURL(%q) = %q, %v, %v; want %q, %v, ok=%v", tc.in, got, turn, err, tc.want, tc.turn, tc.ok)
			}
		})
	}
}

// FuzzValidateInput feeds untrusted text to every input validator: none
// may panic; whatever one accepts must be its own normal form (normalizing
// twice changes nothing) and keep the invariants the store relies on.
func FuzzValidateInput(f *testing.F) {
	seeds := []string{
		"Ada", " Ada ", "Ada\u202E", strings.Repeat("é", 65), "\xff",
		"wss://signal.example.org/v1/signal", "WS://[::1]:80/x?y#z", "wss://u:p@h/", "ws://h:0",
		"192.168.1.20:7000", "[fe80::1%eth0]:7000", "host:", "[::ffff:1.2.3.4]:1",
		"turn:h:3478?transport=udp", "stun:[2001:db8::1]", "1700000000000.42", "-1.2", "",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if n, err := normalizeName(in); err == nil {
			if c := utf8.RuneCountInString(n); c < 1 || c > MaxNameRunes || n != strings.TrimSpace(n) {
				t.Fatalf("normalizeName(%q) = %q breaks the limits", in, n)
			}
			if n2, err := normalizeName(n); err != nil || n2 != n {
				t.Fatalf("normalizeName not idempotent: %q -> %q -> %q, %v", in, n, n2, err)
			}
		}
		if u, err := normalizeSignalURL(in); err == nil {
			if !strings.HasPrefix(u, "ws://") && !strings.HasPrefix(u, "wss://") {
				t.Fatalf("normalizeSignalURL(%q) = %q: not ws(s)", in, u)
			}
			if u2, err := normalizeSignalURL(u); err != nil || u2 != u {
				t.Fatalf("normalizeSignalURL not idempotent: %q -> %q -> %q, %v", in, u, u2, err)
			}
		}
		if a, err := normalizeLANAddr(in); err == nil {
			if a2, err := normalizeLANAddr(a); err != nil || a2 != a {
				t.Fatalf("normalizeLANAddr not idempotent: %q -> %q -> %q, %v", in, a, a2, err)
			}
		}
		if u, turn, err := normalizeICEURL(in); err == nil {
			if u2, turn2, err := normalizeICEURL(u); err != nil || u2 != u || turn2 != turn {
				t.Fatalf("normalizeICEURL not idempotent: %q -> %q -> %q, %v", in, u, u2, err)
			}
		}
		if at, seq, err := parseCursor(Cursor(in)); err == nil && (at < 0 || seq < 0) {
			t.Fatalf("parseCursor(%q) = %d, %d", in, at, seq)
		}
		_ = cutText(in, 16)
		if c := cutText(in, 16); len(c) > 16 || !utf8.ValidString(c) {
			t.Fatalf("cutText(%q) = %q", in, c)
		}
	})
}
