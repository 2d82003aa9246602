package identity

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"strings"
)

// PeerID identifies a peer: the SHA-256 of its Ed25519 public key. The zero
// value is "no peer" and prints as the empty string.
type PeerID [32]byte

// TextLen is the length of a peer id's canonical text form.
const TextLen = 63 // 56 characters + 7 dashes

const luhnAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// IDFromKey derives the peer id of a public key.
func IDFromKey(pub ed25519.PublicKey) PeerID {
	return PeerID(sha256.Sum256(pub))
}

// IsZero reports whether id is the zero ("no peer") value.
func (id PeerID) IsZero() bool { return id == PeerID{} }

// Equal compares two ids in constant time.
func (id PeerID) Equal(other PeerID) bool {
	return subtle.ConstantTimeCompare(id[:], other[:]) == 1
}

// String returns the canonical text form, or "" for the zero id.
func (id PeerID) String() string {
	if id.IsZero() {
		return ""
	}
	raw := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(id[:])
	var b strings.Builder
	b.Grow(TextLen)
	withCheck := make([]byte, 0, 56)
	for i := 0; i < 4; i++ {
		chunk := raw[i*13 : (i+1)*13]
		withCheck = append(withCheck, chunk...)
		withCheck = append(withCheck, luhn32(chunk))
	}
	for i := 0; i < 8; i++ {
		if i > 0 {
			b.WriteByte('-')
		}
		b.Write(withCheck[i*7 : (i+1)*7])
	}
	return b.String()
}

// Short returns the first group of the text form, enough to tell peers
// apart in logs.
func (id PeerID) Short() string {
	if id.IsZero() {
		return ""
	}
	return id.String()[:7]
}

// MarshalText implements encoding.TextMarshaler with the canonical form.
func (id PeerID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; the empty string
// decodes to the zero id.
func (id *PeerID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*id = PeerID{}
		return nil
	}
	parsed, err := Parse(string(b))
	if err != nil {
		return err
	}
	*id = parsed
	return nil
}

// Parse reads a peer id in canonical or hand-typed form: case, dashes and
// spaces do not matter, and 0, 1, 8 are read as O, I, B.
func Parse(s string) (PeerID, error) {
	clean := make([]byte, 0, 56)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ' ':
			continue
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c == '0':
			c = 'O'
		case c == '1':
			c = 'I'
		case c == '8':
			c = 'B'
		}
		if strings.IndexByte(luhnAlphabet, c) < 0 {
			return PeerID{}, fmt.Errorf("identity: parse peer id: %w: character %q", ErrBadPeerID, s[i])
		}
		clean = append(clean, c)
	}
	if len(clean) != 56 {
		return PeerID{}, fmt.Errorf("identity: parse peer id: %w: %d characters, want 56", ErrBadPeerID, len(clean))
	}
	raw := make([]byte, 0, 52)
	for i := 0; i < 4; i++ {
		chunk := clean[i*14 : i*14+13]
		if luhn32(string(chunk)) != clean[i*14+13] {
			return PeerID{}, fmt.Errorf("identity: parse peer id: %w: check character of group %d", ErrBadPeerID, i+1)
		}
		raw = append(raw, chunk...)
	}
	dec, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(string(raw))
	if err != nil || len(dec) != 32 {
		return PeerID{}, fmt.Errorf("identity: parse peer id: %w", ErrBadPeerID)
	}
	var id PeerID
	copy(id[:], dec)
	if id.IsZero() {
		return PeerID{}, fmt.Errorf("identity: parse peer id: %w: the zero id", ErrBadPeerID)
	}
	// 52 base32 characters carry 260 bits; the last 4 must be zero or the
	// same id would have several spellings.
	if id.String() != formatGroups(clean) {
		return PeerID{}, fmt.Errorf("identity: parse peer id: %w: not canonical", ErrBadPeerID)
	}
	return id, nil
}

func formatGroups(clean []byte) string {
	var b strings.Builder
	for i := 0; i < 8; i++ {
		if i > 0 {
			b.WriteByte('-')
		}
		b.Write(clean[i*7 : (i+1)*7])
	}
	return b.String()
}

// luhn32 computes the Luhn mod 32 check character of s, which must hold
// only characters of luhnAlphabet (Syncthing's algorithm, so ids read the
// same way).
func luhn32(s string) byte {
	factor, sum := 1, 0
	for i := 0; i < len(s); i++ {
		addend := factor * strings.IndexByte(luhnAlphabet, s[i])
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		sum += addend/32 + addend%32
	}
	return luhnAlphabet[(32-sum%32)%32]
}
