package main

import (
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"testing"
)

func TestMemTotal(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"MemTotal:        8041124 kB\nMemFree:  1 kB\n", 8041124 << 10},
		{"MemFree:  1 kB\n", 0},
		{"MemTotal: lots kB\n", 0},
		{"MemTotal: 12 MB\n", 0},
	} {
		if got := memTotal(strings.NewReader(tc.in)); got != tc.want {
			t.Errorf("memTotal(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestCgroupMax(t *testing.T) {
	for in, want := range map[string]int64{"max\n": 0, "1073741824\n": 1 << 30, "": 0, "-1": 0} {
		if got := cgroupMax(in); got != want {
			t.Errorf("cgroupMax(%q) = %d, want %d", in, got, want)
		}
	}
}

// The operator's GOGC or GOMEMLIMIT rules; without them the relay's
// settings apply, bounded by the machine's memory.
func TestTuneGCForRelay(t *testing.T) {
	prevGC := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(prevGC)
		debug.SetMemoryLimit(prevLimit)
	})
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		tuneGCForRelay(func(k string) string {
			if k == env {
				return "200"
			}
			return ""
		}, logger)
		if got := debug.SetGCPercent(100); got != 100 {
			t.Errorf("with %s set, GOGC became %d", env, got)
		}
	}
	mem := memoryBytes()
	if mem <= 0 {
		t.Skip("this machine's memory is unknown")
	}
	tuneGCForRelay(func(string) string { return "" }, logger)
	if got := debug.SetGCPercent(100); got != relayGCPercent {
		t.Errorf("GOGC = %d, want %d", got, relayGCPercent)
	}
	if got, want := debug.SetMemoryLimit(-1), int64(float64(mem)*memoryLimitShare); got != want {
		t.Errorf("memory limit = %d, want %d (%.2f of %d)", got, want, memoryLimitShare, mem)
	}
}
