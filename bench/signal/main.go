//go:build linux

package main

import (
	"github.com/peerline/peerline/bench/child"
	"github.com/peerline/peerline/bench/load"

	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// options are the command-line settings.
type options struct {
	pairs, msgs, size, window int
	idle, runs, starts        int
	servers                   []string
	settle, timeout           time.Duration
	peerlineBin               string
	peerlineFlags             []string
	attack                    bool
	attackOpts                attackOptions
}

// perPair is the number of round trips each pair makes in a measured
// exchange; each is two relayed messages.
func (o options) perPair() int { return max(1, o.msgs/o.pairs/2) }

func main() {
	var o options
	var servers, plFlags string
	flag.IntVar(&o.pairs, "pairs", 50, "client pairs in the throughput test")
	flag.IntVar(&o.msgs, "msgs", 200000, "relayed messages per server per run, over all pairs (plus a tenth as warm-up)")
	flag.IntVar(&o.size, "size", 1024, "bytes per message frame as the client sends it")
	flag.IntVar(&o.window, "window", 32, "messages in flight per pair")
	flag.IntVar(&o.idle, "idle", 2000, "idle authenticated connections in the memory test (0 skips it)")
	flag.IntVar(&o.runs, "runs", 3, "runs; the summary reports medians")
	flag.IntVar(&o.starts, "starts", 5, "server starts per run for the startup median (at least the ones the other tests make)")
	flag.StringVar(&servers, "servers", "peerline,peerjs", "servers to measure, comma-separated: peerline, peerjs")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "wait after the idle clients connect before reading RSS")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up on an exchange that takes longer")
	flag.StringVar(&o.peerlineBin, "peerline-bin", "", "peerline-signal binary to run (default: go build ./signaling/cmd/peerline-signal)")
	flag.StringVar(&plFlags, "peerline-flags", defaultPeerlineFlags,
		"peerline-signal flags after --listen ADDR (space-separated); the defaults lift the limits the load would hit")
	flag.BoolVar(&o.attack, "attack", false, "measure peerline-signal under attack instead (attack.go; the -attack-* flags, -runs, -size, -peerline-bin)")
	flag.IntVar(&o.attackOpts.honestPairs, "attack-pairs", 10, "-attack: honest client pairs")
	flag.Float64Var(&o.attackOpts.honestRate, "attack-honest-rate", 20, "-attack: messages a second each honest client sends")
	flag.IntVar(&o.attackOpts.attackers, "attackers", 20, "-attack: attacking connections per attack (slow readers: senders, each with a receiver)")
	flag.DurationVar(&o.attackOpts.phase, "attack-phase", 10*time.Second, "-attack: how long each phase runs")
	flag.IntVar(&o.attackOpts.idleUnauth, "attack-idle", 10000, "-attack: unauthenticated idle connections")
	var worker, workerAddr string
	flag.StringVar(&worker, "attack-worker", "", "internal: run one attack as -attack's child process")
	flag.StringVar(&workerAddr, "attack-addr", "", "internal: the server the -attack-worker attacks")
	flag.Parse()
	o.attackOpts.runs = o.runs
	if worker != "" {
		if err := attackWorker(context.Background(), worker, workerAddr, o.attackOpts); err != nil {
			fmt.Fprintln(os.Stderr, "bench/signal: attack worker:", err)
			os.Exit(1)
		}
		return
	}
	o.servers = strings.Split(servers, ",")
	o.peerlineFlags = strings.Fields(plFlags)
	if o.pairs < 1 || o.msgs < 1 || o.window < 1 || o.runs < 1 || o.idle < 0 {
		fmt.Fprintln(os.Stderr, "bench/signal: -pairs, -msgs, -window and -runs must be positive")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/signal:", err)
		os.Exit(1)
	}
}

// defaultPeerlineFlags open up peerline-signal's limits as far as the
// load needs, like the PeerJS settings in peerjs/server.js: no per-IP cap
// (every client comes from 127.0.0.1), a rate limit no pair reaches, and
// warnings only, as PeerJS logs nothing per connection.
const defaultPeerlineFlags = "--max-conns-per-ip 0 --rate 1000000 --burst 1000000 --log-level warn"

func run(ctx context.Context, o options) error {
	root, err := child.ModuleRoot()
	if err != nil {
		return err
	}
	if o.attack {
		tmp, err := os.MkdirTemp("", "bench-signal-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		return runAttack(ctx, root, tmp, o, o.attackOpts)
	}
	// Clients and server each hold one descriptor per connection.
	need := uint64(2*max(o.idle, 2*o.pairs) + 256)
	nofile, err := child.RaiseFileLimit(need)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bench-signal-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	keys := load.NewKeyring("peerline-bench-signal")
	var targets []target
	for _, name := range o.servers {
		switch strings.TrimSpace(name) {
		case "peerline":
			targets = append(targets, &peerlineTarget{root: root, bin: o.peerlineBin, tmp: tmp, keys: keys, size: o.size, flags: o.peerlineFlags})
		case "peerjs":
			targets = append(targets, &peerjsTarget{dir: filepath.Join(root, "bench", "signal", "peerjs"), keys: keys, size: o.size})
		default:
			return fmt.Errorf("unknown server %q (want peerline or peerjs)", name)
		}
	}
	for _, t := range targets {
		if err := t.prepare(ctx); err != nil {
			return err
		}
	}
	// Make every identity now, so key generation is not timed.
	for i := range max(o.idle, 2*o.pairs) {
		keys.Key(i)
	}
	keys.Key(readyClient)

	printHeader(o, nofile)
	results := make(map[string][]result)
	for run := 1; run <= o.runs; run++ {
		// Alternate the order, so drift on a shared machine hits both.
		order := append([]target(nil), targets...)
		if run%2 == 0 {
			for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
				order[i], order[j] = order[j], order[i]
			}
		}
		for _, t := range order {
			r, err := measure(ctx, t, o)
			if err != nil {
				return fmt.Errorf("run %d: %s: %w", run, t.name(), err)
			}
			results[t.name()] = append(results[t.name()], r)
			printRun(run, t.name(), r)
		}
	}
	printSummary(o, targets, results)
	return nil
}

func printHeader(o options, nofile uint64) {
	node, _ := exec.Command("node", "--version").Output()
	host, _ := os.Hostname()
	fmt.Printf("bench/signal %s on %s: %s %s/%s, %d CPUs, node %s, open-files limit %d\n",
		time.Now().Format("2006-01-02 15:04"), host, runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), strings.TrimSpace(string(node)), nofile)
	fmt.Printf("load: %d pairs, %d relayed messages of %d B per run, window %d per pair; %d idle connections; %d runs\n\n",
		o.pairs, 2*o.perPair()*o.pairs, o.size, o.window, o.idle, o.runs)
	fmt.Printf("%-4s %-9s %10s %8s %11s %12s %8s %8s %9s %10s\n",
		"run", "server", "relayed", "wall s", "msgs/s", "msgs/CPU-s", "p50 ms", "p99 ms", "KB/idle", "startup ms")
}

func printRun(run int, name string, r result) {
	fmt.Printf("%-4d %-9s %10d %8.2f %11.0f %12.0f %8.2f %8.2f %9.1f %10.1f\n",
		run, name, r.relayed, r.wall.Seconds(), r.msgsPerSec(), r.msgsPerCPU(),
		ms(r.p50), ms(r.p99), r.idleKB, ms(r.startup()))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// summary is the medians of one server's runs.
type summary struct {
	msgsPerSec, msgsPerCPU, p50, p99, idleKB, startup float64
}

func summarize(rs []result) summary {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return load.Median(v)
	}
	return summary{
		msgsPerSec: pick(result.msgsPerSec),
		msgsPerCPU: pick(result.msgsPerCPU),
		p50:        pick(func(r result) float64 { return ms(r.p50) }),
		p99:        pick(func(r result) float64 { return ms(r.p99) }),
		idleKB:     pick(func(r result) float64 { return r.idleKB }),
		startup:    pick(func(r result) float64 { return ms(r.startup()) }),
	}
}

// ratio is the median over runs of a/b, run by run.
func ratio(a, b []result, f func(result) float64) float64 {
	v := make([]float64, 0, len(a))
	for i := range min(len(a), len(b)) {
		if d := f(b[i]); d != 0 {
			v = append(v, f(a[i])/d)
		}
	}
	return load.Median(v)
}

func printSummary(o options, targets []target, results map[string][]result) {
	fmt.Printf("\nmedians over %d runs\n", o.runs)
	fmt.Printf("%-16s %11s %12s %8s %8s %9s %10s\n", "server", "msgs/s", "msgs/CPU-s", "p50 ms", "p99 ms", "KB/idle", "startup ms")
	for _, t := range targets {
		s := summarize(results[t.name()])
		fmt.Printf("%-16s %11.0f %12.0f %8.2f %8.2f %9.1f %10.1f\n",
			t.name(), s.msgsPerSec, s.msgsPerCPU, s.p50, s.p99, s.idleKB, s.startup)
	}
	pl, pj := results["peerline"], results["peerjs"]
	if len(pl) > 0 && len(pj) > 0 {
		idle := func(r result) float64 { return r.idleKB }
		startup := func(r result) float64 { return ms(r.startup()) }
		p50 := func(r result) float64 { return ms(r.p50) }
		p99 := func(r result) float64 { return ms(r.p99) }
		fmt.Printf("%-16s %10.2fx %11.2fx %7.2fx %7.2fx %8.2fx %9.2fx\n", "peerline/peerjs",
			ratio(pl, pj, result.msgsPerSec), ratio(pl, pj, result.msgsPerCPU),
			ratio(pl, pj, p50), ratio(pl, pj, p99), ratio(pl, pj, idle), ratio(pl, pj, startup))
		fmt.Println("(ratios are medians of the per-run ratios)")
	}
	if len(pl) == 0 {
		return
	}
	s := summarize(pl)
	fmt.Println("\ntargets")
	if len(pj) > 0 {
		cpu := ratio(pl, pj, result.msgsPerCPU)
		fmt.Printf("  msgs per server CPU-s >= 2x PeerJS:   %5.2fx            %s\n", cpu, verdict(cpu >= 2))
		if o.idle > 0 {
			js := summarize(pj)
			fmt.Printf("  KB per idle conn <= PeerJS:           %5.1f vs %5.1f KB  %s\n", s.idleKB, js.idleKB, verdict(s.idleKB <= js.idleKB))
		}
	}
	fmt.Printf("  first WebSocket within 20 ms of exec: %5.1f ms          %s\n", s.startup, verdict(s.startup <= 20))
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}
