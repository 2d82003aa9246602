package signaling

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/peerline/peerline/signaling/identity"
)

func peer(t testing.TB, b byte) identity.PeerID {
	t.Helper()
	kp, err := identity.FromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return kp.ID()
}

func TestEnvelopeRoundTrip(t *testing.T) {
	in := Envelope{V: 1, Type: TypeInvite, ID: "m-1", From: peer(t, 1), To: peer(t, 2), Call: "call:42",
		Body: json.RawMessage(`{"sdp":"v=0\r\n","media":["audio"]}`)}
	b, err := in.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(b) {
		t.Fatalf("Encode produced invalid JSON: %s", b)
	}
	out, err := Decode(b)
	if err != nil {
		t.Fatalf("Decode(%s): %v", b, err)
	}
	if out.Type != in.Type || out.ID != in.ID || out.From != in.From || out.To != in.To ||
		out.Call != in.Call || !bytes.Equal(out.Body, in.Body) || out.V != 1 {
		t.Fatalf("round trip changed the envelope:\n in %+v\nout %+v", in, out)
	}
	// encoding/json goes through the same code.
	var viaJSON Envelope
	if err := json.Unmarshal(b, &viaJSON); err != nil || viaJSON.To != in.To {
		t.Fatalf("json.Unmarshal: %v", err)
	}
}

func TestEncodeOmitsEmptyFields(t *testing.T) {
	b, err := (&Envelope{Type: TypePing}).Encode()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"v":1,"type":"ping"}` {
		t.Fatalf("Encode = %s", b)
	}
}

func TestEncodeRejectsBadEnvelopes(t *testing.T) {
	if _, err := (&Envelope{}).Encode(); !errors.Is(err, ErrUnknownType) {
		t.Fatalf("unknown type: %v", err)
	}
	if _, err := (&Envelope{Type: TypePing, Body: json.RawMessage(`{"a":`)}).Encode(); !errors.Is(err, ErrBadMessage) {
		t.Fatalf("bad body: %v", err)
	}
	// Odd ids are escaped, never break the JSON.
	b, err := (&Envelope{Type: TypePing, ID: "a\"b"}).Encode()
	if err != nil || !json.Valid(b) {
		t.Fatalf("escaped id: %s %v", b, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	to := peer(t, 9).String()
	tests := []struct {
		name string
		in   string
		want *Error
	}{
		{"empty", ``, ErrBadJSON},
		{"not json", `nope`, ErrBadJSON},
		{"number", `5`, ErrBadJSON},
		{"type not string", `{"v":1,"type":5}`, ErrBadJSON},
		{"no version", `{"type":"ping"}`, ErrBadVersion},
		{"version 0", `{"v":0,"type":"ping"}`, ErrBadVersion},
		{"version 2", `{"v":2,"type":"ping"}`, ErrBadVersion},
		{"unknown type", `{"v":1,"type":"pong2"}`, ErrUnknownType},
		{"empty type", `{"v":1}`, ErrUnknownType},
		{"bad to", `{"v":1,"type":"hangup","to":"x","call":"c"}`, ErrBadMessage},
		{"bad from", `{"v":1,"type":"ping","from":"x"}`, ErrBadMessage},
		{"long call", `{"v":1,"type":"hangup","to":"` + to + `","call":"` + strings.Repeat("c", 65) + `"}`, ErrBadMessage},
		{"body string", `{"v":1,"type":"ping","body":"x"}`, ErrBadMessage},
		{"routed no call", `{"v":1,"type":"invite","to":"` + to + `"}`, ErrBadMessage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("Decode(%q) = %v, want %s", tc.in, err, tc.want.Code)
			}
		})
	}
	if env, err := Decode([]byte(`{"v":1,"type":"ping","body":null}`)); err != nil || env.Body != nil {
		t.Fatalf("null body: %v %s", err, env.Body)
	}
}

func TestTypeAndCodeNames(t *testing.T) {
	for ty := TypeChallenge; ty < typeCount; ty++ {
		if ParseType(ty.String()) != ty {
			t.Errorf("type %d: %q does not parse back", ty, ty.String())
		}
	}
	for c := CodeBadJSON; c < codeCount; c++ {
		if ParseCode(c.String()) != c {
			t.Errorf("code %d: %q does not parse back", c, c.String())
		}
	}
	if ParseType("unknown") != TypeUnknown || ParseCode("unknown") != CodeUnknown {
		t.Error("the unknown names must not parse to a real value")
	}
}

func TestBodyValidation(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	sig := bytes.Repeat([]byte{2}, 64)
	tests := []struct {
		name string
		typ  Type
		body string
		v    any
		ok   bool
		code Code // when not ok; default bad_message
	}{
		{"invite ok", TypeInvite, JSONOf(t, Invite{Media: []Media{MediaAudio, MediaVideo}, SDP: "v=0", Key: key, Sig: sig}), &Invite{}, true, 0},
		{"invite no media", TypeInvite, JSONOf(t, Invite{SDP: "v=0", Key: key, Sig: sig}), &Invite{}, false, 0},
		{"invite bad media", TypeInvite, `{"media":["smell"],"sdp":"v=0"}`, &Invite{}, false, 0},
		{"invite twice audio", TypeInvite, `{"media":["audio","audio"],"sdp":"v=0"}`, &Invite{}, false, 0},
		{"invite no sdp", TypeInvite, JSONOf(t, Invite{Media: []Media{MediaAudio}, Key: key, Sig: sig}), &Invite{}, false, 0},
		{"invite short sig", TypeInvite, JSONOf(t, Invite{Media: []Media{MediaAudio}, SDP: "v=0", Key: key, Sig: sig[:8]}), &Invite{}, false, 0},
		{"invite long name", TypeInvite, JSONOf(t, Invite{Media: []Media{MediaAudio}, SDP: "v=0", Key: key, Sig: sig, Name: strings.Repeat("n", 200)}), &Invite{}, false, 0},
		{"reject ok", TypeReject, `{"reason":"busy"}`, &Reject{}, true, 0},
		{"reject bad reason", TypeReject, `{"reason":"bored"}`, &Reject{}, false, 0},
		{"reject no reason", TypeReject, `{}`, &Reject{}, false, 0},
		{"reject with a hangup reason", TypeReject, `{"reason":"connection_failed"}`, &Reject{}, false, 0},
		{"reject do not disturb", TypeReject, `{"reason":"unavailable","detail":"do_not_disturb"}`, &Reject{}, true, 0},
		{"reject with a newer detail", TypeReject, `{"reason":"unavailable","detail":"on_the_moon"}`, &Reject{}, true, 0},
		{"hangup plain", TypeHangup, `{}`, &Hangup{}, true, 0},
		{"hangup connection failed", TypeHangup, `{"reason":"connection_failed"}`, &Hangup{}, true, 0},
		{"hangup with a reject reason", TypeHangup, `{"reason":"busy"}`, &Hangup{}, false, 0},
		{"hangup call full", TypeHangup, `{"detail":"call_full"}`, &Hangup{}, true, 0},
		{"hangup with a newer detail", TypeHangup, `{"detail":"on_the_moon"}`, &Hangup{}, true, 0},
		{"candidate ok", TypeCandidate, `{"candidate":"candidate:1 1 udp 1 127.0.0.1 9 typ host","sdpMid":"0"}`, &Candidate{}, true, 0},
		{"candidate empty", TypeCandidate, `{"candidate":"","sdpMid":"0"}`, &Candidate{}, false, 0},
		{"candidate no mid", TypeCandidate, `{"candidate":"candidate:1"}`, &Candidate{}, false, 0},
		{"renegotiate ok", TypeRenegotiate, JSONOf(t, Renegotiate{Kind: KindAnswer, SDP: "v=0", Sig: sig}), &Renegotiate{}, true, 0},
		{"renegotiate bad kind", TypeRenegotiate, `{"kind":"pranswer","sdp":"v=0"}`, &Renegotiate{}, false, 0},
		{"subscribe too many", TypeSubscribe, `{"peers":[` + strings.Repeat(`"`+peer(t, 3).String()+`",`, MaxSubscribe) + `"` + peer(t, 3).String() + `"]}`, &Subscribe{}, false, CodeTooManyPeers},
		{"wrong json type", TypePing, `{"t":"soon"}`, &Ping{}, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := Envelope{Type: tc.typ, ID: "r1", Body: json.RawMessage(tc.body)}
			err := env.DecodeBody(tc.v)
			if (err == nil) != tc.ok {
				t.Fatalf("DecodeBody(%s) = %v, want ok=%v", tc.body, err, tc.ok)
			}
			if err != nil {
				var se *Error
				want := tc.code
				if want == CodeUnknown {
					want = CodeBadMessage
				}
				if !errors.As(err, &se) || se.Code != want || se.Ref != "r1" {
					t.Fatalf("error %#v: want %s with ref r1", err, want)
				}
			}
		})
	}
}

// A reject's detail is optional and forward compatible: one this build
// does not know reads as none, and none is not sent.
func TestRejectDetail(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Reject
	}{
		{"absent", `{"reason":"busy"}`, Reject{Reason: ReasonBusy}},
		{"do not disturb", `{"reason":"unavailable","detail":"do_not_disturb"}`, Reject{Reason: ReasonUnavailable, Detail: DetailDoNotDisturb}},
		{"unknown", `{"reason":"unavailable","detail":"on_the_moon"}`, Reject{Reason: ReasonUnavailable}},
		{"the zero name", `{"reason":"unavailable","detail":"none"}`, Reject{Reason: ReasonUnavailable}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got Reject
			if err := (Envelope{Type: TypeReject, Body: json.RawMessage(tc.body)}).DecodeBody(&got); err != nil {
				t.Fatalf("DecodeBody(%s): %v", tc.body, err)
			}
			if got != tc.want {
				t.Fatalf("DecodeBody(%s) = %+v, want %+v", tc.body, got, tc.want)
			}
		})
	}
	if got := JSONOf(t, Reject{Reason: ReasonDeclined}); got != `{"reason":"declined"}` {
		t.Errorf("a reject without detail encodes as %s", got)
	}
	if got := JSONOf(t, Reject{Reason: ReasonUnavailable, Detail: DetailDoNotDisturb}); got != `{"reason":"unavailable","detail":"do_not_disturb"}` {
		t.Errorf("a do-not-disturb reject encodes as %s", got)
	}
}

func JSONOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func BenchmarkDecodeEncode1KB(b *testing.B) {
	env := Envelope{Type: TypeCandidate, To: peer(b, 2), Call: "c1",
		Body: json.RawMessage(`{"candidate":"` + strings.Repeat("x", 900) + `","sdpMid":"0"}`)}
	frame, _ := env.Encode()
	from := peer(b, 1)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		e, err := Decode(frame)
		if err != nil {
			b.Fatal(err)
		}
		e.From = from
		if _, err := e.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}
