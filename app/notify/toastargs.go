package notify

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The click arguments of a Windows toast. Windows hands them back to the
// app, untouched, when the person clicks the toast or one of its buttons:
// through the COM activator in the running app, or to a process it starts
// for the click, which passes them to the running app over the instance
// socket. They are one line of four key=value fields, in this order,
// joined by "&", with no escaping of any kind:
//
//	v=2&id=7&tag=dGhpc2lzYWNhbGw&action=answer-audio
//
//	v       the format's version: "2"
//	id      the notification's ID in the app that showed it: decimal,
//	        1 to 4294967295, no sign, no leading zero
//	tag     the notification's nonce: random, made by the Activator for
//	        each notification it shows (NewTag), never anything remote
//	        (a call id from the wire has '.' and ':' the format does not
//	        carry); 1 to MaxTagLen characters of [A-Za-z0-9_-]
//	action  the chosen action's key: 1 to MaxActionKeyLen characters of
//	        [a-z0-9-] (DefaultKey for a click on the toast itself)
//
// Anything else is refused (ErrToastArgs): a missing, repeated, unknown
// or out-of-order key, another version, a value outside its alphabet,
// more than MaxToastArgsLen bytes. The arguments come from outside the
// process (any program can start peerline --toast-activated, and the
// instance socket takes what a launch passes), so the parser is strict and
// fuzzed (FuzzToastArgs); the Activator then takes a click only for a
// notification still showing with that ID, that tag and that action.
//
// Version history: 1, the first, carried the call id as "call" (a call
// id with '.' or ':' could not be shown); 2, a random tag instead.

// ToastArgsVersion is the version Format writes and Parse takes.
const ToastArgsVersion = "2"

// Limits of the click arguments.
const (
	MaxTagLen       = 64
	MaxActionKeyLen = 32
	MaxToastArgsLen = 256
)

// ErrToastArgs: click arguments that are not this format.
var ErrToastArgs = errors.New("notify: not Peerline toast arguments")

// ToastArgs are a parsed click: which notification, about what, and
// which action.
type ToastArgs struct {
	ID     ID
	Tag    string
	Action string
}

// toastKeys are the fields in their one order.
var toastKeys = [...]string{"v", "id", "tag", "action"}

// String formats a; it panics on a Tag or Action outside the format's
// alphabet (checked before: validTag, validActionKey).
func (a ToastArgs) String() string {
	if !validTag(a.Tag) || !validActionKey(a.Action) || a.ID == 0 {
		panic(fmt.Sprintf("notify: toast args (%d, %q, %q) outside the format", a.ID, a.Tag, a.Action))
	}
	return "v=" + ToastArgsVersion + "&id=" + strconv.FormatUint(uint64(a.ID), 10) + "&tag=" + a.Tag + "&action=" + a.Action
}

// ParseToastArgs parses click arguments; see the format above.
func ParseToastArgs(s string) (ToastArgs, error) {
	if len(s) > MaxToastArgsLen {
		return ToastArgs{}, fmt.Errorf("%w: %d bytes, more than %d", ErrToastArgs, len(s), MaxToastArgsLen)
	}
	fields := strings.Split(s, "&")
	if len(fields) != len(toastKeys) {
		return ToastArgs{}, fmt.Errorf("%w: %d fields, want %d", ErrToastArgs, len(fields), len(toastKeys))
	}
	var vals [len(toastKeys)]string
	for i, f := range fields {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k != toastKeys[i] {
			return ToastArgs{}, fmt.Errorf("%w: field %d is not %s=", ErrToastArgs, i+1, toastKeys[i])
		}
		vals[i] = v
	}
	if vals[0] != ToastArgsVersion {
		return ToastArgs{}, fmt.Errorf("%w: version %.8q, want %s", ErrToastArgs, vals[0], ToastArgsVersion)
	}
	id, ok := parseID(vals[1])
	if !ok {
		return ToastArgs{}, fmt.Errorf("%w: bad id", ErrToastArgs)
	}
	if !validTag(vals[2]) {
		return ToastArgs{}, fmt.Errorf("%w: bad tag", ErrToastArgs)
	}
	if !validActionKey(vals[3]) {
		return ToastArgs{}, fmt.Errorf("%w: bad action", ErrToastArgs)
	}
	return ToastArgs{ID: id, Tag: vals[2], Action: vals[3]}, nil
}

// parseID takes 1 to 4294967295 in decimal, with no sign and no leading
// zero (one text form per id).
func parseID(s string) (ID, bool) {
	if s == "" || len(s) > 10 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n == 0 {
		return 0, false
	}
	return ID(n), true
}

// validTag: 1 to MaxTagLen of [A-Za-z0-9_-] (newTag's are base64url).
func validTag(s string) bool {
	if len(s) == 0 || len(s) > MaxTagLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validActionKey: 1 to MaxActionKeyLen of [a-z0-9-].
func validActionKey(s string) bool {
	if len(s) == 0 || len(s) > MaxActionKeyLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// newTag is a notification's random tag: 12 bytes of crypto/rand,
// base64url (16 characters). A click must name it with the ID, so a click
// cannot be made up for a notification from its ID alone (IDs count up).
func newTag() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (Go 1.24: it crashes the program first)
	return base64.RawURLEncoding.EncodeToString(b[:])
}
