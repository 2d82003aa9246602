package bridge

import (
	"testing"
	"time"
)

// TestLimiter pins what Config's two numbers mean to the limiter: Burst at
// once from a full bucket, RatePerSecond refills, never above Burst.
func TestLimiter(t *testing.T) {
	start := time.Unix(1000, 0)
	l := newLimiter(Config{RatePerSecond: 10, Burst: 3})
	steps := []struct {
		name string
		at   time.Duration
		want bool
	}{
		{"burst 1", 0, true},
		{"burst 2", 0, true},
		{"burst 3", 0, true},
		{"empty", 0, false},
		{"half a token", 50 * time.Millisecond, false},
		{"one token after 100ms", 100 * time.Millisecond, true},
		{"empty again", 100 * time.Millisecond, false},
		{"long idle refills only to burst", 10 * time.Second, true},
		{"burst 2 after idle", 10 * time.Second, true},
		{"burst 3 after idle", 10 * time.Second, true},
		{"capped at burst", 10 * time.Second, false},
	}
	for _, s := range steps {
		if got := l.AllowN(start.Add(s.at), 1); got != s.want {
			t.Errorf("%s: allow = %v, want %v", s.name, got, s.want)
		}
	}
}
