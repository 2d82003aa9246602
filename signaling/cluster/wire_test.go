package cluster

import (
	"bytes"
	"errors"
	"testing"

	"github.com/peerline/peerline/signaling/identity"
)

func testPeer(b byte) identity.PeerID {
	var p identity.PeerID
	for i := range p {
		p[i] = b + byte(i)
	}
	return p
}

func TestWireRoundTrip(t *testing.T) {
	h := header{kind: kindDelta, node: "node-1_A", incarnation: 1<<63 - 5}
	b := appendHeader(nil, h)
	entries := []entry{{peer: testPeer(1), online: true, stamp: 1_700_000_000_000_000_000}, {peer: testPeer(2)}}
	for _, e := range entries {
		b = appendEntry(b, e)
	}
	got, rest, err := parseHeader(b)
	if err != nil || got != h {
		t.Fatalf("header %+v %v, want %+v", got, err, h)
	}
	for _, want := range entries {
		var e entry
		if e, rest, err = nextEntry(rest); err != nil || e != want {
			t.Fatalf("entry %+v %v, want %+v", e, err, want)
		}
	}
	if len(rest) != 0 {
		t.Fatalf("%d bytes left", len(rest))
	}

	f := appendHeader(nil, header{kind: kindFrames, node: "n", incarnation: 0})
	frames := [][]byte{[]byte(`{"v":1}`), {}, bytes.Repeat([]byte("x"), 300)}
	for i, fr := range frames {
		f = appendFrame(f, testPeer(byte(i)), fr)
	}
	_, rest, err = parseHeader(f)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range frames {
		var to identity.PeerID
		var fr []byte
		if to, fr, rest, err = nextFrame(rest); err != nil || to != testPeer(byte(i)) || !bytes.Equal(fr, want) {
			t.Fatalf("frame %d: %v", i, err)
		}
	}

	bt := beat{count: 12345, hash: 0xdeadbeefcafe}
	if got, err := parseBeat(appendBeat(nil, bt)); err != nil || got != bt {
		t.Fatalf("beat %+v %v", got, err)
	}
	if w, err := parseWant(appendWant(nil, "eu-2")); err != nil || w != "eu-2" {
		t.Fatalf("want %q %v", w, err)
	}
	gen, last, rest, err := parseSnapshotHead(appendSnapshotHead(nil, 99, true))
	if err != nil || gen != 99 || !last || len(rest) != 0 {
		t.Fatalf("snapshot head %d %v %v", gen, last, err)
	}
}

func TestWireRejects(t *testing.T) {
	good := appendHeader(nil, header{kind: kindBeat, node: "n1", incarnation: 7})
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"version", append([]byte{2}, good[1:]...)},
		{"kind zero", append([]byte{1, 0}, good[2:]...)},
		{"kind past the end", append([]byte{1, byte(len(kindNames))}, good[2:]...)},
		{"node id empty", []byte{1, byte(kindBeat), 0, 7}},
		{"node id too long for the message", []byte{1, byte(kindBeat), 9, 'a'}},
		{"node id with a dot", []byte{1, byte(kindBeat), 3, 'a', '.', 'b', 7}},
		{"no incarnation", good[:len(good)-1]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := parseHeader(tc.b); !errors.Is(err, errWire) {
				t.Fatalf("err %v, want errWire", err)
			}
		})
	}
	if _, _, _, err := nextFrame(func() []byte { p := testPeer(1); return append(p[:], 10, 'x') }()); !errors.Is(err, errWire) {
		t.Fatalf("frame longer than the message: %v", err)
	}
	if _, _, err := nextEntry([]byte{2}); !errors.Is(err, errWire) {
		t.Fatalf("bad entry op: %v", err)
	}
}

func TestValidNodeID(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"n1", true}, {"eu-west_2", true}, {string(bytes.Repeat([]byte("a"), 64)), true},
		{"", false}, {string(bytes.Repeat([]byte("a"), 65)), false}, {"a.b", false}, {"a*", false}, {"a>", false}, {"a b", false},
	} {
		if got := validNodeID(tc.id); got != tc.want {
			t.Errorf("validNodeID(%q) = %v", tc.id, got)
		}
	}
	if id := DefaultNodeID(); !validNodeID(id) {
		t.Fatalf("DefaultNodeID %q is not valid", id)
	}
}

// FuzzWire feeds arbitrary messages to the parsers of what nodes send
// each other: none may panic or read past its input, and a header parsed
// survives encoding.
func FuzzWire(f *testing.F) {
	f.Add(appendFrame(appendHeader(nil, header{kind: kindFrames, node: "n1", incarnation: 3}), testPeer(1), []byte(`{"v":1}`)))
	f.Add(appendEntry(appendHeader(nil, header{kind: kindDelta, node: "n2", incarnation: 4}), entry{peer: testPeer(2), online: true, stamp: 5}))
	f.Add(appendEntry(appendSnapshotHead(appendHeader(nil, header{kind: kindSnapshot, node: "n3"}), 1, true), entry{peer: testPeer(3)}))
	f.Add(appendBeat(appendHeader(nil, header{kind: kindBeat, node: "n4"}), beat{1, 2}))
	f.Add(appendWant(appendHeader(nil, header{kind: kindWant, node: "n5"}), "n1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, rest, err := parseHeader(b)
		if err != nil {
			return
		}
		// Uvarints need not be minimal, so compare values, not bytes.
		if h2, rest2, err := parseHeader(appendHeader(nil, h)); err != nil || h2 != h || len(rest2) != 0 {
			t.Fatalf("header %+v does not survive encoding: %+v %v", h, h2, err)
		}
		switch h.kind {
		case kindFrames:
			for len(rest) > 0 {
				if _, _, rest, err = nextFrame(rest); err != nil {
					return
				}
			}
		case kindSnapshot:
			if _, _, rest, err = parseSnapshotHead(rest); err != nil {
				return
			}
			fallthrough
		case kindDelta:
			for len(rest) > 0 {
				if _, rest, err = nextEntry(rest); err != nil {
					return
				}
			}
		case kindBeat:
			parseBeat(rest)
		case kindWant:
			parseWant(rest)
		}
	})
}
