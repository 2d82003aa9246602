//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/peerline/peerline/bench/child"
)

type config struct {
	pairs    int
	rate     float64 // Mbit/s per direction per pair; 0 = as fast as possible
	size     int
	duration time.Duration
	runs     int
	servers  []string
	signal   string
	signalB  string // a second build, measured as "embedded-b" in the same runs
	coturn   string
}

func main() {
	var c config
	var servers string
	flag.IntVar(&c.pairs, "pairs", 20, "TURN clients, each with its own allocation and echoing peer")
	flag.Float64Var(&c.rate, "rate", 2, "Mbit/s each client sends (its peer echoes as much back); 0 sends as fast as it can")
	flag.IntVar(&c.size, "size", 1200, "UDP payload bytes (an RTP video packet)")
	flag.DurationVar(&c.duration, "duration", 10*time.Second, "measured window per server and run (after a 2 s warm-up)")
	flag.IntVar(&c.runs, "runs", 3, "runs; the servers' order alternates between runs")
	flag.StringVar(&servers, "servers", "embedded,coturn", "comma-separated: embedded (peerline-signal --turn-listen), coturn")
	flag.StringVar(&c.signal, "signal", "", "peerline-signal binary (default: go build ./signaling/cmd/peerline-signal)")
	flag.StringVar(&c.signalB, "signal-b", "", "more peerline-signal binaries, comma-separated, measured as embedded-b, embedded-c, … in the same runs (A/B of builds)")
	flag.StringVar(&c.coturn, "coturn", "", "coturn's turnserver binary (default: /usr/bin/turnserver or /usr/sbin/turnserver)")
	flag.Parse()
	c.servers = strings.Split(servers, ",")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "bench/turn:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config) error {
	if c.pairs < 1 || c.size < 64 || c.size > 1400 || c.rate < 0 || c.runs < 1 {
		return fmt.Errorf("need -pairs ≥ 1, 64 ≤ -size ≤ 1400, -rate ≥ 0, -runs ≥ 1")
	}
	tmp, err := os.MkdirTemp("", "bench-turn-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if _, err := child.RaiseFileLimit(uint64(4*c.pairs + 64)); err != nil {
		return err
	}

	var targets []target
	for _, name := range c.servers {
		switch name {
		case "embedded":
			bin := c.signal
			if bin == "" {
				bin = filepath.Join(tmp, "peerline-signal")
				if err := goBuild(ctx, bin); err != nil {
					return err
				}
			}
			targets = append(targets, embedded{bin: bin})
			if c.signalB != "" {
				for i, bin := range strings.Split(c.signalB, ",") {
					targets = append(targets, embedded{label: "embedded-" + string(rune('b'+i)), bin: bin})
				}
			}
		case "coturn":
			bin, err := findCoturn(c.coturn)
			if err != nil {
				return err
			}
			targets = append(targets, coturn{bin: bin, dir: tmp})
		default:
			return fmt.Errorf("unknown server %q (embedded, coturn)", name)
		}
	}

	rateText := fmt.Sprintf("%.1f Mbit/s each way per pair", c.rate)
	if c.rate == 0 {
		rateText = "as fast as the clients send"
	}
	fmt.Printf("turn relay: %d pairs, %d-byte packets, %s, %s measured per server and run, %d runs; load average %s\n",
		c.pairs, c.size, rateText, c.duration, c.runs, loadAverage())

	results := map[string][]result{}
	for r := 0; r < c.runs; r++ {
		order := slices.Clone(targets)
		if r%2 == 1 {
			slices.Reverse(order)
		}
		for _, t := range order {
			res, err := measure(ctx, c, t)
			if err != nil {
				return fmt.Errorf("run %d, %s: %w", r+1, t.name(), err)
			}
			fmt.Printf("  run %d %-10s %s\n", r+1, t.name(), res)
			results[t.name()] = append(results[t.name()], res)
		}
	}
	fmt.Printf("load average after: %s\n", loadAverage())

	for _, t := range targets {
		rs := results[t.name()]
		fmt.Printf("%-10s median: relayed %.1f Mbit/s, loss %.2f%%, server %.3f cores, %.2f CPU ms/s per relayed Mbit/s, round trip p50 %.0f µs p99 %.0f µs\n",
			t.name(), median(rs, func(r result) float64 { return r.mbps }), median(rs, func(r result) float64 { return r.loss * 100 }),
			median(rs, func(r result) float64 { return r.cores }), median(rs, func(r result) float64 { return r.cpuPerMbps() }),
			median(rs, func(r result) float64 { return r.rttP50 }), median(rs, func(r result) float64 { return r.rttP99 }))
	}
	var pairs [][2]string
	for _, t := range targets {
		if t.name() != "embedded" && t.name() != "coturn" {
			pairs = append(pairs, [2]string{t.name(), "embedded"})
		}
	}
	for _, t := range targets {
		if t.name() != "coturn" {
			pairs = append(pairs, [2]string{t.name(), "coturn"})
		}
	}
	for _, pair := range pairs {
		a, b := results[pair[0]], results[pair[1]]
		if len(a) == 0 || len(b) == 0 {
			continue
		}
		goal := ""
		if pair[1] == "coturn" {
			goal = "; goal ≤ 1.5x"
		}
		fmt.Printf("%s ÷ %s, CPU per relayed Mbit/s: %s%s\n", pair[0], pair[1], ratios(a, b, result.cpuPerMbps), goal)
		fmt.Printf("%s ÷ %s, relayed throughput: %s\n", pair[0], pair[1], ratios(a, b, func(r result) float64 { return r.mbps }))
		fmt.Printf("%s ÷ %s, round trip p50: %s\n", pair[0], pair[1], ratios(a, b, func(r result) float64 { return r.rttP50 }))
	}
	return nil
}

// ratios is the median of the per-run ratios a[i]/b[i] and the runs'.
func ratios(a, b []result, f func(result) float64) string {
	var v []float64
	for i := range a {
		v = append(v, f(a[i])/f(b[i]))
	}
	slices.Sort(v)
	return fmt.Sprintf("median %.2fx (runs: %s)", v[len(v)/2], joinFloats(v))
}

func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func joinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, " ")
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
