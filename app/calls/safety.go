package calls

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/peerline/peerline/signaling/identity"
)

// Fingerprint returns the first DTLS fingerprint in an SDP
// ("a=fingerprint:sha-256 AB:CD:…"), normalised to "sha-256 AB:CD:…",
// or "" if there is none.
func Fingerprint(sdp string) string {
	for _, line := range strings.Split(sdp, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "a=fingerprint:"); ok {
			alg, hex, ok := strings.Cut(strings.TrimSpace(v), " ")
			if !ok {
				continue
			}
			return strings.ToLower(alg) + " " + strings.ToUpper(strings.TrimSpace(hex))
		}
	}
	return ""
}

// SafetyCode derives the code both people compare: 12 digits in three
// groups, from both public keys and both DTLS fingerprints, ordered by
// peer id so both ends compute the same string. If the signed SDPs were
// swapped by anyone in the middle, the fingerprints differ and so do the
// codes.
func SafetyCode(a, b identity.PeerID, keyA, keyB []byte, fpA, fpB string) string {
	if bytes.Compare(a[:], b[:]) > 0 {
		a, b, keyA, keyB, fpA, fpB = b, a, keyB, keyA, fpB, fpA
	}
	h := sha256.New()
	h.Write([]byte("peerline/v1/safety"))
	for _, part := range [][]byte{keyA, []byte(fpA), keyB, []byte(fpB)} {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(part)))
		h.Write(n[:])
		h.Write(part)
	}
	sum := h.Sum(nil)
	v := binary.BigEndian.Uint64(sum[:8]) % 1_000_000_000_000
	s := fmt.Sprintf("%012d", v)
	return s[0:4] + " " + s[4:8] + " " + s[8:12]
}
