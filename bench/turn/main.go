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
			fmt.Printf("  run %d %-9s %s\n", r+1, t.name(), res)
			results[t.name()] = append(results[t.name()], res)
		}
	}
	fmt.Printf("load average after: %s\n", loadAverage())

	for _, t := range targets {
		rs := results[t.name()]
		fmt.Printf("%-9s median: relayed %.1f Mbit/s, loss %.2f%%, server %.3f cores, %.2f CPU ms/s per relayed Mbit/s\n",
			t.name(), median(rs, func(r result) float64 { return r.mbps }), median(rs, func(r result) float64 { return r.loss * 100 }),
			median(rs, func(r result) float64 { return r.cores }), median(rs, func(r result) float64 { return r.cpuPerMbps() }))
	}
	if e, ok := results["embedded"]; ok {
		if t, ok := results["coturn"]; ok {
			var ratios []float64
			for i := range e {
				ratios = append(ratios, e[i].cpuPerMbps()/t[i].cpuPerMbps())
			}
			slices.Sort(ratios)
			fmt.Printf("embedded ÷ coturn, CPU per relayed Mbit/s: median %.2fx (runs: %s; goal ≤ 1.5x)\n", ratios[len(ratios)/2], joinFloats(ratios))
			var tr []float64
			for i := range e {
				tr = append(tr, e[i].mbps/t[i].mbps)
			}
			slices.Sort(tr)
			fmt.Printf("embedded ÷ coturn, relayed throughput: median %.2fx (runs: %s)\n", tr[len(tr)/2], joinFloats(tr))
		}
	}
	return nil
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
