package main

import (
	"bufio"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// relayGCPercent is the garbage collector's target with the embedded
// relay on. The relay makes short-lived garbage for every packet (pion's
// addresses and ChannelData frames) on a small live heap, so Go's default
// (100) collects thousands of times a minute under load; 400 cut the
// server's CPU per relayed Mbit/s by about an eighth (docs/performance.md,
// TURN).
const relayGCPercent = 400

// memoryLimitShare is the part of the machine's (or cgroup's) memory the
// heap may use before the collector works harder than GOGC asks: with a
// small heap it never binds; near the machine's memory it collects
// rather than let the larger target run the process out of memory.
const memoryLimitShare = 0.75

// tuneGCForRelay sets relayGCPercent and a memory limit of
// memoryLimitShare of the memory, unless the operator set GOGC or
// GOMEMLIMIT (they then rule) or the memory is unknown (Go's defaults
// then stay: a larger target with no bound is not a safe default).
func tuneGCForRelay(getenv func(string) string, logger *slog.Logger) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	mem := memoryBytes()
	if mem <= 0 {
		return
	}
	limit := int64(float64(mem) * memoryLimitShare)
	debug.SetGCPercent(relayGCPercent)
	debug.SetMemoryLimit(limit)
	logger.Debug("garbage collector tuned for the relay", "gogc", relayGCPercent, "memory_limit_bytes", limit)
}

// memoryBytes is the memory this process may use: the smaller of the
// machine's (/proc/meminfo) and its cgroup's limit (cgroup v2
// memory.max), 0 when neither is known.
func memoryBytes() int64 {
	var mem int64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		mem = memTotal(f)
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if c := cgroupMax(string(b)); c > 0 && (mem == 0 || c < mem) {
			mem = c
		}
	}
	return mem
}

// memTotal reads MemTotal from /proc/meminfo's format ("MemTotal: 8041124
// kB"); 0 when absent.
func memTotal(r io.Reader) int64 {
	s := bufio.NewScanner(r)
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > 0 {
				return kb << 10
			}
		}
	}
	return 0
}

// cgroupMax reads cgroup v2's memory.max: bytes, or "max" for none (0).
func cgroupMax(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}
