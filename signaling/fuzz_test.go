package signaling

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzDecode feeds arbitrary frames to the decoder: it must never panic,
// must fail only with a protocol *Error, and whatever it accepts must
// re-encode to valid JSON that decodes to the same envelope.
func FuzzDecode(f *testing.F) {
	to := peer(f, 2).String()
	seeds := []string{
		`{"v":1,"type":"ping"}`,
		`{"v":1,"type":"ping","id":"a","body":{"t":1}}`,
		`{"v":1,"type":"invite","to":"` + to + `","call":"c1","body":{"media":["audio","video"],"sdp":"v=0\r\n","sig":"AAAA"}}`,
		`{"v":1,"type":"candidate","to":"` + to + `","call":"c1","body":{"candidate":"candidate:1 1 udp 1 1.2.3.4 5 typ host","sdpMid":"0"}}`,
		`{"v":1,"type":"subscribe","body":{"peers":["` + to + `"]}}`,
		`{"v":1,"type":"error","body":{"code":"unavailable","message":"x","ref":"m1"}}`,
		`{"v":2,"type":"ping"}`,
		`{"v":1,"type":"ping","body":null}`,
		`{"v":1,"type":"ping","body":[]}`,
		`{"v":1,"type":"hangup","to":"` + to + `"}`,
		`{"v":1,"type":"hangup","to":"` + to + `","call":"c","from":"x"}`,
		`{"type":"auth"}`,
		`[]`, `null`, `{`, `"x"`, "",
		"{\"v\":1,\"type\":\"ping\",\"id\":\"\xff\"}",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		env, err := Decode(data)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("Decode error %T %v is not a protocol error", err, err)
			}
			return
		}
		out, err := env.Encode()
		if err != nil {
			t.Fatalf("accepted envelope does not encode: %v", err)
		}
		if !json.Valid(out) {
			t.Fatalf("Encode produced invalid JSON %q", out)
		}
		again, err := Decode(out)
		if err != nil {
			t.Fatalf("re-encoded frame %q does not decode: %v", out, err)
		}
		if again.Type != env.Type || again.ID != env.ID || again.From != env.From ||
			again.To != env.To || again.Call != env.Call || !bytes.Equal(bytes.TrimSpace(again.Body), bytes.TrimSpace(env.Body)) {
			t.Fatalf("round trip changed the envelope: %+v vs %+v", env, again)
		}
		// Bodies must decode or fail cleanly for every type.
		for _, v := range []any{&Invite{}, &Accept{}, &Reject{}, &Candidate{}, &Subscribe{}, &Auth{}, &Welcome{}, &Renegotiate{}, &Error{}} {
			if err := env.DecodeBody(v); err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("DecodeBody error %T is not a protocol error", err)
				}
			}
		}
	})
}
