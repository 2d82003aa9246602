package store

import (
	"fmt"
	"log/slog"
)

// Secret is a string that must not end up in logs: signaling tokens and
// TURN credentials. fmt (every verb, including inside structs and %#v)
// and log/slog print it as "[redacted]" ("" when empty). encoding/json
// writes the real value: the store persists it and the settings UI edits
// it, so never log a Secret's JSON. Use string(s) where the value is
// really needed (dialing, handing ICE servers to the call engine).
type Secret string

const redacted = "[redacted]"

func (s Secret) safe() string {
	if s == "" {
		return ""
	}
	return redacted
}

// String returns "[redacted]", or "" for an empty secret.
func (s Secret) String() string { return s.safe() }

// GoString is String, for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.safe()) }

// Format prints the redacted form for every verb (%x would otherwise
// print the bytes).
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' || f.Flag('#') {
		fmt.Fprintf(f, "%q", s.safe())
		return
	}
	fmt.Fprint(f, s.safe())
}

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.safe()) }
