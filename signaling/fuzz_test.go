package signaling

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
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
		`{"v":1,"type":"invite","to":"` + to + `","call":"c1","body":{"media":["audio"],"sdp":"v=0\r\n","sig":"AAAA","group":{"id":"g","members":["` + to + `"],"join":true,"sig":"AAAA"}}}`,
		`{"v":1,"type":"invite","to":"` + to + `","call":"c1","body":{"media":["audio"],"sdp":"v=0\r\n","sig":"AAAA","group":{"id":"g","join":true,"voucher":{"answer":true,"call":"c0","from":"` + to + `","time":1,"members":["` + to + `"],"sig":"AAAA"},"sig":"AAAA"}}}`,
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
		for _, v := range []any{&Invite{}, &Accept{}, &Reject{}, &Candidate{}, &Subscribe{}, &PresenceList{}, &Auth{}, &Welcome{}, &Renegotiate{}, &Error{}} {
			if err := env.DecodeBody(v); err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("DecodeBody error %T is not a protocol error", err)
				}
			}
		}
	})
}

// FuzzDecodeSubscribe checks SubscribeDecoder's fast path against
// encoding/json: the same lists (nil where DecodeBody leaves nil), or an
// error where DecodeBody has one, with the same code; over
// MaxSubscribeIDs ids the fast path refuses without parsing the rest, so
// DecodeBody need only refuse too.
func FuzzDecodeSubscribe(f *testing.F) {
	a, b := peer(f, 2).String(), peer(f, 3).String()
	many := strings.Repeat(`"`+a+`",`, MaxSubscribeIDs)
	for _, s := range []string{
		`{"peers":["` + a + `","` + b + `"]}`,
		` { "peers" : [ "` + a + `" , "" ] } `,
		`{"peers":[]}`, `{"peers":null}`, `{}`, ``, `null`, `[]`,
		`{"peers":["` + strings.ToLower(a) + `"]}`,
		`{"peers":["nope"]}`,
		`{"peers":["` + a + `"],"x":1}`,
		`{"PEERS":["` + a + `"]}`,
		`{"peers":["\u0041"]}`,
		`{"peers":["` + a + `",]}`,
		`{"peers":["` + a + `"]`,
		`{"add":["` + a + `"],"remove":["` + b + `"]}`,
		`{"remove":[],"add":null}`,
		`{"add":[]}`,
		`{"peers":[],"add":["` + a + `"]}`,
		`{"peers":null,"remove":["` + a + `"]}`,
		`{"add":["` + a + `"],"add":["` + b + `"]}`,
		`{"add":[` + many + `"` + b + `"]}`,
		`{"add":[` + many + `"nope"]}`,
		`{"peers":[` + many[:len(many)-1] + `]}`,
	} {
		f.Add([]byte(s))
	}
	var d SubscribeDecoder
	f.Fuzz(func(t *testing.T, body []byte) {
		env := Envelope{Type: TypeSubscribe, ID: "s", Body: body}
		got, err := d.Decode(env)
		var want Subscribe
		werr := env.DecodeBody(&want)
		if err != nil {
			if werr == nil {
				t.Fatalf("Decode(%q) err = %v, DecodeBody none", body, err)
			}
			if !errors.Is(err, werr) && !errors.Is(err, ErrTooManyPeers) {
				t.Fatalf("Decode(%q) err = %v, DecodeBody err = %v: codes differ", body, err, werr)
			}
			return
		}
		if werr != nil {
			t.Fatalf("Decode(%q) ok, DecodeBody err = %v", body, werr)
		}
		for i, l := range [][2][]PeerID{{got.Peers, want.Peers}, {got.Add, want.Add}, {got.Remove, want.Remove}} {
			if (l[0] == nil) != (l[1] == nil) || len(l[0]) != len(l[1]) {
				t.Fatalf("Decode(%q) list %d = %v, DecodeBody %v", body, i, l[0], l[1])
			}
			for j := range l[0] {
				if l[0][j] != l[1][j] {
					t.Fatalf("Decode(%q) list %d [%d] = %v, DecodeBody %v", body, i, j, l[0][j], l[1][j])
				}
			}
		}
		if got.Incremental() != want.Incremental() {
			t.Fatalf("Decode(%q): incremental %v, DecodeBody %v", body, got.Incremental(), want.Incremental())
		}
	})
}

// FuzzPresenceOf feeds presence and presence_list bodies from a server:
// never a panic, only protocol errors, and what is accepted names at most
// MaxSubscribe real peers.
func FuzzPresenceOf(f *testing.F) {
	a := peer(f, 2).String()
	for _, s := range []string{
		`{"online":["` + a + `"],"offline":[]}`,
		`{"online":null,"offline":["` + a + `"]}`,
		`{"peer":"` + a + `","online":true}`,
		`{"online":[""]}`, `{"online":"x"}`, `{}`, `[]`, ``,
	} {
		f.Add(true, []byte(s))
		f.Add(false, []byte(s))
	}
	f.Fuzz(func(t *testing.T, list bool, body []byte) {
		env := Envelope{Type: TypePresence, Body: body}
		if list {
			env.Type = TypePresenceList
		}
		ps, err := PresenceOf(env)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("PresenceOf error %T %v is not a protocol error", err, err)
			}
			return
		}
		if len(ps) > MaxSubscribe {
			t.Fatalf("%d peers accepted, over %d", len(ps), MaxSubscribe)
		}
		for _, p := range ps {
			if p.Peer.IsZero() {
				t.Fatalf("accepted the zero peer from %q", body)
			}
		}
	})
}
