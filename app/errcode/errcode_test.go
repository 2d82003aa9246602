package errcode

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"testing"
)

func TestOf(t *testing.T) {
	busy := New(Busy, "calls: already in a call")
	cases := []struct {
		name string
		err  error
		want Code
	}{
		{"nil", nil, ""},
		{"plain", errors.New("disk full"), Failed},
		{"coded", busy, Busy},
		{"wrapped", fmt.Errorf("start: %w", busy), Busy},
		{"bare code", NotFound, NotFound},
		{"wrapped bare code", fmt.Errorf("x: %w", Offline), Offline},
		{"outermost wins", Wrap(Offline, Errorf(Failed, "send: %w", fs.ErrClosed)), Offline},
		{"errorf", Errorf(BadInput, "media state %q", "dancing"), BadInput},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Of(c.err); got != c.want {
				t.Errorf("Of(%v) = %q, want %q", c.err, got, c.want)
			}
		})
	}
}

func TestIs(t *testing.T) {
	sentinel := New(WrongState, "calls: not possible in this call state")
	err := fmt.Errorf("accept: %w", sentinel)
	if !errors.Is(err, WrongState) || !errors.Is(err, sentinel) || !errors.Is(err, New(WrongState, "other text")) {
		t.Fatal("errors.Is does not match by code")
	}
	if errors.Is(err, Busy) || errors.Is(err, New(Busy, "")) {
		t.Fatal("errors.Is matched another code")
	}
	cause := Errorf(Failed, "read: %w", fs.ErrNotExist)
	if !errors.Is(cause, fs.ErrNotExist) {
		t.Fatal("Errorf lost its %w cause")
	}
	if !errors.Is(Wrap(Stale, fs.ErrExist), fs.ErrExist) || Wrap(Stale, nil) != nil {
		t.Fatal("Wrap must keep the cause and leave nil alone")
	}
}

// Format is what Wails puts in its callback's "error" member.
func TestFormat(t *testing.T) {
	err := fmt.Errorf("hangup: %w", New(NoCall, "calls: no such call"))
	b, jerr := json.Marshal(map[string]any{"error": Format(err)})
	if jerr != nil {
		t.Fatal(jerr)
	}
	if want := `{"error":{"code":"no_call","message":"hangup: calls: no such call"}}`; string(b) != want {
		t.Fatalf("formatted %s, want %s", b, want)
	}
}

func TestTable(t *testing.T) {
	wire := regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	seen := map[Code]bool{}
	for _, c := range All {
		if !wire.MatchString(string(c)) {
			t.Errorf("code %q is not a lower-case word", c)
		}
		if seen[c] {
			t.Errorf("code %q listed twice", c)
		}
		seen[c] = true
		if !c.Known() {
			t.Errorf("%q not Known", c)
		}
	}
	if Code("nope").Known() {
		t.Error("an unlisted code is Known")
	}
}
