package notify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on the text sent, in runes; longer text is cut with an ellipsis.
// Servers cut far shorter anyway; these stop a caller's name from making
// a notification that fills the screen.
const (
	MaxSummaryRunes = 120
	MaxBodyRunes    = 600
	MaxLabelRunes   = 40
)

// PlainText makes s safe to show as one line of plain text: invalid UTF-8
// and every control, format (bidirectional overrides and isolates, which
// could make "Grace" read as someone else) and line or paragraph
// separator character and every noncharacter is dropped, runs of spaces collapse to one, and the
// result is cut to max runes (0: no limit) with "…". Zero-width joiners
// stay, so emoji sequences survive.
func PlainText(s string, max int) string {
	return clean(s, max, false)
}

// clean is PlainText; multiline keeps newlines (a body's lines).
func clean(s string, max int, multiline bool) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range strings.ToValidUTF8(s, "") {
		switch {
		case multiline && r == '\n':
			b.WriteRune('\n')
			space = false
			continue
		case r == '\u200d': // zero-width joiner: part of emoji sequences
		case unicode.IsSpace(r) && r != '\u2028' && r != '\u2029':
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r),
			unicode.Is(unicode.Co, r), r == utf8.RuneError, nonCharacter(r):
			continue
		}
		b.WriteRune(r)
		space = false
	}
	out := strings.TrimSpace(b.String())
	if max > 0 && utf8.RuneCountInString(out) > max {
		rs := []rune(out)
		out = strings.TrimSpace(string(rs[:max-1])) + "…"
	}
	return out
}

// nonCharacter reports Unicode's noncharacters (U+FDD0–U+FDEF, and the
// last two code points of every plane): never text, and U+FFFE and
// U+FFFF are not even XML characters.
func nonCharacter(r rune) bool {
	return r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE
}

// markupEscaper escapes the characters the spec's body markup (a subset of
// XML) reads.
var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "'", "&#39;", "\"", "&quot;")

// EscapeMarkup escapes s for a server that reads body markup.
func EscapeMarkup(s string) string { return markupEscaper.Replace(s) }

// summaryLookalikes stand in for the markup characters in a summary. The
// spec makes the summary plain text, but some servers (dunst with
// markup = full, for one) parse it as markup too, and escaping it would
// show "&amp;" on those that follow the spec: look-alike characters read
// the same on both.
var summaryLookalikes = strings.NewReplacer("&", "\uff06", "<", "\u2039", ">", "\u203a")

// summaryText is the summary as sent.
func summaryText(s string) string {
	return summaryLookalikes.Replace(PlainText(s, MaxSummaryRunes))
}

// bodyText is the body as sent to a server with (markup) or without body
// markup.
func bodyText(s string, markup bool) string {
	s = clean(s, MaxBodyRunes, true)
	if markup {
		return EscapeMarkup(s)
	}
	return s
}
