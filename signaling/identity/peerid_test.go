package identity

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func testKey(t *testing.T, b byte) *KeyPair {
	t.Helper()
	kp, err := FromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func TestPeerIDRoundTrip(t *testing.T) {
	for i := 0; i < 50; i++ {
		kp := testKey(t, byte(i))
		s := kp.ID().String()
		if len(s) != TextLen || strings.Count(s, "-") != 7 {
			t.Fatalf("String() = %q: want %d characters in 8 groups", s, TextLen)
		}
		got, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if got != kp.ID() || !got.Equal(kp.ID()) {
			t.Fatalf("Parse(String()) = %v, want %v", got, kp.ID())
		}
		if kp.ID().Short() != s[:7] {
			t.Fatalf("Short() = %q", kp.ID().Short())
		}
	}
}

func TestParse(t *testing.T) {
	canon := testKey(t, 7).ID().String()
	flipped := []byte(canon)
	// Change one data character: the group's check character must catch it.
	if flipped[0] == 'A' {
		flipped[0] = 'B'
	} else {
		flipped[0] = 'A'
	}
	tests := []struct {
		name    string
		in      string
		wantErr bool
	}{
		{"canonical", canon, false},
		{"lower case", strings.ToLower(canon), false},
		{"no dashes", strings.ReplaceAll(canon, "-", ""), false},
		{"spaces", strings.ReplaceAll(canon, "-", " "), false},
		{"typo digits", strings.NewReplacer("O", "0", "I", "1", "B", "8").Replace(canon), false},
		{"empty", "", true},
		{"short", canon[:40], true},
		{"long", canon + "A", true},
		{"bad character", "!" + canon[1:], true},
		{"bad check", string(flipped), true},
		{"zero id", strings.Repeat("A", 56), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := Parse(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("Parse(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if err != nil {
				if !errors.Is(err, ErrBadPeerID) {
					t.Fatalf("error %v does not wrap ErrBadPeerID", err)
				}
				return
			}
			if id != testKey(t, 7).ID() {
				t.Fatalf("Parse(%q) = %v, want %v", tc.in, id, canon)
			}
		})
	}
}

func TestZeroPeerID(t *testing.T) {
	var id PeerID
	if id.String() != "" || id.Short() != "" || !id.IsZero() {
		t.Fatalf("zero id: String %q Short %q", id.String(), id.Short())
	}
	var back PeerID
	if err := back.UnmarshalText(nil); err != nil || !back.IsZero() {
		t.Fatalf("UnmarshalText(empty) = %v, %v", back, err)
	}
}

func TestTextMarshal(t *testing.T) {
	id := testKey(t, 3).ID()
	b, err := id.MarshalText()
	if err != nil {
		t.Fatal(err)
	}
	var back PeerID
	if err := back.UnmarshalText(b); err != nil || back != id {
		t.Fatalf("UnmarshalText(MarshalText()) = %v, %v", back, err)
	}
	if err := back.UnmarshalText([]byte("nope")); err == nil {
		t.Fatal("UnmarshalText(nope) succeeded")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(testKeyF(1).ID().String())
	f.Add("")
	f.Add(strings.Repeat("A", 56))
	f.Add(strings.ToLower(testKeyF(2).ID().String()))
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		fast, ferr := ParseBytes([]byte(s))
		if fast != id || (err == nil) != (ferr == nil) {
			t.Fatalf("ParseBytes(%q) = %v, %v; Parse = %v, %v", s, fast, ferr, id, err)
		}
		if err != nil {
			return
		}
		again, err := Parse(id.String())
		if err != nil || again != id {
			t.Fatalf("Parse(%q) ok but canonical form %q does not round-trip: %v", s, id.String(), err)
		}
	})
}

func testKeyF(b byte) *KeyPair {
	kp, _ := FromSeed(bytes.Repeat([]byte{b}, 32))
	return kp
}

// ParseBytes reads every canonical id as Parse does, and refuses what
// Parse refuses (a changed check character, the zero id, a non-zero pad).
func TestParseBytesMatchesParse(t *testing.T) {
	for b := byte(1); b < 200; b++ {
		text := testKeyF(b).ID().String()
		for _, s := range []string{text, text[:62] + "A", text[:62] + "B", "A" + text[1:], strings.ToLower(text), text[:7] + " " + text[8:]} {
			id, err := Parse(s)
			fast, ferr := ParseBytes([]byte(s))
			if fast != id || (err == nil) != (ferr == nil) {
				t.Fatalf("ParseBytes(%q) = %v, %v; Parse = %v, %v", s, fast, ferr, id, err)
			}
		}
	}
	if _, ok := parseCanonical([]byte(testKeyF(1).ID().String())); !ok {
		t.Fatal("the canonical form does not take the fast path")
	}
}

func BenchmarkParse(b *testing.B) {
	s := testKeyF(1).ID().String()
	bs := []byte(s)
	b.Run("Parse", func(b *testing.B) {
		for b.Loop() {
			Parse(s)
		}
	})
	b.Run("ParseBytes", func(b *testing.B) {
		for b.Loop() {
			ParseBytes(bs)
		}
	})
}
