package load

import (
	"testing"
	"time"
)

func TestPayloadStamp(t *testing.T) {
	for _, pad := range []int{0, 1, 900} {
		body, at := Payload(pad)
		want := Stamp()
		PutStamp(body[at:], want)
		if got, err := StampOf(body); err != nil || got != want {
			t.Fatalf("pad %d: StampOf = %d, %v; want %d", pad, got, err, want)
		}
		if n := len(body); n != len(`{"candidate":"","sdpMid":"0","t":}`)+pad+StampLen {
			t.Fatalf("pad %d: %d bytes", pad, n)
		}
	}
	for _, bad := range []string{`{}`, `{"t":12}`, `{"t":123456789012345678}`, `{"t":12345678901234567x9}`} {
		if _, err := StampOf([]byte(bad)); err == nil {
			t.Errorf("StampOf(%s) took it", bad)
		}
	}
}

func TestKeyringDeterministic(t *testing.T) {
	a, b, other := NewKeyring("x"), NewKeyring("x"), NewKeyring("y")
	if a.ID(7) != b.ID(7) || a.ID(7) == a.ID(8) || a.ID(7) == other.ID(7) {
		t.Fatal("ids are not per prefix and number")
	}
}

func TestStatistics(t *testing.T) {
	d := []time.Duration{5, 1, 4, 2, 3}
	if got := MedianDuration(d); got != 3 || d[0] != 5 {
		t.Fatalf("MedianDuration = %v (input %v)", got, d)
	}
	if got := Percentile(d, 100); got != 5 {
		t.Fatalf("p100 = %v", got)
	}
	if got := Median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Fatalf("Median = %v", got)
	}
}
