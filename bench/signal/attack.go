//go:build linux

package main

// The -attack mode: peerline-signal with its default limits under the
// attacks of issue 11 (slow readers, big subscribes, unauthenticated idle
// connections) while honest pairs keep calling, each attack at the full
// rate the server allows a client. See doc.go and docs/performance.md
// ("peerline-signal under attack").

import (
	"github.com/peerline/peerline/bench/child"
	"github.com/peerline/peerline/bench/load"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/time/rate"

	"github.com/peerline/peerline/signaling"
)

// The server's defaults, which the attackers pace themselves to (a
// client of peerline-signal learns them from welcome.limits).
const (
	attackRate  = 50
	attackBurst = 200
	// subscribeBytesPerToken is the server's charge for a subscribe body
	// (signaling/server: one token per KiB beyond the frame's own).
	subscribeBytesPerToken = 1024
)

// attackOptions are the -attack settings.
type attackOptions struct {
	honestPairs int           // pairs of honest clients, each side sending honestRate messages a second
	honestRate  float64       // per honest client
	attackers   int           // connections per attack
	phase       time.Duration // how long each phase measures
	idleUnauth  int           // unauthenticated idle connections in the last phase
	runs        int
}

// phaseResult is one phase of one run.
type phaseResult struct {
	name        string
	honestMsgs  int
	p50, p99    time.Duration
	attackMsgs  int     // frames the attackers sent
	attackUnits int     // rate-limit tokens those frames cost
	cpu         float64 // server CPU seconds over the phase
	benchCPU    float64 // this process's (all clients') CPU seconds over the phase
	rssGrowthKB int64   // peak RSS in the phase minus RSS before it
	cuts        int     // attacker connections the server cut
	held        int     // idle phase: connections open at the end
}

// runAttack runs every phase -attack-runs times on fresh servers and
// prints the figures and their medians.
func runAttack(ctx context.Context, root, tmp string, o options, a attackOptions) error {
	pl := &peerlineTarget{root: root, bin: o.peerlineBin, tmp: tmp, keys: load.NewKeyring("peerline-bench-signal"), size: o.size,
		flags: []string{"--log-level", "warn"}} // the defaults: these are the limits under attack
	if err := pl.prepare(ctx); err != nil {
		return err
	}
	if _, err := child.RaiseFileLimit(uint64(a.idleUnauth + 4*a.attackers + 4*a.honestPairs + 256)); err != nil {
		return err
	}
	fmt.Printf("bench/signal -attack: %d honest pairs at %.0f msgs/s per client (%d B), %d attackers per attack, %s per phase, %d unauthenticated idle connections, %d runs\n",
		a.honestPairs, a.honestRate, o.size, a.attackers, a.phase, a.idleUnauth, a.runs)
	fmt.Printf("server: %s with its default limits (%d msgs/s, burst %d, 64 KiB frames, 64 connections per IP)\n\n", pl.bin, attackRate, attackBurst)
	fmt.Printf("%-4s %-14s %8s %8s %8s %9s %9s %11s %11s %8s %7s %8s %9s\n", "run", "phase", "honest", "p50 ms", "p99 ms", "attack", "tokens", "µs/attack", "µs/token", "RSS +MB", "cuts", "srv CPU", "bench CPU")
	phases := []string{"baseline", "slow-readers", "subscribe-512", "subscribe-64", "subscribe-15", "idle-unauth"}
	all := make(map[string][]phaseResult)
	for run := 1; run <= a.runs; run++ {
		var base phaseResult
		for _, name := range phases {
			r, err := attackPhase(ctx, pl, a, name)
			if err != nil {
				return fmt.Errorf("run %d: %s: %w", run, name, err)
			}
			if name == "baseline" {
				base = r
			}
			printPhase(run, r, base)
			all[name] = append(all[name], r)
		}
	}
	printAttackSummary(a, phases[0], all, slices.Values(phases))
	return nil
}

// attackPhase starts a fresh server, runs the honest load for a.phase with
// the attack beside it, and measures. The attackers run in a child
// process of their own (attackWorker), so their CPU use on the clients'
// side does not slow the honest clients down and pass for the server's.
func attackPhase(ctx context.Context, pl *peerlineTarget, a attackOptions, name string) (phaseResult, error) {
	r := phaseResult{name: name}
	p, _, err := launch(ctx, pl)
	if err != nil {
		return r, err
	}
	defer p.Stop()
	honest, err := newHonest(ctx, pl, p.Addr, a)
	if err != nil {
		return r, err
	}
	defer honest.close()
	time.Sleep(time.Second) // let the honest load settle
	rss0, err := p.RSSKB()
	if err != nil {
		return r, err
	}
	cpu0, _ := p.CPUSeconds()
	self0 := selfCPU()
	honest.measure(true)
	actx, cancel := context.WithTimeout(ctx, a.phase)
	defer cancel()
	peak := make(chan int64, 1)
	go func() { peak <- sampleRSS(actx, p) }()
	var worker *exec.Cmd
	var out bytes.Buffer
	if name != "baseline" {
		exe, err := os.Executable()
		if err != nil {
			return r, err
		}
		worker = exec.CommandContext(ctx, exe, "-attack-worker", name, "-attack-addr", p.Addr,
			"-attackers", strconv.Itoa(a.attackers), "-attack-phase", a.phase.String(), "-attack-idle", strconv.Itoa(a.idleUnauth))
		worker.Stdout, worker.Stderr = &out, os.Stderr
		worker.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := worker.Start(); err != nil {
			return r, err
		}
	}
	<-actx.Done()
	honest.measure(false)
	cpu1, _ := p.CPUSeconds()
	r.cpu = cpu1 - cpu0
	r.benchCPU = selfCPU() - self0
	r.rssGrowthKB = max(0, <-peak-rss0)
	if worker != nil {
		if err := worker.Wait(); err != nil {
			return r, fmt.Errorf("attack worker: %w: %s", err, out.String())
		}
		var w workerResult
		if err := json.Unmarshal(out.Bytes(), &w); err != nil {
			return r, fmt.Errorf("attack worker said %q: %w", out.String(), err)
		}
		r.attackMsgs, r.attackUnits, r.cuts, r.held, r.benchCPU = w.Msgs, w.Units, w.Cuts, w.Held, r.benchCPU+w.CPU
	}
	lat := honest.latencies()
	r.honestMsgs = len(lat)
	r.p50, r.p99 = load.Percentile(lat, 50), load.Percentile(lat, 99)
	if honest.err() != nil {
		return r, fmt.Errorf("honest clients: %w", honest.err())
	}
	return r, nil
}

// workerResult is what an attack worker reports on stdout.
type workerResult struct {
	Msgs, Units, Cuts, Held int
	CPU                     float64
}

// attackWorker runs one attack against addr for a.phase (the child side
// of attackPhase) and prints a workerResult.
func attackWorker(ctx context.Context, name, addr string, a attackOptions) error {
	if _, err := child.RaiseFileLimit(uint64(a.idleUnauth + 4*a.attackers + 256)); err != nil {
		return err
	}
	keys := load.NewKeyring("peerline-bench-signal")
	ctx, cancel := context.WithTimeout(ctx, a.phase)
	defer cancel()
	var r phaseResult
	var err error
	switch name {
	case "slow-readers":
		err = slowReaders(ctx, addr, keys, a, &r)
	case "subscribe-512":
		err = subscribers(ctx, addr, keys, a, signaling.MaxSubscribe, signaling.MaxSubscribeIDs, &r)
	case "subscribe-64":
		err = subscribers(ctx, addr, keys, a, signaling.MaxSubscribeIDs, signaling.MaxSubscribeIDs, &r)
	case "subscribe-15":
		err = subscribers(ctx, addr, keys, a, 15, 15, &r)
	case "idle-unauth":
		err = idleUnauthenticated(ctx, addr, keys, a, &r)
	default:
		return fmt.Errorf("unknown attack %q", name)
	}
	if err != nil && ctx.Err() == nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(workerResult{Msgs: r.attackMsgs, Units: r.attackUnits, Cuts: r.cuts, Held: r.held, CPU: selfCPU()})
}

// selfCPU is this process's CPU time so far, in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// sampleRSS returns the peak RSS while ctx runs, in KiB.
func sampleRSS(ctx context.Context, p *child.Process) int64 {
	var peak int64
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		if kb, err := p.RSSKB(); err == nil {
			peak = max(peak, kb)
		}
		select {
		case <-ctx.Done():
			return peak
		case <-t.C:
		}
	}
}

// honestLoad is pairs of clients sending each other messages at a steady
// rate; the latency of each message counts while measuring.
type honestLoad struct {
	clients   []client
	measuring atomic.Bool
	mu        sync.Mutex
	lat       []time.Duration
	firstErr  error
	cancel    context.CancelFunc
	wg        sync.WaitGroup
}

// honestBase numbers the honest clients apart from the attackers.
const honestBase = 1 << 20

func newHonest(ctx context.Context, pl *peerlineTarget, addr string, a attackOptions) (*honestLoad, error) {
	h := &honestLoad{}
	for i := range 2 * a.honestPairs {
		c, err := pl.dial(ctx, addr, honestBase+i)
		if err != nil {
			h.close()
			return nil, fmt.Errorf("dial honest client %d: %w", i, err)
		}
		h.clients = append(h.clients, c)
	}
	ctx, h.cancel = context.WithCancel(ctx)
	every := time.Duration(float64(time.Second) / a.honestRate)
	for i, c := range h.clients {
		peer := honestBase + (i ^ 1) // the other one of the pair
		h.wg.Add(2)
		go func() { // send at a steady rate
			defer h.wg.Done()
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				if err := c.send(peer, load.Stamp()); err != nil {
					h.fail(err)
					return
				}
			}
		}()
		go func() { // receive
			defer h.wg.Done()
			for {
				st, err := c.recv()
				if err != nil {
					h.fail(err)
					return
				}
				if h.measuring.Load() {
					h.mu.Lock()
					h.lat = append(h.lat, load.SinceStamp(st))
					h.mu.Unlock()
				}
			}
		}()
	}
	return h, nil
}

func (h *honestLoad) measure(on bool) { h.measuring.Store(on) }

func (h *honestLoad) fail(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.firstErr == nil && h.measuring.Load() {
		h.firstErr = err
	}
}

func (h *honestLoad) err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.firstErr
}

func (h *honestLoad) latencies() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]time.Duration(nil), h.lat...)
}

func (h *honestLoad) close() {
	if h.cancel != nil {
		h.cancel()
	}
	closeAll(h.clients)
	h.wg.Wait()
}

// attackIP is the loopback source address of attacker connection i: a
// 127.0.0.0/8 address of its own (Linux answers the whole block on lo),
// so the per-IP connection limit sees distinct clients, as it would on
// the internet.
func attackIP(i int) net.IP { return net.IPv4(127, 10+byte(i>>16), byte(i>>8), byte(i)) }

// attackDialer dials from attackIP(i); small sets a 4 KiB receive buffer,
// so a client that does not read stops taking data early.
func attackDialer(i int, small bool) *websocket.Dialer {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: attackIP(i)}}
	if small {
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10) })
		}
	}
	return &websocket.Dialer{HandshakeTimeout: 10 * time.Second, NetDialContext: d.DialContext, ReadBufferSize: 1024, WriteBufferSize: 1024}
}

func attackDial(ctx context.Context, keys *load.Keyring, addr string, n int, small bool) (*signaling.Conn, error) {
	return signaling.Dial(ctx, signaling.DialConfig{URL: "ws://" + addr + signaling.Path,
		Identity: keys.Key(n), Dialer: attackDialer(n, small)})
}

// drain reads c until it fails, counting unavailable errors on hit.
func drain(c *signaling.Conn, hit chan<- struct{}) {
	for {
		env, err := c.Recv()
		if err != nil {
			return
		}
		if env.Type == signaling.TypeError && signaling.ErrorOf(env).Code == signaling.CodeUnavailable && hit != nil {
			select {
			case hit <- struct{}{}:
			default:
			}
		}
	}
}

// slowReaders: a.attackers senders, each feeding one receiver that never
// reads with frames just under the 64 KiB limit at the full allowed rate
// (burst, then 50 a second). A receiver the server cuts is replaced at
// once by a fresh one.
func slowReaders(ctx context.Context, addr string, keys *load.Keyring, a attackOptions, r *phaseResult) error {
	var sent, cuts atomic.Int64
	var wg sync.WaitGroup
	pad := strings.Repeat("x", signaling.DefaultMaxMessageBytes-300)
	errs := make(chan error, a.attackers)
	for i := range a.attackers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := 2 * i
			sender, err := attackDial(ctx, keys, addr, n, false)
			if err != nil {
				errs <- err
				return
			}
			defer sender.Close()
			cut := make(chan struct{}, 1)
			go drain(sender, cut)
			lim := rate.NewLimiter(attackRate, attackBurst)
			for gen := 0; ctx.Err() == nil; gen++ {
				rn := 1<<16 + i<<10 + gen%1024 // a fresh receiver identity
				recv, err := attackDial(ctx, keys, addr, rn, true)
				if err != nil {
					if ctx.Err() == nil {
						errs <- err
					}
					return
				}
				env := signaling.Envelope{Type: signaling.TypeHangup, To: recv.Welcome().Peer, Call: "x",
					Body: []byte(`{"pad":"` + pad + `"}`)}
			feed:
				for {
					select {
					case <-cut:
						cuts.Add(1)
						break feed
					default:
					}
					if lim.Wait(ctx) != nil {
						break feed
					}
					if sender.Send(ctx, env) != nil {
						break feed
					}
					sent.Add(1)
				}
				recv.Close()
			}
		}()
	}
	wg.Wait()
	close(errs)
	r.attackMsgs, r.attackUnits, r.cuts = int(sent.Load()), int(sent.Load()), int(cuts.Load())
	return <-errs
}

// subscribers: a.attackers clients, each watching n distinct ids over
// and over in subscribes of at most per ids (a replace, then adds), two
// disjoint sets alternating so every round changes the whole watched
// set, paced to exactly what the server charges them (1 + body/KiB
// tokens), and reading what comes back.
func subscribers(ctx context.Context, addr string, keys *load.Keyring, a attackOptions, n, per int, r *phaseResult) error {
	var sent, units atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, a.attackers)
	for i := range a.attackers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := attackDial(ctx, keys, addr, 3<<16+i, false)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			go drain(c, nil)
			var envs []signaling.Envelope
			var costs []int
			for k := range 2 {
				ids := make([]signaling.PeerID, n)
				for j := range ids {
					ids[j] = keys.ID(4<<16 + (i*2+k)*n + j)
				}
				for start := 0; start < n; start += per {
					chunk := ids[start:min(start+per, n)]
					s := signaling.Subscribe{Peers: chunk}
					if start > 0 {
						s = signaling.Subscribe{Add: chunk}
					}
					env, _ := signaling.New(signaling.TypeSubscribe, s)
					envs = append(envs, env)
					costs = append(costs, 1+len(env.Body)/subscribeBytesPerToken)
				}
			}
			lim := rate.NewLimiter(attackRate, attackBurst)
			for k := 0; ; k = (k + 1) % len(envs) {
				if lim.WaitN(ctx, costs[k]) != nil {
					return
				}
				if c.Send(ctx, envs[k]) != nil {
					return
				}
				sent.Add(1)
				units.Add(int64(costs[k]))
			}
		}()
	}
	wg.Wait()
	close(errs)
	r.attackMsgs, r.attackUnits = int(sent.Load()), int(units.Load())
	return <-errs
}

// idleUnauthenticated opens a.idleUnauth WebSocket connections that read
// their challenge and never authenticate, from distinct source addresses
// (at most 50 per address, under the 64 per IP limit), all within the
// auth timeout, and counts how many the server holds at once.
func idleUnauthenticated(ctx context.Context, addr string, _ *load.Keyring, a attackOptions, r *phaseResult) error {
	var mu sync.Mutex
	var conns []*websocket.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	next := make(chan int)
	var wg sync.WaitGroup
	var failed atomic.Int64
	var firstErr atomic.Value
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d := attackDialer(5<<16+i/50, false)
				ws, _, err := d.DialContext(ctx, "ws://"+addr+signaling.Path, nil)
				if err == nil {
					ws.SetReadDeadline(time.Now().Add(5 * time.Second))
					_, _, err = ws.ReadMessage() // the challenge
				}
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				mu.Lock()
				conns = append(conns, ws)
				mu.Unlock()
			}
		}()
	}
	start := time.Now()
	for i := range a.idleUnauth {
		next <- i
	}
	close(next)
	wg.Wait()
	opened := time.Since(start)
	// Still held? A connection the server dropped reads EOF at once; an
	// open one times out (the auth timeout is 10 s, opened well within).
	var held atomic.Int64
	check := make(chan *websocket.Conn)
	var cwg sync.WaitGroup
	for range 64 {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			for c := range check {
				c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
				_, _, err := c.ReadMessage()
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					held.Add(1)
				}
			}
		}()
	}
	for _, c := range conns {
		check <- c
	}
	close(check)
	cwg.Wait()
	r.held = int(held.Load())
	if opened > 8*time.Second {
		return fmt.Errorf("opening %d connections took %s, too close to the 10 s auth timeout", a.idleUnauth, opened)
	}
	if failed.Load() > 0 {
		return fmt.Errorf("%d of %d unauthenticated connections refused (first: %v)", failed.Load(), a.idleUnauth, firstErr.Load())
	}
	<-ctx.Done()
	return nil
}

func printPhase(run int, r, base phaseResult) {
	perAttack, perToken := "-", "-"
	if r.attackMsgs > 0 && base.honestMsgs > 0 {
		extra := r.cpu - base.cpu // the honest load costs the same in every phase
		perAttack = fmt.Sprintf("%.1f", 1e6*extra/float64(r.attackMsgs))
		perToken = fmt.Sprintf("%.1f", 1e6*extra/float64(r.attackUnits))
	}
	attack := fmt.Sprint(r.attackMsgs)
	if r.name == "idle-unauth" {
		attack = fmt.Sprintf("%d held", r.held)
	}
	fmt.Printf("%-4d %-14s %8d %8.2f %8.2f %9s %9d %11s %11s %8.1f %7d %7.2fs %8.2fs\n", run, r.name, r.honestMsgs, ms(r.p50), ms(r.p99),
		attack, r.attackUnits, perAttack, perToken, float64(r.rssGrowthKB)/1024, r.cuts, r.cpu, r.benchCPU)
}

func printAttackSummary(a attackOptions, baseName string, all map[string][]phaseResult, names iter.Seq[string]) {
	base := all[baseName]
	honestCPU := func(i int) float64 { return base[i].cpu / float64(max(1, base[i].honestMsgs)) }
	fmt.Printf("\nmedians over %d runs (ratios: median of per-run ratios; an honest message costs the server %.1f µs)\n",
		a.runs, 1e6*load.Median(mapRuns(base, func(i int, r phaseResult) float64 { return honestCPU(i) })))
	fmt.Printf("%-14s %8s %8s %9s %9s %12s %12s %8s %8s\n", "phase", "p50 ms", "p99 ms", "p50/base", "p99/base", "attack/honest", "token/honest", "RSS +MB", "held")
	for name := range names {
		rs := all[name]
		pick := func(f func(i int, r phaseResult) float64) float64 { return load.Median(mapRuns(rs, f)) }
		ratioAttack := pick(func(i int, r phaseResult) float64 {
			if r.attackMsgs == 0 {
				return 0
			}
			return (r.cpu - base[i].cpu) / float64(r.attackMsgs) / honestCPU(i)
		})
		ratioToken := pick(func(i int, r phaseResult) float64 {
			if r.attackUnits == 0 {
				return 0
			}
			return (r.cpu - base[i].cpu) / float64(r.attackUnits) / honestCPU(i)
		})
		fmt.Printf("%-14s %8.2f %8.2f %8.2fx %8.2fx %11.1fx %11.1fx %8.1f %8.0f\n", name,
			pick(func(_ int, r phaseResult) float64 { return ms(r.p50) }),
			pick(func(_ int, r phaseResult) float64 { return ms(r.p99) }),
			pick(func(i int, r phaseResult) float64 { return float64(r.p50) / float64(base[i].p50) }),
			pick(func(i int, r phaseResult) float64 { return float64(r.p99) / float64(base[i].p99) }),
			ratioAttack, ratioToken,
			pick(func(_ int, r phaseResult) float64 { return float64(r.rssGrowthKB) / 1024 }),
			pick(func(_ int, r phaseResult) float64 { return float64(r.held) }))
	}
}

func mapRuns(rs []phaseResult, f func(i int, r phaseResult) float64) []float64 {
	out := make([]float64, len(rs))
	for i, r := range rs {
		out[i] = f(i, r)
	}
	return out
}
