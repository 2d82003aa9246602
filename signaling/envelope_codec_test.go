package signaling

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestCodecMatchesDecodeAndEncode runs one Codec over a stream that hits,
// misses and evicts its memory, with canonical and hand-typed spellings
// and bad ids, and checks every result against the memoryless functions.
func TestCodecMatchesDecodeAndEncode(t *testing.T) {
	a, b, c := peer(t, 1).String(), peer(t, 2).String(), peer(t, 3).String()
	frame := func(from, to string) []byte {
		s := `{"v":1,"type":"candidate","call":"c1","body":{"candidate":"x"}`
		if from != "" {
			s += `,"from":"` + from + `"`
		}
		return []byte(s + `,"to":"` + to + `"}`)
	}
	// b with its last check character changed.
	badCheck := b[:len(b)-1] + "A"
	if b[len(b)-1] == 'A' {
		badCheck = b[:len(b)-1] + "B"
	}
	stream := []struct{ name, from, to string }{
		{"first", "", a},
		{"hit", "", a},
		{"second id", a, b},
		{"both hit", a, b},
		{"third evicts", c, a},
		{"evicted again", "", b},
		{"lower case", "", strings.ToLower(a)},
		{"no dashes", "", strings.ReplaceAll(c, "-", "")},
		{"bad check character", "", badCheck},
		{"after the bad one", "", b},
		{"short", "", a[:20]},
		{"zero id", "", strings.Repeat("A", 56)},
	}
	var codec Codec
	for _, tc := range stream {
		t.Run(tc.name, func(t *testing.T) {
			data := frame(tc.from, tc.to)
			want, wantErr := Decode(data)
			got, gotErr := codec.Decode(data)
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
				t.Fatalf("Codec.Decode = %+v, %v; Decode = %+v, %v", got, gotErr, want, wantErr)
			}
			if wantErr != nil {
				return
			}
			want.From = peer(t, 9)
			wantFrame, err := want.AppendEncode(nil)
			if err != nil {
				t.Fatal(err)
			}
			gotFrame, err := codec.AppendEncode([]byte("x"), &want)
			if err != nil || !bytes.Equal(gotFrame[1:], wantFrame) || gotFrame[0] != 'x' {
				t.Fatalf("Codec.AppendEncode = %q, %v; want x%q", gotFrame, err, wantFrame)
			}
		})
	}
}

func BenchmarkCodecDecodeEncode1KB(b *testing.B) {
	env := Envelope{Type: TypeCandidate, To: peer(b, 2), Call: "c1",
		Body: json.RawMessage(`{"candidate":"` + strings.Repeat("x", 900) + `","sdpMid":"0"}`)}
	frame, _ := env.Encode()
	from := peer(b, 1)
	var codec Codec
	out := make([]byte, 0, 2048)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		e, err := codec.Decode(frame)
		if err != nil {
			b.Fatal(err)
		}
		e.From = from
		if out, err = codec.AppendEncode(out[:0], &e); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzCodec checks that a Codec that remembers two ids decodes and
// encodes every frame exactly as Decode and AppendEncode do.
func FuzzCodec(f *testing.F) {
	a, b := peer(f, 1).String(), peer(f, 2).String()
	for _, s := range []string{
		`{"v":1,"type":"candidate","to":"` + a + `","call":"c","body":{}}`,
		`{"v":1,"type":"candidate","from":"` + b + `","to":"` + a + `","call":"c"}`,
		`{"v":1,"type":"candidate","to":"` + strings.ToLower(b) + `","call":"c"}`,
		`{"v":1,"type":"candidate","to":"` + a[:62] + `X","call":"c"}`,
		`{"v":1,"type":"ping"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var codec Codec
		if _, err := codec.Decode([]byte(`{"v":1,"type":"candidate","from":"` + b + `","to":"` + a + `","call":"c"}`)); err != nil {
			t.Fatal(err)
		}
		want, wantErr := Decode(data)
		got, gotErr := codec.Decode(data)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("Codec.Decode = %+v, %v; Decode = %+v, %v", got, gotErr, want, wantErr)
		}
		if wantErr != nil {
			return
		}
		wantFrame, wantErr := want.AppendEncode(nil)
		gotFrame, gotErr := codec.AppendEncode(nil, &got)
		if !bytes.Equal(gotFrame, wantFrame) || !reflect.DeepEqual(gotErr, wantErr) {
			t.Fatalf("Codec.AppendEncode = %q, %v; AppendEncode = %q, %v", gotFrame, gotErr, wantFrame, wantErr)
		}
	})
}
