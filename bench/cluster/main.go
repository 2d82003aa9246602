//go:build linux

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/peerline/peerline/bench/child"
	"github.com/peerline/peerline/bench/load"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

type options struct {
	pairs, msgs, size, window int
	idle, watchers, flappers  int
	cycles, runs              int
	settle, timeout           time.Duration
	signalBin                 string
	baseBin                   string
	flags                     []string
	systems                   []string
	thin                      bool
	serverEnv                 []string
	baseEnv                   []string
}

// perPair is the round trips per pair in a measured exchange (two
// relayed messages each).
func (o options) perPair() int { return max(1, o.msgs/o.pairs/2) }

// defaultFlags lift the limits the load would hit, as bench/signal's do.
const defaultFlags = "--max-conns-per-ip 0 --rate 1000000 --burst 1000000 --log-level warn"

func main() {
	var o options
	var flags string
	flag.IntVar(&o.pairs, "pairs", 20, "client pairs in the relay test")
	flag.IntVar(&o.msgs, "msgs", 200000, "relayed messages per system per run (plus a tenth as warm-up)")
	flag.IntVar(&o.size, "size", 1024, "bytes per message frame as the client sends it")
	flag.IntVar(&o.window, "window", 32, "messages in flight per pair")
	flag.IntVar(&o.idle, "idle", 2000, "idle authenticated connections in the memory test (0 skips it)")
	flag.IntVar(&o.watchers, "watchers", 100, "presence test: clients watching the flappers (0 skips it)")
	flag.IntVar(&o.flappers, "flappers", 100, "presence test: peers going online and offline")
	flag.IntVar(&o.cycles, "cycles", 5, "presence test: online/offline cycles of all flappers")
	flag.IntVar(&o.runs, "runs", 5, "runs; the summary reports medians and the median per-run ratio")
	flag.DurationVar(&o.settle, "settle", 2*time.Second, "wait around the idle clients before reading RSS")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up on an exchange that takes longer")
	flag.StringVar(&o.signalBin, "peerline-bin", "", "peerline-signal binary (default: go build ./signaling/cmd/peerline-signal)")
	flag.StringVar(&o.baseBin, "base-bin", "", "A/B: another peerline-signal build, measured as a third system \"base\" (the cluster on that build) in every run, alternating")
	flag.StringVar(&flags, "peerline-flags", defaultFlags, "peerline-signal flags for every node (space-separated)")
	var systems, serverEnv, baseEnv string
	flag.StringVar(&baseEnv, "base-env", "", "A/B of settings: extra environment for the \"base\" system's processes only (e.g. GOMAXPROCS=1); without -base-bin, base runs this build")
	flag.StringVar(&serverEnv, "server-env", "", "extra environment for every server process, space-separated KEY=VALUE (e.g. GOGC=400)")
	flag.BoolVar(&o.thin, "thin", false, "relay with thin clients, one way (raw prebuilt frames after the real handshake, counted undecoded) instead of signaling.Conn echo pairs")
	flag.StringVar(&systems, "systems", "local,cluster", "systems to measure, comma-separated (one alone: to profile it)")
	flag.Parse()
	o.flags = strings.Fields(flags)
	o.systems = strings.Split(systems, ",")
	if o.baseBin != "" && !slices.Contains(o.systems, "base") {
		o.systems = append(o.systems, "base")
	}
	o.serverEnv = strings.Fields(serverEnv)
	o.baseEnv = strings.Fields(baseEnv)
	if len(o.baseEnv) > 0 && !slices.Contains(o.systems, "base") {
		o.systems = append(o.systems, "base")
	}
	if o.pairs < 1 || o.msgs < 1 || o.window < 1 || o.runs < 1 || o.idle < 0 || o.watchers < 0 || o.flappers < 1 || o.cycles < 1 {
		fmt.Fprintln(os.Stderr, "bench/cluster: -pairs, -msgs, -window, -runs, -flappers and -cycles must be positive")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench/cluster:", err)
		os.Exit(1)
	}
}

// result is one system's figures in one run.
type result struct {
	relayed    int
	wall, cpu  float64   // relay: seconds
	natsCPU    float64   // relay: nats-server's share of cpu
	procCPU    []float64 // relay: each process's CPU seconds (nodes, then nats-server)
	p50, p99   time.Duration
	perPublish float64 // relayed frames per NATS publish
	idleKB     float64 // RSS growth per idle connection on its node
	remoteKB   float64 // RSS growth per remote peer on the other nodes
	natsIdleKB float64 // nats-server's RSS growth per idle connection
	joinKB     float64 // join: KB nats-server delivered while a 4th node joined
	joinMsgs   float64 // join: messages nats-server delivered meanwhile
	joinCPU    float64 // join: CPU seconds of the other processes (n1-n3, nats-server)
	presMsgs   int     // presence messages delivered to watchers
	presWall   float64
	presCPU    float64
}

func (r result) msgsPerSec() float64 { return float64(r.relayed) / r.wall }
func (r result) msgsPerCPU() float64 { return div(float64(r.relayed), r.cpu) }
func (r result) presPerSec() float64 { return div(float64(r.presMsgs), r.presWall) }
func (r result) presPerCPU() float64 { return div(float64(r.presMsgs), r.presCPU) }

func div(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// Client numbers: pairs' senders from 0, their peers from pairBase,
// idle clients from idleBase, watchers and flappers from their bases.
const (
	pairBase    = 100_000
	idleBase    = 200_000
	watcherBase = 300_000
	flapperBase = 400_000
)

func run(ctx context.Context, o options) error {
	root, err := child.ModuleRoot()
	if err != nil {
		return err
	}
	// Clients and servers each hold one descriptor per connection.
	nofile, err := child.RaiseFileLimit(uint64(2*max(o.idle, 2*o.pairs, o.watchers+o.flappers) + 256))
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "bench-cluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bins, err := build(ctx, root, tmp, o.signalBin)
	if err != nil {
		return err
	}
	bins.base = o.baseBin
	if bins.base == "" {
		bins.base = bins.signal
	}
	keys := load.NewKeyring("peerline-bench-cluster")
	for i := range o.pairs {
		keys.Key(i)
		keys.Key(pairBase + i)
	}
	for i := range o.idle {
		keys.Key(idleBase + i)
	}
	for i := range o.watchers {
		keys.Key(watcherBase + i)
	}
	for i := range o.flappers {
		keys.Key(flapperBase + i)
	}

	nats, _ := exec.Command(bins.nats, "--version").Output()
	host, _ := os.Hostname()
	fmt.Printf("bench/cluster %s on %s: %s %s/%s, %d CPUs, %s, open-files limit %d\n",
		time.Now().Format("2006-01-02 15:04"), host, runtime.Version(), runtime.GOOS, runtime.GOARCH,
		runtime.NumCPU(), strings.TrimSpace(string(nats)), nofile)
	fmt.Printf("relay: %d pairs, %d relayed messages of %d B per run, window %d; idle: %d connections; presence: %d watchers x %d flappers x %d cycles; %d runs\n",
		o.pairs, 2*o.perPair()*o.pairs, o.size, o.window, o.idle, o.watchers, o.flappers, o.cycles, o.runs)
	fmt.Println("local: one peerline-signal; cluster: nats-server + 3 peerline-signal --nats, senders on n1, their peers on n3")
	fmt.Println("CPU: all the system's processes (every peerline-signal + nats-server)")
	if o.thin {
		fmt.Println("thin clients: one way, raw prebuilt frames after the real handshake (no latency figures)")
	}
	if len(o.serverEnv) > 0 {
		fmt.Printf("server environment: %s\n", strings.Join(o.serverEnv, " "))
	}
	fmt.Println()
	fmt.Printf("%-3s %-7s %10s %11s %8s %8s %7s %7s | %7s %8s %8s %8s %8s | %9s %11s\n",
		"run", "system", "msgs/s", "msgs/CPU-s", "p50 ms", "p99 ms", "/pub", "nats%", "KB/idle", "KB/remote", "KB/nats",
		"join KB", "join ms", "pres/s", "pres/CPU-s")
	results := map[string][]result{}
	for run := 1; run <= o.runs; run++ {
		order := append([]string(nil), o.systems...)
		if run%2 == 0 {
			slices.Reverse(order)
		}
		for _, name := range order {
			r, err := measure(ctx, bins, name, keys, o)
			if err != nil {
				return fmt.Errorf("run %d: %s: %w", run, name, err)
			}
			results[name] = append(results[name], r)
			fmt.Printf("%-3d %-7s %10.0f %11.0f %8.2f %8.2f %7.1f %7.1f | %7.2f %8.2f %8.2f %8.0f %8.0f | %9.0f %11.0f\n",
				run, name, r.msgsPerSec(), r.msgsPerCPU(), ms(r.p50), ms(r.p99), r.perPublish, 100*div(r.natsCPU, r.cpu),
				r.idleKB, r.remoteKB, r.natsIdleKB, r.joinKB, 1e3*r.joinCPU, r.presPerSec(), r.presPerCPU())
		}
	}
	summary(o, results["local"], results["cluster"])
	if base := results["base"]; len(base) > 0 {
		abSummary(o, results["local"], results["cluster"], base)
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func summary(o options, local, cluster []result) {
	pick := func(rs []result, f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return load.Median(v)
	}
	ratios := func(f func(result) float64) []float64 {
		var v []float64
		for i := range min(len(local), len(cluster)) {
			if d := f(local[i]); d != 0 {
				v = append(v, f(cluster[i])/d)
			}
		}
		return v
	}
	fmt.Printf("\nmedians over %d runs\n", o.runs)
	for _, s := range []struct {
		name string
		rs   []result
	}{{"local", local}, {"cluster", cluster}} {
		fmt.Printf("%-7s relay %8.0f msgs/s %8.0f msgs/CPU-s (%.2f µs/msg), p50 %.2f ms; idle %.2f KB/conn; presence %.0f msgs/s, %.0f msgs/CPU-s (%.2f µs/msg)\n",
			s.name, pick(s.rs, result.msgsPerSec), pick(s.rs, result.msgsPerCPU), 1e6/pick(s.rs, result.msgsPerCPU),
			ms(time.Duration(pick(s.rs, func(r result) float64 { return float64(r.p50) }))),
			pick(s.rs, func(r result) float64 { return r.idleKB }),
			pick(s.rs, result.presPerSec), pick(s.rs, result.presPerCPU), 1e6/pick(s.rs, result.presPerCPU))
	}
	if len(cluster) > 0 {
		fmt.Printf("cluster: %.1f frames per NATS publish, nats-server %.0f%% of the cluster's relay CPU, %.2f KB per remote peer on the other nodes, %.2f KB of nats-server per connection\n",
			pick(cluster, func(r result) float64 { return r.perPublish }), 100*pick(cluster, func(r result) float64 { return div(r.natsCPU, r.cpu) }),
			pick(cluster, func(r result) float64 { return r.remoteKB }), pick(cluster, func(r result) float64 { return r.natsIdleKB }))
	}
	if len(cluster) > 0 && o.idle > 0 {
		fmt.Printf("cluster join of a 4th node while n1 holds %d peers: nats-server delivered %.0f KB in %.0f messages; CPU of n1-n3 and nats-server %.0f ms (medians)\n",
			o.idle, pick(cluster, func(r result) float64 { return r.joinKB }), pick(cluster, func(r result) float64 { return r.joinMsgs }),
			1e3*pick(cluster, func(r result) float64 { return r.joinCPU }))
	}
	if len(cluster) > 0 && len(cluster[0].procCPU) == 4 {
		var parts []string
		for i, name := range []string{"n1", "n2", "n3", "nats-server"} {
			parts = append(parts, fmt.Sprintf("%s %.2f", name, 1e6*pick(cluster, func(r result) float64 { return div(r.procCPU[i], float64(r.relayed)) })))
		}
		fmt.Printf("cluster relay CPU µs per message by process (medians): %s\n", strings.Join(parts, ", "))
	}
	cpuPerMsg := func(r result) float64 { return div(r.cpu, float64(r.relayed)) }
	rr := ratios(cpuPerMsg)
	fmt.Printf("\nCPU per relayed message, cluster / local, per run: %s; median %.2fx\n", fmtRatios(rr), load.Median(rr))
	pr := ratios(func(r result) float64 { return div(r.presCPU, float64(r.presMsgs)) })
	if o.watchers > 0 {
		fmt.Printf("CPU per presence message, cluster / local, per run: %s; median %.2fx\n", fmtRatios(pr), load.Median(pr))
	}
	fmt.Println("\ntargets")
	fmt.Printf("  CPU per message <= 2x one node's:      %5.2fx  %s\n", load.Median(rr), verdict(load.Median(rr) <= 2))
	if o.idle > 0 {
		kb := pick(cluster, func(r result) float64 { return r.idleKB })
		fmt.Printf("  KB per idle connection <= 10 (cluster): %5.2f   %s\n", kb, verdict(kb <= 10))
	}
}

// abSummary compares the cluster on this build with the cluster on
// -base-bin, run by run (both measured in every run, next to each
// other, the order alternating).
func abSummary(o options, local, cluster, base []result) {
	ratios := func(num, den []result, f func(result) float64) []float64 {
		var v []float64
		for i := range min(len(num), len(den)) {
			if d := f(den[i]); d != 0 {
				v = append(v, f(num[i])/d)
			}
		}
		return v
	}
	relay := func(r result) float64 { return div(r.cpu, float64(r.relayed)) }
	pres := func(r result) float64 { return div(r.presCPU, float64(r.presMsgs)) }
	fmt.Printf("\nA/B against base: -base-bin %q, -base-env %q\n", o.baseBin, strings.Join(o.baseEnv, " "))
	if len(local) > 0 {
		rr := ratios(base, local, relay)
		fmt.Printf("  base CPU per relayed message / local, per run: %s; median %.2fx\n", fmtRatios(rr), load.Median(rr))
	}
	rr := ratios(cluster, base, relay)
	fmt.Printf("  CPU per relayed message, cluster / base, per run: %s; median %.3fx\n", fmtRatios(rr), load.Median(rr))
	med := func(rs []result, f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		return load.Median(v)
	}
	fmt.Printf("  frames per publish: cluster %.1f, base %.1f; µs per message: cluster %.2f, base %.2f\n",
		med(cluster, func(r result) float64 { return r.perPublish }), med(base, func(r result) float64 { return r.perPublish }),
		1e6*med(cluster, relay), 1e6*med(base, relay))
	if o.idle > 0 {
		fmt.Printf("  join of a 4th node (%d peers on n1): nats-server delivered KB: cluster %.0f, base %.0f; messages: cluster %.0f, base %.0f; CPU of the others ms: cluster %.0f, base %.0f\n",
			o.idle, med(cluster, func(r result) float64 { return r.joinKB }), med(base, func(r result) float64 { return r.joinKB }),
			med(cluster, func(r result) float64 { return r.joinMsgs }), med(base, func(r result) float64 { return r.joinMsgs }),
			1e3*med(cluster, func(r result) float64 { return r.joinCPU }), 1e3*med(base, func(r result) float64 { return r.joinCPU }))
	}
	if o.watchers > 0 {
		pr := ratios(cluster, base, pres)
		fmt.Printf("  CPU per presence message, cluster / base, per run: %s; median %.3fx (µs: cluster %.2f, base %.2f)\n",
			fmtRatios(pr), load.Median(pr), 1e6*med(cluster, pres), 1e6*med(base, pres))
	}
}

func fmtRatios(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(s, " ")
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

// measure runs every phase on fresh instances of the named system.
func measure(ctx context.Context, bins binaries, name string, keys *load.Keyring, o options) (result, error) {
	var r result
	load := relay
	if o.thin {
		load = thinRelay
	}
	if err := phase(ctx, bins, name, o, func(s *system) error { return load(ctx, s, keys, o, &r) }); err != nil {
		return r, fmt.Errorf("relay: %w", err)
	}
	if o.idle > 0 {
		if err := phase(ctx, bins, name, o, func(s *system) error { return idle(ctx, s, keys, o, &r) }); err != nil {
			return r, fmt.Errorf("idle memory: %w", err)
		}
	}
	if o.watchers > 0 {
		if err := phase(ctx, bins, name, o, func(s *system) error { return presence(ctx, s, keys, o, &r) }); err != nil {
			return r, fmt.Errorf("presence: %w", err)
		}
	}
	return r, nil
}

func phase(ctx context.Context, bins binaries, name string, o options, f func(*system) error) error {
	env := o.serverEnv
	if name == "base" {
		env = append(slices.Clip(env), o.baseEnv...)
	}
	s, err := start(ctx, bins, name, o.flags, env)
	if err != nil {
		return err
	}
	defer s.stop()
	return f(s)
}

// relay measures the echo exchange between senders on the first node
// and their peers on the last.
func relay(ctx context.Context, s *system, keys *load.Keyring, o options, r *result) error {
	a, err := dialAll(ctx, keys, s.first(), 0, o.pairs, o.size)
	if err != nil {
		return err
	}
	defer closeAll(a)
	b, err := dialAll(ctx, keys, s.last(), pairBase, o.pairs, o.size)
	if err != nil {
		return err
	}
	defer closeAll(b)
	if s.nats != nil {
		// Each end's node must know the other end before the first send.
		for _, addr := range []string{s.first(), s.last()} {
			if err := waitMetric(ctx, addr, "peerline_cluster_remote_peers", func(v float64) bool { return v >= float64(o.pairs) }); err != nil {
				return err
			}
		}
	}
	n := o.perPair()
	if _, err := exchange(ctx, a, b, max(1, n/10), o.window, o.timeout); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	var lat []time.Duration
	err = measureCPU(ctx, s, r, 2*n*o.pairs, func() error {
		var err error
		lat, err = exchange(ctx, a, b, n, o.window, o.timeout)
		return err
	})
	r.p50, r.p99 = load.Percentile(lat, 50), load.Percentile(lat, 99)
	return err
}

// measureCPU runs f, which relays relayed messages, and fills in r's
// relay figures: wall time, CPU of every process, frames per publish.
func measureCPU(ctx context.Context, s *system, r *result, relayed int, f func() error) error {
	pubs0 := publishes(ctx, s)
	cpu0, err := s.cpu()
	if err != nil {
		return err
	}
	nats0 := natsCPU(s)
	each0 := eachCPU(s)
	start := time.Now()
	if err := f(); err != nil {
		return err
	}
	r.wall = time.Since(start).Seconds()
	cpu1, err := s.cpu()
	if err != nil {
		return err
	}
	r.cpu = cpu1 - cpu0
	r.natsCPU = natsCPU(s) - nats0
	for i, c := range eachCPU(s) {
		r.procCPU = append(r.procCPU, c-each0[i])
	}
	r.relayed = relayed
	if s.nats != nil {
		r.perPublish = div(float64(r.relayed), publishes(ctx, s)-pubs0)
	}
	return nil
}

// eachCPU is every process's CPU seconds so far (0 where unreadable).
func eachCPU(s *system) []float64 {
	var v []float64
	for _, p := range s.procs() {
		c, _ := p.CPUSeconds()
		v = append(v, c)
	}
	return v
}

func natsCPU(s *system) float64 {
	if s.nats == nil {
		return 0
	}
	c, _ := s.nats.CPUSeconds()
	return c
}

// publishes is the NATS publishes of relayed frames, all nodes together.
func publishes(ctx context.Context, s *system) float64 {
	if s.nats == nil {
		return 0
	}
	var sum float64
	for _, p := range s.nodes {
		v, _ := metric(ctx, p.Addr, "peerline_cluster_relay_publishes_total")
		sum += v
	}
	return sum
}

// idle connects o.idle silent clients to the first node and reads the
// RSS growth of every process.
func idle(ctx context.Context, s *system, keys *load.Keyring, o options, r *result) error {
	time.Sleep(o.settle / 2)
	ps := s.procs()
	before := make([]int64, len(ps))
	for i, p := range ps {
		v, err := p.RSSKB()
		if err != nil {
			return err
		}
		before[i] = v
	}
	clients, err := dialAll(ctx, keys, s.first(), idleBase, o.idle, o.size)
	if err != nil {
		return err
	}
	defer closeAll(clients)
	for _, p := range s.nodes[1:] {
		if err := waitMetric(ctx, p.Addr, "peerline_cluster_remote_peers", func(v float64) bool { return v >= float64(o.idle) }); err != nil {
			return err
		}
	}
	time.Sleep(o.settle)
	growth := make([]float64, len(ps))
	for i, p := range ps {
		v, err := p.RSSKB()
		if err != nil {
			return err
		}
		growth[i] = float64(v-before[i]) / float64(o.idle)
	}
	r.idleKB = growth[0]
	if s.nats != nil {
		r.remoteKB = (growth[1] + growth[2]) / 2
		r.natsIdleKB = growth[3]
		return join(ctx, s, o, r)
	}
	return nil
}

// join measures what a 4th node joining costs the cluster while n1
// holds the idle clients: the bytes and messages nats-server delivers
// until the newcomer knows every node and every peer (the snapshots
// that answer its hello, and its own), and the CPU of the processes
// already there.
func join(ctx context.Context, s *system, o options, r *result) error {
	msgs0, bytes0, err := varz(ctx, s.monitor)
	if err != nil {
		return err
	}
	cpu0, err := s.cpu()
	if err != nil {
		return err
	}
	p, err := s.startNode(ctx, []string{"--nats", s.natsURL, "--node-id", "n4"})
	if err != nil {
		return err
	}
	defer p.Stop()
	if err := waitMetric(ctx, p.Addr, "peerline_cluster_nodes", func(v float64) bool { return v >= 3 }); err != nil {
		return err
	}
	if err := waitMetric(ctx, p.Addr, "peerline_cluster_remote_peers", func(v float64) bool { return v >= float64(o.idle) }); err != nil {
		return err
	}
	cpu1, err := s.cpu()
	if err != nil {
		return err
	}
	msgs1, bytes1, err := varz(ctx, s.monitor)
	if err != nil {
		return err
	}
	r.joinKB, r.joinMsgs, r.joinCPU = (bytes1-bytes0)/1024, msgs1-msgs0, cpu1-cpu0
	return nil
}

// presence measures the fan-out of o.flappers peers going online and
// offline o.cycles times to o.watchers watchers of all of them.
func presence(ctx context.Context, s *system, keys *load.Keyring, o options, r *result) error {
	// Watchers: on one node alone, else split between n1 and n2; flappers
	// on the last node.
	watchAt := []string{s.first()}
	if len(s.nodes) > 2 {
		watchAt = []string{s.nodes[0].Addr, s.nodes[1].Addr}
	}
	var watchers []*client
	defer func() { closeAll(watchers) }()
	per := (o.watchers + len(watchAt) - 1) / len(watchAt)
	for i, addr := range watchAt {
		n := min(per, o.watchers-i*per)
		ws, err := dialAll(ctx, keys, addr, watcherBase+i*per, n, o.size)
		if err != nil {
			return err
		}
		watchers = append(watchers, ws...)
	}
	peers := make([]identity.PeerID, o.flappers)
	for i := range peers {
		peers[i] = keys.ID(flapperBase + i)
	}
	var pc presenceCounter
	for _, w := range watchers {
		if err := subscribe(ctx, w, peers, signaling.MaxSubscribeIDs); err != nil {
			return err
		}
		go watch(w, &pc) // ends when the watcher is closed
	}
	// Every subscribe is answered with one presence_list once applied.
	subs := int64(o.watchers * ((o.flappers + signaling.MaxSubscribeIDs - 1) / signaling.MaxSubscribeIDs))
	if err := waitCount(ctx, &pc.lists, subs, o.timeout); err != nil {
		return fmt.Errorf("subscribes: %w", err)
	}
	want := int64(o.watchers * o.flappers)
	cpu0, err := s.cpu()
	if err != nil {
		return err
	}
	start := time.Now()
	for c := 1; c <= o.cycles; c++ {
		flappers, err := dialAll(ctx, keys, s.last(), flapperBase, o.flappers, o.size)
		if err != nil {
			return err
		}
		if err := waitCount(ctx, &pc.online, want*int64(c), o.timeout); err != nil {
			closeAll(flappers)
			return fmt.Errorf("cycle %d online: %w", c, err)
		}
		closeAll(flappers)
		if err := waitCount(ctx, &pc.offline, want*int64(c), o.timeout); err != nil {
			return fmt.Errorf("cycle %d offline: %w", c, err)
		}
	}
	r.presWall = time.Since(start).Seconds()
	cpu1, err := s.cpu()
	if err != nil {
		return err
	}
	r.presCPU = cpu1 - cpu0
	r.presMsgs = int(2 * want * int64(o.cycles))
	return nil
}

// waitCount waits until n reaches want.
func waitCount(ctx context.Context, n interface{ Load() int64 }, want int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for n.Load() < want {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d presence messages within %s", n.Load(), want, timeout)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(time.Millisecond)
	}
	return nil
}
