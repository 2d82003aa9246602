package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/peerline/peerline/signaling/identity"
)

// wireVersion is the first byte of every message between nodes.
const wireVersion = 1

// kind is the second byte: what a message between nodes carries.
type kind byte

// The kinds (see doc.go).
const (
	kindUnknown  kind = iota
	kindFrames        // node subject: frames for peers connected on the receiver
	kindHello         // presence: a node (re)joined; everyone sends a snapshot
	kindSnapshot      // presence: one chunk of a node's full list of peers
	kindDelta         // presence: peers that came or went on a node
	kindBeat          // presence: a node is alive; its count and set hash
	kindBye           // presence: a node leaves; its peers are gone
	kindWant          // presence: asks one node for a snapshot
)

var kindNames = [...]string{"unknown", "frames", "hello", "snapshot", "delta", "beat", "bye", "want"}

// String returns the kind's name, as the metrics label it.
func (k kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return kindNames[0]
}

// maxNodeID bounds a node id (one NATS subject token).
const maxNodeID = 64

// errWire is the sentinel of every malformed message between nodes.
var errWire = errors.New("cluster: malformed message")

// header is what every message between nodes starts with.
type header struct {
	kind        kind
	node        string // the sender
	incarnation uint64 // random per process start of the sender
}

func appendHeader(b []byte, h header) []byte {
	b = append(b, wireVersion, byte(h.kind), byte(len(h.node)))
	b = append(b, h.node...)
	return binary.AppendUvarint(b, h.incarnation)
}

// parseHeader reads a header and returns the rest.
func parseHeader(b []byte) (header, []byte, error) {
	var h header
	if len(b) < 3 || b[0] != wireVersion {
		return h, nil, fmt.Errorf("%w: version", errWire)
	}
	h.kind = kind(b[1])
	if h.kind == kindUnknown || int(h.kind) >= len(kindNames) {
		return h, nil, fmt.Errorf("%w: kind %d", errWire, b[1])
	}
	n := int(b[2])
	b = b[3:]
	if n == 0 || n > maxNodeID || len(b) < n || !validNodeID(string(b[:n])) {
		return h, nil, fmt.Errorf("%w: node id", errWire)
	}
	h.node = string(b[:n])
	b = b[n:]
	inc, k := binary.Uvarint(b)
	if k <= 0 {
		return h, nil, fmt.Errorf("%w: incarnation", errWire)
	}
	h.incarnation = inc
	return h, b[k:], nil
}

// validNodeID reports whether s can be a node id: 1 to 64 of
// [A-Za-z0-9_-], so it is one NATS subject token.
func validNodeID(s string) bool {
	if len(s) == 0 || len(s) > maxNodeID {
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

// appendFrame adds one record to a kindFrames message: the addressee's
// raw id, the frame's length and the frame.
func appendFrame(b []byte, to identity.PeerID, frame []byte) []byte {
	b = append(b, to[:]...)
	b = binary.AppendUvarint(b, uint64(len(frame)))
	return append(b, frame...)
}

// nextFrame reads one record of a kindFrames message; frame aliases b.
func nextFrame(b []byte) (to identity.PeerID, frame, rest []byte, err error) {
	if len(b) < len(to) {
		return to, nil, nil, fmt.Errorf("%w: short record", errWire)
	}
	copy(to[:], b)
	b = b[len(to):]
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return to, nil, nil, fmt.Errorf("%w: frame length", errWire)
	}
	b = b[k:]
	return to, b[:n], b[n:], nil
}

// entry is one peer in a snapshot or delta: online with the stamp of its
// connection (which orders two connections of one peer: the larger
// stamp, then the larger node id, is the newer), or offline.
type entry struct {
	peer   identity.PeerID
	online bool
	stamp  int64
}

// entryMax is the most one entry takes on the wire.
const entryMax = 1 + 32 + binary.MaxVarintLen64

func appendEntry(b []byte, e entry) []byte {
	if !e.online {
		b = append(b, 0)
		return append(b, e.peer[:]...)
	}
	b = append(b, 1)
	b = append(b, e.peer[:]...)
	return binary.AppendUvarint(b, uint64(e.stamp))
}

func nextEntry(b []byte) (entry, []byte, error) {
	var e entry
	if len(b) < 1+len(e.peer) || b[0] > 1 {
		return e, nil, fmt.Errorf("%w: entry", errWire)
	}
	e.online = b[0] == 1
	copy(e.peer[:], b[1:])
	b = b[1+len(e.peer):]
	if !e.online {
		return e, b, nil
	}
	s, k := binary.Uvarint(b)
	if k <= 0 || s > 1<<62 {
		return e, nil, fmt.Errorf("%w: stamp", errWire)
	}
	e.stamp = int64(s)
	return e, b[k:], nil
}

// snapshotHead precedes a snapshot chunk's entries: the snapshot's
// generation and whether this chunk is its last.
func appendSnapshotHead(b []byte, gen uint64, last bool) []byte {
	b = binary.AppendUvarint(b, gen)
	if last {
		return append(b, 1)
	}
	return append(b, 0)
}

func parseSnapshotHead(b []byte) (gen uint64, last bool, rest []byte, err error) {
	gen, k := binary.Uvarint(b)
	if k <= 0 || len(b) < k+1 || b[k] > 1 {
		return 0, false, nil, fmt.Errorf("%w: snapshot head", errWire)
	}
	return gen, b[k] == 1, b[k+1:], nil
}

// beat is a heartbeat's body: how many peers the node holds and the XOR
// of their hashes (setHash), so a receiver whose view differs asks for a
// snapshot.
type beat struct {
	count uint64
	hash  uint64
}

func appendBeat(b []byte, bt beat) []byte {
	b = binary.AppendUvarint(b, bt.count)
	return binary.LittleEndian.AppendUint64(b, bt.hash)
}

func parseBeat(b []byte) (beat, error) {
	var bt beat
	n, k := binary.Uvarint(b)
	if k <= 0 || len(b[k:]) != 8 {
		return bt, fmt.Errorf("%w: beat", errWire)
	}
	bt.count = n
	bt.hash = binary.LittleEndian.Uint64(b[k:])
	return bt, nil
}

// setHash is a peer's share of a set hash: the XOR of the shares of a
// node's peers changes with every peer that comes or goes.
func setHash(p identity.PeerID) uint64 { return binary.LittleEndian.Uint64(p[:8]) }

// parseWant reads the body of kindWant: the node asked.
func parseWant(b []byte) (string, error) {
	if len(b) < 1 || int(b[0]) != len(b)-1 || !validNodeID(string(b[1:])) {
		return "", fmt.Errorf("%w: want", errWire)
	}
	return string(b[1:]), nil
}

func appendWant(b []byte, node string) []byte {
	b = append(b, byte(len(node)))
	return append(b, node...)
}
