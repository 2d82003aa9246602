package bridge

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/peerline/peerline/app/errcode"
)

func TestPeekID(t *testing.T) {
	cases := []struct {
		name  string
		frame string
		id    uint64
		ok    bool
	}{
		{"id first", `{"id":42,"method":"X.Y","args":["xxxx`, 42, true},
		{"spaces", ` { "id" : 7 ,`, 7, true},
		{"id not first", `{"method":"X.Y","id":42}`, 0, false},
		{"cut inside the id", `{"id":4`, 0, false},
		{"string id", `{"id":"42"}`, 0, false},
		{"negative", `{"id":-1}`, 0, false},
		{"too big", `{"id":9007199254740992}`, 0, false},
		{"not an object", `[{"id":1}]`, 0, false},
		{"garbage", `xyz`, 0, false},
		{"empty", ``, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, ok := peekID([]byte(c.frame))
			if id != c.id || ok != c.ok {
				t.Errorf("peekID(%q) = %d, %v; want %d, %v", c.frame, id, ok, c.id, c.ok)
			}
		})
	}
}

func TestCodeOf(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want Code
	}{
		{"plain", errString("x"), CodeFailed},
		{"coder", codedError{}, "key_changed"},
		{"wrapped coder", wrapped{codedError{}}, "key_changed"},
		{"bad code", badCode("Not Valid"), CodeFailed},
		{"empty code", badCode(""), CodeFailed},
	}
	for _, c := range cases {
		if got := codeOf(c.err); got != c.want {
			t.Errorf("%s: codeOf = %q, want %q", c.name, got, c.want)
		}
	}
}

// TestCodeOfAgreesWithWails: the bridge reads the code of every errcode
// error as the Wails window does (errcode.Format uses errcode.Of), a bare
// Code included.
func TestCodeOfAgreesWithWails(t *testing.T) {
	for _, err := range []error{
		errString("x"),
		errcode.Busy,
		fmt.Errorf("call: %w", errcode.Offline),
		errcode.New(errcode.NoCall, "no such call"),
		errcode.Wrap(errcode.NotFound, errString("no row")),
	} {
		if got, want := codeOf(err), errcode.Of(err); got != want {
			t.Errorf("%v: bridge code %q, Wails code %q", err, got, want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

type badCode string

func (e badCode) Error() string     { return "bad" }
func (e badCode) ErrorCode() string { return string(e) }

type wrapped struct{ err error }

func (w wrapped) Error() string { return "wrapped: " + w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }

// FuzzRequest feeds arbitrary frames to the request decoder: it must never
// panic, must accept only well-formed requests, and what it accepts must
// survive a round trip.
func FuzzRequest(f *testing.F) {
	seeds := []string{
		`{"id":1,"method":"Test.Greet","args":["Ada",3]}`,
		`{"id":0,"method":"A.B"}`,
		`{"id":9007199254740991,"method":"A.B","args":null}`,
		`{"id":9007199254740992,"method":"A.B"}`,
		`{"id":1.0,"method":"A.B"}`,
		`{"id":-0,"method":"A.B"}`,
		`{"id":"1","method":"A.B"}`,
		`{"id":1,"method":"A.B","args":{}}`,
		`{"id":1,"method":"A.B","x":1}`,
		`{"id":1,"method":"A.B"} {}`,
		`{"id":1,"method":"A.B"`,
		`{"ID":1,"METHOD":"A.B"}`,
		`{"id":1,"id":2,"method":"A.B"}`,
		`[]`, `null`, ``, `"str"`, `{}`, "{\"id\":1,\"method\":\"\xff\"}",
		`{"id":1,"method":"A.B","args":[{"a":[[[[[[]]]]]]}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		req, hasID, err := decodeRequest(data)
		peekID(data)
		if err != nil {
			if err.code != CodeBadRequest || err.message == "" {
				t.Fatalf("error %+v: want bad_request with a message", err)
			}
			if !hasID && req.ID != 0 {
				t.Fatalf("no id but req.ID = %d", req.ID)
			}
			// The error response must itself be valid JSON.
			if !json.Valid(encodeError(req.ID, hasID, err)) {
				t.Fatalf("invalid error response for %q", data)
			}
			return
		}
		if !hasID || req.ID > maxID || req.Method == "" {
			t.Fatalf("accepted %q as %+v (hasID %v)", data, req, hasID)
		}
		for _, a := range req.Args {
			if !json.Valid(a) {
				t.Fatalf("accepted invalid argument %q", a)
			}
		}
		// Re-encode and decode again: the same request.
		again, err2 := json.Marshal(map[string]any{"id": req.ID, "method": req.Method, "args": req.Args})
		if err2 != nil {
			t.Fatal(err2)
		}
		req2, _, err := decodeRequest(again)
		if err != nil {
			// Invalid UTF-8 in the method becomes U+FFFD on re-encoding;
			// anything else must decode.
			t.Fatalf("round trip of %q failed: %v", again, err)
		}
		if req2.ID != req.ID || req2.Method != strings.ToValidUTF8(req.Method, "\uFFFD") || len(req2.Args) != len(req.Args) {
			t.Fatalf("round trip %+v != %+v", req2, req)
		}
	})
}
