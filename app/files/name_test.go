package files

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitize(t *testing.T) {
	long := strings.Repeat("é", 150) + ".pdf"
	cases := []struct{ in, want string }{
		{"deck.pdf", "deck.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\ada\evil.exe`, "evil.exe"},
		{"/", "file"},
		{"", "file"},
		{"..", "file"},
		{".bashrc", "bashrc"},
		{"a\x00b\x1fc\x7f.txt", "abc.txt"},
		{"line\nbreak.txt", "linebreak.txt"},
		{"invoice\u202egnp.exe", "invoicegnp.exe"},
		{`what?<>:"|*.txt`, "what_______.txt"},
		{"CON", "_CON"},
		{"nul.txt", "_nul.txt"},
		{"com1.tar.gz", "_com1.tar.gz"},
		{"console.txt", "console.txt"},
		{"trailing. . ", "trailing"},
		{"tab\there.txt", "tabhere.txt"},
		{"no\u00a0break.txt", "no break.txt"},
		{"bad\xffutf8.txt", "badutf8.txt"},
		{long, strings.Repeat("é", 98) + ".pdf"},
	}
	for _, c := range cases {
		if got := Sanitize(c.in); got != c.want {
			t.Errorf("Sanitize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestNumbered(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want string
	}{
		{"deck.pdf", 1, "deck (1).pdf"},
		{"notes", 12, "notes (12)"},
		{"a.tar.gz", 2, "a.tar (2).gz"},
	}
	for _, c := range cases {
		if got := numbered(c.in, c.n); got != c.want {
			t.Errorf("numbered(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}

// FuzzSanitize: whatever the other side sends, the name is one safe path
// element.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"deck.pdf", "../x", `a\b`, "CON.txt", "\u202e", ". .", strings.Repeat("x", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := Sanitize(in)
		if out == "" || out == "." || out == ".." || strings.ContainsAny(out, "/\\\x00<>:\"|?*") {
			t.Fatalf("Sanitize(%q) = %q", in, out)
		}
		if len(out) > MaxNameBytes || !utf8.ValidString(out) || strings.HasPrefix(out, ".") || strings.HasSuffix(out, ".") || strings.HasSuffix(out, " ") {
			t.Fatalf("Sanitize(%q) = %q", in, out)
		}
		for _, r := range out {
			if r < 0x20 || r == 0x7f || isBidiControl(r) {
				t.Fatalf("Sanitize(%q) = %q keeps %U", in, out, r)
			}
		}
		if Sanitize(out) != out {
			t.Fatalf("not idempotent: %q → %q → %q", in, out, Sanitize(out))
		}
	})
}
