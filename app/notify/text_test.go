package notify

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestPlainText(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "Grace Hopper", 0, "Grace Hopper"},
		{"trimmed and collapsed", "  Grace \t\t Hopper  ", 0, "Grace Hopper"},
		{"control characters", "Gr\x00ace\x1b[31m\x07", 0, "Grace[31m"},
		{"newlines become spaces", "Grace\nHopper\r\n", 0, "Grace Hopper"},
		{"bidi override", "Grace\u202eecnalab\u202c", 0, "Graceecnalab"},
		{"bidi isolates and marks", "\u2066Ada\u2069\u200f", 0, "Ada"},
		{"line separator", "Ada\u2028Lovelace", 0, "AdaLovelace"},
		{"invalid utf-8", "Ada\xff\xfe", 0, "Ada"},
		{"emoji sequence kept", "Ada 👩\u200d💻", 0, "Ada 👩\u200d💻"},
		{"cut", "Augusta Ada King", 8, "Augusta…"},
		{"cut trims the space", "Ada King Lovelace", 5, "Ada…"},
		{"exactly max", "Ada", 3, "Ada"},
		{"only junk", "\x00\u202e", 0, ""},
		{"noncharacters", "A\ufffeda\U0010ffff\ufdd0", 0, "Ada"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlainText(tt.in, tt.max); got != tt.want {
				t.Errorf("PlainText(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestSummaryAndBody(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"summary markup neutralised", summaryText("<b>Eve</b> & co is calling"), "‹b›Eve‹/b› ＆ co is calling"},
		{"body escaped for markup servers", bodyText("<i>Eve</i> & \"co\"", true), "&lt;i&gt;Eve&lt;/i&gt; &amp; &quot;co&quot;"},
		{"body plain for others", bodyText("<i>Eve</i>", false), "<i>Eve</i>"},
		{"body keeps lines", bodyText("Video call\n\x1bunverified", false), "Video call\nunverified"},
		{"summary cut", summaryText(strings.Repeat("a", 500)), strings.Repeat("a", MaxSummaryRunes-1) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestUrgencyWire(t *testing.T) {
	for u, want := range map[Urgency]byte{UrgencyLow: 0, UrgencyNormal: 1, UrgencyCritical: 2} {
		if got := u.wire(); got != want {
			t.Errorf("%s.wire() = %d, want %d", u, got, want)
		}
	}
	for v, want := range map[uint32]CloseReason{1: CloseExpired, 2: CloseDismissed, 3: CloseWithdrawn, 4: CloseUnknown, 0: CloseUnknown, 9: CloseUnknown} {
		if got := parseCloseReason(v); got != want {
			t.Errorf("parseCloseReason(%d) = %s, want %s", v, got, want)
		}
	}
}

// FuzzText: whatever a caller names themselves, the text sent is valid
// UTF-8 with no control, format or separator characters (newlines only in
// a body), within its length, and with no markup left unescaped.
func FuzzText(f *testing.F) {
	for _, s := range []string{"Grace", "<b>x</b>&amp;", "\u202eabc", "a\x00\nb", strings.Repeat("é", 700), "👩\u200d💻"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sum, body := summaryText(s), bodyText(s, true)
		for _, out := range []string{sum, body} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 from %q", s)
			}
			for _, r := range out {
				if (unicode.IsControl(r) && r != '\n') || (unicode.Is(unicode.Cf, r) && r != '\u200d') || r == '\u2028' || r == '\u2029' {
					t.Fatalf("%U left in %q (from %q)", r, out, s)
				}
			}
			if strings.ContainsAny(out, "<>") {
				t.Fatalf("markup left in %q (from %q)", out, s)
			}
		}
		if strings.Contains(sum, "\n") || utf8.RuneCountInString(sum) > MaxSummaryRunes {
			t.Fatalf("summary %q", sum)
		}
		if utf8.RuneCountInString(clean(s, MaxBodyRunes, true)) > MaxBodyRunes {
			t.Fatalf("body too long from %q", s)
		}
	})
}
