package store

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

type wireEnum interface {
	comparable
	fmt.Stringer
	encoding.TextMarshaler
}

// checkEnum tests both directions of one enum value: String and
// MarshalText give the wire string, Parse and JSON decoding give the value
// back.
func checkEnum[E wireEnum](t *testing.T, e E, wire string, parse func(string) (E, error)) {
	t.Helper()
	if got := e.String(); got != wire {
		t.Errorf("String() = %q, want %q", got, wire)
	}
	if got, err := parse(wire); err != nil || got != e {
		t.Errorf("parse(%q) = %v, %v; want %v", wire, got, err, e)
	}
	b, err := json.Marshal(e)
	if err != nil || string(b) != `"`+wire+`"` {
		t.Errorf("json.Marshal = %s, %v", b, err)
	}
	var back E
	if err := json.Unmarshal(b, &back); err != nil || back != e {
		t.Errorf("json.Unmarshal(%s) = %v, %v", b, back, err)
	}
}

// checkBadEnum tests the zero value, an out-of-range value and strings
// that must not parse.
func checkBadEnum[E wireEnum](t *testing.T, unknown, outOfRange E, parse func(string) (E, error), bad ...string) {
	t.Helper()
	if _, err := unknown.MarshalText(); err == nil {
		t.Errorf("MarshalText(%v) succeeded", unknown)
	}
	if s := outOfRange.String(); !strings.Contains(s, "(") {
		t.Errorf("out-of-range String() = %q", s)
	}
	if _, err := outOfRange.MarshalText(); err == nil {
		t.Errorf("MarshalText(%v) succeeded", outOfRange)
	}
	for _, s := range bad {
		if _, err := parse(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("parse(%q) err = %v, want ErrInvalid", s, err)
		}
	}
}
