package invite

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
)

type vectors struct {
	Valid []struct {
		Name, In, ID, Server, NameField, Canonical string
	}
	Invalid []struct {
		Name, In, Err string
	}
}

func loadVectors(t testing.TB) vectors {
	t.Helper()
	b, err := os.ReadFile("testdata/invite-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Valid) < 5 || len(v.Invalid) < 10 {
		t.Fatalf("too few vectors: %d valid, %d invalid", len(v.Valid), len(v.Invalid))
	}
	return v
}

func TestParseVectors(t *testing.T) {
	v := loadVectors(t)
	for _, c := range v.Valid {
		t.Run(c.Name, func(t *testing.T) {
			l, err := Parse(c.In)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.In, err)
			}
			if l.ID.String() != c.ID || l.Server != c.Server || l.Name != c.NameField {
				t.Errorf("Parse(%q) = %s, %q, %q; want %s, %q, %q", c.In, l.ID, l.Server, l.Name, c.ID, c.Server, c.NameField)
			}
			if got := l.String(); got != c.Canonical {
				t.Errorf("String() = %q, want %q", got, c.Canonical)
			}
			again, err := Parse(l.String())
			if err != nil || again != l {
				t.Errorf("the canonical text does not parse to the same link: %+v, %v", again, err)
			}
		})
	}
	for _, c := range v.Invalid {
		t.Run(c.Name, func(t *testing.T) {
			l, err := Parse(c.In)
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Parse(%q) = %+v, %v; want an *Error", c.In, l, err)
			}
			if string(e.Reason) != c.Err {
				t.Errorf("Parse(%q): reason %q (%v), want %q", c.In, e.Reason, err, c.Err)
			}
		})
	}
}

func TestIsLink(t *testing.T) {
	for in, want := range map[string]bool{
		"peerline://add?id=x": true, " PeerLine:x": true, "peerline:": true,
		"ABCDEFG-HIJKLMN": false, "https://peerline.example": false, "": false,
	} {
		if got := IsLink(in); got != want {
			t.Errorf("IsLink(%q) = %v, want %v", in, got, want)
		}
	}
}

// FuzzParse: whatever a link holds, Parse answers a Link or an *Error,
// and a Link's canonical text parses back to the same Link.
func FuzzParse(f *testing.F) {
	for _, c := range loadVectors(f).Valid {
		f.Add(c.In)
	}
	f.Add("peerline://add?id=%00&server=%ff")
	f.Fuzz(func(t *testing.T, s string) {
		l, err := Parse(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q): %v is not an *Error", s, err)
			}
			return
		}
		text := l.String()
		if len(text) > MaxLen*3 {
			t.Fatalf("canonical text of %q is %d bytes", s, len(text))
		}
		again, err := Parse(text)
		if err != nil || again != l {
			t.Fatalf("Parse(%q) = %+v; its text %q parses to %+v, %v", s, l, text, again, err)
		}
	})
}
