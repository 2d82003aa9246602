package identity

import (
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
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

// b32 is the base32 encoding of peer ids (no padding).
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// luhnValue maps a character of luhnAlphabet to its value, others to -1.
var luhnValue = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(luhnAlphabet); i++ {
		t[luhnAlphabet[i]] = int8(i)
	}
	return t
}()

// String returns the canonical text form, or "" for the zero id.
func (id PeerID) String() string {
	if id.IsZero() {
		return ""
	}
	var b [TextLen]byte
	return string(id.AppendText(b[:0]))
}

// AppendText appends the canonical text form to dst (nothing for the zero
// id) without allocating.
func (id PeerID) AppendText(dst []byte) []byte {
	if id.IsZero() {
		return dst
	}
	var raw [52]byte
	b32.Encode(raw[:], id[:])
	var withCheck [56]byte
	for i := 0; i < 4; i++ {
		chunk := raw[i*13 : (i+1)*13]
		copy(withCheck[i*14:], chunk)
		withCheck[i*14+13] = luhn32(chunk)
	}
	for i := 0; i < 8; i++ {
		if i > 0 {
			dst = append(dst, '-')
		}
		dst = append(dst, withCheck[i*7:(i+1)*7]...)
	}
	return dst
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
	var clean [56]byte
	n := 0
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
		if luhnValue[c] < 0 {
			return PeerID{}, fmt.Errorf("identity: parse peer id: %w: character %q", ErrBadPeerID, s[i])
		}
		if n == len(clean) {
			n++
			break
		}
		clean[n] = c
		n++
	}
	if n != 56 {
		return PeerID{}, fmt.Errorf("identity: parse peer id: %w: %d characters, want 56", ErrBadPeerID, countClean(s))
	}
	var raw [52]byte
	for i := 0; i < 4; i++ {
		chunk := clean[i*14 : i*14+13]
		if luhn32(chunk) != clean[i*14+13] {
			return PeerID{}, fmt.Errorf("identity: parse peer id: %w: check character of group %d", ErrBadPeerID, i+1)
		}
		copy(raw[i*13:], chunk)
	}
	// 52 base32 characters carry 260 bits; the last 4 must be zero or the
	// same id would have several spellings.
	if luhnValue[raw[51]]&0xF != 0 {
		return PeerID{}, fmt.Errorf("identity: parse peer id: %w: not canonical", ErrBadPeerID)
	}
	var id PeerID
	var dec [33]byte
	if m, err := b32.Decode(dec[:], raw[:]); err != nil || m != 32 {
		return PeerID{}, fmt.Errorf("identity: parse peer id: %w", ErrBadPeerID)
	}
	copy(id[:], dec[:32])
	if id.IsZero() {
		return PeerID{}, fmt.Errorf("identity: parse peer id: %w: the zero id", ErrBadPeerID)
	}
	return id, nil
}

// ParseBytes is Parse for a byte slice, with a fast path for the
// canonical form (what servers and the Go client send): it decodes the
// 56 characters in place, without copying b or going through
// encoding/base32. Other spellings take Parse.
func ParseBytes(b []byte) (PeerID, error) {
	if id, ok := parseCanonical(b); ok {
		return id, nil
	}
	return Parse(string(b))
}

// parseCanonical decodes the canonical text form; ok false means b is
// not one (or not a valid id): Parse then says why.
func parseCanonical(b []byte) (id PeerID, ok bool) {
	if len(b) != TextLen {
		return id, false
	}
	// The 4 Luhn chunks: 13 data characters and a check character each,
	// spread over groups of 7 separated by dashes.
	var acc uint64 // bits not yet written to id
	bits, out := 0, 0
	pos := 0
	for chunk := 0; chunk < 4; chunk++ {
		factor, sum := 1, 0
		for k := 0; k < 14; k++ {
			if pos%8 == 7 {
				if b[pos] != '-' {
					return id, false
				}
				pos++
			}
			v := int(luhnValue[b[pos]])
			pos++
			if v < 0 {
				return id, false
			}
			if k == 13 {
				if v != (32-sum%32)%32 {
					return id, false
				}
				break
			}
			addend := factor * v
			factor = 3 - factor
			sum += addend/32 + addend%32
			acc = acc<<5 | uint64(v)
			bits += 5
			for bits >= 8 && out < len(id) {
				bits -= 8
				id[out] = byte(acc >> bits)
				out++
			}
		}
	}
	// 260 bits: the last 4 must be zero, or one id has several spellings.
	if bits != 4 || acc&0xF != 0 || id.IsZero() {
		return PeerID{}, false
	}
	return id, true
}

// countClean counts the characters of s that are not dashes or spaces.
func countClean(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '-' && s[i] != ' ' {
			n++
		}
	}
	return n
}

// luhn32 computes the Luhn mod 32 check character of s, which must hold
// only characters of luhnAlphabet (Syncthing's algorithm, so ids read the
// same way).
func luhn32(s []byte) byte {
	factor, sum := 1, 0
	for _, c := range s {
		addend := factor * int(luhnValue[c])
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
		sum += addend/32 + addend%32
	}
	return luhnAlphabet[(32-sum%32)%32]
}
