package signaling

import "github.com/peerline/peerline/signaling/identity"

// Codec decodes and encodes the frames of one connection exactly like
// Decode and Envelope.AppendEncode, but remembers the last two peer ids it
// met with their canonical text. A stream of messages between the same
// peers then parses and prints each id once: otherwise the base32 and
// check characters of "to" and "from" cost about a tenth of a relay.
//
// The zero value is ready to use. A Codec is not safe for concurrent use.
type Codec struct {
	peers [2]peerMemo
	next  uint8 // the entry to replace on a miss
}

// peerMemo is one remembered peer id and its canonical text.
type peerMemo struct {
	id   identity.PeerID // zero: empty entry
	text [identity.TextLen]byte
}

// Decode is Decode.
func (c *Codec) Decode(data []byte) (Envelope, error) { return decode(data, c) }

// AppendEncode is e.AppendEncode(dst).
func (c *Codec) AppendEncode(dst []byte, e *Envelope) ([]byte, error) {
	return e.appendEncode(dst, c)
}

// parsePeer is identity.Parse for a peer id field. Only the canonical text
// of a remembered id hits (it parses to that id and nothing else); any
// other spelling takes identity.Parse. A nil Codec remembers nothing.
func (c *Codec) parsePeer(b []byte) (identity.PeerID, error) {
	if c != nil {
		for i := range c.peers {
			if m := &c.peers[i]; !m.id.IsZero() && string(b) == string(m.text[:]) {
				return m.id, nil
			}
		}
	}
	id, err := identity.Parse(string(b))
	if err == nil && c != nil {
		c.remember(id)
	}
	return id, err
}

// appendPeer appends id's canonical text (id is not zero).
func (c *Codec) appendPeer(dst []byte, id identity.PeerID) []byte {
	if c == nil {
		return id.AppendText(dst)
	}
	for i := range c.peers {
		if m := &c.peers[i]; m.id == id {
			return append(dst, m.text[:]...)
		}
	}
	return append(dst, c.remember(id).text[:]...)
}

func (c *Codec) remember(id identity.PeerID) *peerMemo {
	m := &c.peers[c.next]
	c.next = (c.next + 1) % uint8(len(c.peers))
	m.id = id
	id.AppendText(m.text[:0])
	return m
}
