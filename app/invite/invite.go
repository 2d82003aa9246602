// Package invite reads and writes Peerline invite links,
// peerline://add?id=…&server=…&name=…: one person's id, the signaling
// server that reaches them (optional), and the name they go by
// (optional). A link comes from anywhere (a chat, a web page, the
// clipboard), so Parse treats it as hostile: bounded, strict, and an
// error names what is wrong. frontend/src/lib/invite is its twin; both
// run testdata/invite-vectors.json.
package invite

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// Limits of a link.
const (
	// Scheme is the URL scheme the installers register.
	Scheme = "peerline"
	// MaxLen bounds a link in bytes: an id (63), a server URL
	// (signaling.MaxServerURLLen) and a name, escaped, fit with room.
	MaxLen = 2048
	// MaxNameRunes bounds the name, as the Add-person dialog does.
	MaxNameRunes = 64
)

// Reason says what is wrong with a link; the values are shared with the
// frontend's parser and the test vectors.
type Reason string

// The reasons Parse gives.
const (
	ReasonTooLong   Reason = "too_long"  // over MaxLen bytes
	ReasonControl   Reason = "control"   // a control, format or space character in the link
	ReasonScheme    Reason = "scheme"    // not peerline:
	ReasonForm      Reason = "form"      // not //add?…, or a bad query
	ReasonDuplicate Reason = "duplicate" // a parameter given twice
	ReasonID        Reason = "id"        // id missing or not a peer id
	ReasonServer    Reason = "server"    // server not a signaling server URL
	ReasonName      Reason = "name"      // name too long or with control characters
)

// ErrInvalid is wrapped by every error Parse returns.
var ErrInvalid = errors.New("invite: not a valid Peerline link")

// Error is a link Parse refused, and why.
type Error struct {
	Reason Reason
	Detail string
}

func (e *Error) Error() string { return fmt.Sprintf("invite: %s: %s", e.Reason, e.Detail) }

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *Error) Unwrap() error { return ErrInvalid }

func fail(r Reason, format string, args ...any) error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// Link is one invite.
type Link struct {
	ID     identity.PeerID
	Server string // canonical (signaling.ServerURL.String), "" for none
	Name   string
}

// String is the link's canonical text: id, server, name, in that order,
// the empty ones left out.
func (l Link) String() string {
	var b strings.Builder
	b.WriteString(Scheme + "://add?id=")
	b.WriteString(url.QueryEscape(l.ID.String()))
	if l.Server != "" {
		b.WriteString("&server=" + url.QueryEscape(l.Server))
	}
	if l.Name != "" {
		b.WriteString("&name=" + url.QueryEscape(l.Name))
	}
	return b.String()
}

// IsLink reports whether s is meant as an invite link (it starts with the
// scheme), valid or not: the Add-person dialog and the command line use it
// to tell a link from a bare id.
func IsLink(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) > len(Scheme) && strings.EqualFold(s[:len(Scheme)+1], Scheme+":")
}

// Parse reads a link. Surrounding white space is ignored; parameters
// other than id, server and name are ignored (later versions may add
// some), but each parameter may come only once.
func Parse(s string) (Link, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxLen {
		return Link{}, fail(ReasonTooLong, "%d bytes, at most %d", len(s), MaxLen)
	}
	for _, r := range s {
		if r == utf8.RuneError || r <= ' ' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.IsSpace(r) {
			return Link{}, fail(ReasonControl, "character %U in the link", r)
		}
	}
	if !IsLink(s) {
		return Link{}, fail(ReasonScheme, "not a %s: link", Scheme)
	}
	rest := s[len(Scheme)+1:]
	if len(rest) < 6 || !strings.EqualFold(rest[:6], "//add?") {
		return Link{}, fail(ReasonForm, "want %s://add?id=…", Scheme)
	}
	query := rest[6:]
	if strings.Contains(query, "#") {
		return Link{}, fail(ReasonForm, "a fragment after the query")
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return Link{}, fail(ReasonForm, "bad query")
	}
	for k, v := range values {
		if len(v) > 1 {
			return Link{}, fail(ReasonDuplicate, "%q given %d times", k, len(v))
		}
	}
	var l Link
	rawID := values.Get("id")
	if rawID == "" {
		return Link{}, fail(ReasonID, "no id")
	}
	if l.ID, err = identity.Parse(rawID); err != nil {
		return Link{}, fail(ReasonID, "not a Peerline ID")
	}
	if raw := values.Get("server"); raw != "" {
		u, err := signaling.ParseServerURL(raw)
		if err != nil {
			return Link{}, fail(ReasonServer, "not a signaling server address")
		}
		l.Server = u.String()
	}
	name := strings.TrimSpace(values.Get("name"))
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameRunes {
		return Link{}, fail(ReasonName, "at most %d characters", MaxNameRunes)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || (unicode.IsSpace(r) && r != ' ') {
			return Link{}, fail(ReasonName, "character %U in the name", r)
		}
	}
	l.Name = name
	return l, nil
}
