package discovery

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// The advertised service. See the package comment for the TXT keys.
const (
	// ServiceType is the DNS-SD service type.
	ServiceType = "_peerline._tcp"
	// Domain is the mDNS domain.
	Domain = "local."
	// Version is the protocol version advertised in TXT "v": the
	// signaling protocol the hub speaks.
	Version = signaling.Version
	// MaxNameBytes is the longest display name advertised, in bytes (the
	// same limit as names in invites).
	MaxNameBytes = signaling.MaxNameLen
)

// TXT keys.
const (
	txtID      = "id"
	txtName    = "name"
	txtVersion = "v"
)

// encodeTXT returns the TXT strings for a peer. zeroconf hands them to
// miekg/dns, which reads them in zone-file presentation format: a
// backslash starts an escape, so it is escaped itself; other bytes,
// UTF-8 included, go out as they are.
func encodeTXT(id identity.PeerID, name string) []string {
	return []string{
		txtID + "=" + id.String(),
		txtName + "=" + strings.ReplaceAll(name, `\`, `\\`),
		txtVersion + "=" + strconv.Itoa(Version),
	}
}

// txtRecord is what a peer's TXT record says.
type txtRecord struct {
	id      identity.PeerID
	name    string
	version int
}

// parseTXT reads TXT strings as zeroconf delivers them: in miekg/dns
// presentation format, where '"' and '\' come escaped with a backslash
// and bytes outside printable ASCII (UTF-8 included) as \DDD. Keys are
// case-insensitive and the first occurrence of a key wins (RFC 6763 6.4).
// id and v are required; a missing name is "".
func parseTXT(txt []string) (txtRecord, error) {
	var rec txtRecord
	// Only the known keys are remembered: the rest of a TXT record is
	// whatever its sender put there.
	var seenID, seenName, seenVersion bool
	for _, s := range txt {
		key, val, _ := strings.Cut(unescapeTXT(s), "=")
		key = strings.ToLower(key)
		var seen *bool
		switch key {
		case txtID:
			seen = &seenID
		case txtName:
			seen = &seenName
		case txtVersion:
			seen = &seenVersion
		default:
			continue
		}
		if *seen {
			continue
		}
		*seen = true
		switch key {
		case txtID:
			id, err := identity.Parse(val)
			if err != nil {
				return txtRecord{}, fmt.Errorf("discovery: TXT id: %w: %w", ErrBadTXT, err)
			}
			rec.id = id
		case txtName:
			rec.name = cleanName(val)
		case txtVersion:
			v, err := strconv.Atoi(val)
			if err != nil || v < 1 {
				return txtRecord{}, fmt.Errorf("discovery: TXT v %.16q: %w", val, ErrBadTXT)
			}
			rec.version = v
		}
	}
	switch {
	case rec.id.IsZero():
		return txtRecord{}, fmt.Errorf("discovery: TXT: %w: no id", ErrBadTXT)
	case rec.version == 0:
		return txtRecord{}, fmt.Errorf("discovery: TXT: %w: no v", ErrBadTXT)
	}
	return rec, nil
}

// unescapeTXT undoes miekg/dns's presentation escapes: \DDD is a byte,
// \X is X.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		if i+2 < len(s) && isDigit(s[i]) && isDigit(s[i+1]) && isDigit(s[i+2]) {
			n := int(s[i]-'0')*100 + int(s[i+1]-'0')*10 + int(s[i+2]-'0')
			if n <= 255 {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// cleanName makes a display name safe to show and to advertise: valid
// UTF-8, no control characters, trimmed, at most MaxNameBytes bytes (cut
// at a character boundary).
func cleanName(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	for len(s) > MaxNameBytes {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return strings.TrimSpace(s)
}

// instanceName returns a fresh DNS-SD instance name for one registration,
// "peerline-<short id>-<8 random hex digits>". Every registration gets a
// new one: grandcat/zeroconf's Browse reports an instance name once per
// browse, so a peer that re-registers under its old name (new address,
// new display name, restart after kill -9) would stay invisible to
// browsers that saw it before. The name is plain ASCII so no
// presentation-format escaping is needed.
func instanceName(id identity.PeerID) string {
	var b [4]byte
	rand.Read(b[:])
	return "peerline-" + id.Short() + "-" + hex.EncodeToString(b[:])
}
