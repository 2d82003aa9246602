package signaling

import (
	"bytes"
	"encoding/json"
	"testing"
)

func FuzzScanEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"type":"candidate","to":"AAAA","call":"c1","body":{"candidate":"x","sdpMid":"0","t":1e3}}`,
		`{"v":1,"type":"ping","body":{"t":-0.5E+2,"a":[1,true,false,null,{"b":"\u00e9\n"}]}}`,
		`{}`, ` { "v" : 01 } `, `{"v":1,"body":"x"}`, `{"v":1,"body":null}`, `{"V":1}`, `{"v":1,"type":"a\u0062"}`,
		`{"v":1,"body":{"a":1}} x`, `{"v":1,"body":[1,2,]}`, `{"v":1.0}`, `{"v":1,"body":"\x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, ok := scanEnvelope(data)
		var slow wireEnvelope
		err := json.Unmarshal(data, &slow)
		if !ok {
			return
		}
		if err != nil {
			t.Fatalf("fast path accepted what encoding/json rejects (%v): %q", err, data)
		}
		if fast.hasV != (slow.V != nil) || (slow.V != nil && fast.v != *slow.V) ||
			string(fast.typ) != slow.Type || string(fast.id) != slow.ID || string(fast.from) != slow.From ||
			string(fast.to) != slow.To || string(fast.call) != slow.Call || !bytes.Equal(fast.body, slow.Body) {
			t.Fatalf("fast %+v != slow %+v for %q", fast, slow, data)
		}
	})
}
