//go:build linux

package main

import (
	"github.com/peerline/peerline/bench/child"
	"github.com/peerline/peerline/bench/load"

	"context"
	"fmt"
	"sync"
	"time"
)

// result is one server's figures in one run.
type result struct {
	relayed  int
	wall     time.Duration
	cpu      float64 // server CPU seconds during the measured exchange
	p50, p99 time.Duration
	idleKB   float64 // server RSS growth per idle connection, KiB
	startups []time.Duration
}

func (r result) msgsPerSec() float64 { return float64(r.relayed) / r.wall.Seconds() }

func (r result) msgsPerCPU() float64 {
	if r.cpu == 0 {
		return 0
	}
	return float64(r.relayed) / r.cpu
}

func (r result) startup() time.Duration { return load.MedianDuration(r.startups) }

// measure runs every phase against t once.
func measure(ctx context.Context, t target, o options) (result, error) {
	var r result
	// Throughput on one server instance.
	p, ready, err := launch(ctx, t)
	if err != nil {
		return r, err
	}
	r.startups = append(r.startups, ready)
	err = throughput(ctx, t, p, o, &r)
	p.Stop()
	if err != nil {
		return r, fmt.Errorf("throughput: %w", err)
	}
	// Idle memory on a fresh one, so nothing of the load is left in its heap.
	if o.idle > 0 {
		p, ready, err = launch(ctx, t)
		if err != nil {
			return r, err
		}
		r.startups = append(r.startups, ready)
		r.idleKB, err = idleMemory(ctx, t, p, o)
		p.Stop()
		if err != nil {
			return r, fmt.Errorf("idle memory: %w", err)
		}
	}
	// More starts, for a steadier startup median.
	for len(r.startups) < o.starts {
		p, ready, err := launch(ctx, t)
		if err != nil {
			return r, err
		}
		p.Stop()
		r.startups = append(r.startups, ready)
	}
	return r, nil
}

// launch starts a server on a free port and waits until a client is
// accepted; it returns the time from exec to then.
func launch(ctx context.Context, t target) (*child.Process, time.Duration, error) {
	addr, err := child.FreeAddr()
	if err != nil {
		return nil, 0, err
	}
	p, err := child.Start(t.command(addr), addr)
	if err != nil {
		return nil, 0, err
	}
	ready, err := p.WaitReady(ctx, 30*time.Second, func(ctx context.Context) error {
		c, err := t.dial(ctx, addr, readyClient)
		if err == nil {
			c.close()
		}
		return err
	})
	if err != nil {
		p.Stop()
		return nil, 0, fmt.Errorf("%s: %w", t.name(), err)
	}
	return p, ready, nil
}

// throughput connects the pairs, warms up, then measures one exchange.
func throughput(ctx context.Context, t target, p *child.Process, o options, r *result) error {
	clients, err := dialAll(ctx, t, p.Addr, 2*o.pairs)
	if err != nil {
		return err
	}
	defer closeAll(clients)
	perPair := o.perPair()
	if _, err := exchange(ctx, clients, max(1, perPair/10), o.window, o.timeout); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	cpu0, err := p.CPUSeconds()
	if err != nil {
		return err
	}
	start := time.Now()
	lat, err := exchange(ctx, clients, perPair, o.window, o.timeout)
	r.wall = time.Since(start)
	if err != nil {
		return err
	}
	cpu1, err := p.CPUSeconds()
	if err != nil {
		return err
	}
	r.cpu = cpu1 - cpu0
	r.relayed = 2 * perPair * o.pairs
	r.p50, r.p99 = load.Percentile(lat, 50), load.Percentile(lat, 99)
	return nil
}

// exchange runs n round trips on every pair (clients 2i and 2i+1): the
// first streams to the second with at most window messages in flight, the
// second echoes each message back. It returns the latency of every relayed
// message. On any error it closes every client.
func exchange(ctx context.Context, clients []client, n, window int, timeout time.Duration) ([]time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var (
		once     sync.Once
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		once.Do(func() {
			firstErr = err
			cancel()
			closeAll(clients)
		})
	}
	stop := context.AfterFunc(ctx, func() { fail(fmt.Errorf("no progress within %s: %w", timeout, ctx.Err())) })
	defer stop()

	pairs := len(clients) / 2
	lat := make([][]time.Duration, len(clients))
	for i := 0; i < pairs; i++ {
		ai, bi := 2*i, 2*i+1
		a, b := clients[ai], clients[bi]
		credit := make(chan struct{}, window)
		for range window {
			credit <- struct{}{}
		}
		la, lb := make([]time.Duration, 0, n), make([]time.Duration, 0, n)
		wg.Add(3)
		go func() { // a streams to b
			defer wg.Done()
			for range n {
				select {
				case <-credit:
				case <-ctx.Done():
					return
				}
				if err := a.send(bi, load.Stamp()); err != nil {
					fail(fmt.Errorf("send: %w", err))
					return
				}
			}
		}()
		go func() { // a takes the echoes
			defer wg.Done()
			for range n {
				t, err := a.recv()
				if err != nil {
					fail(fmt.Errorf("recv: %w", err))
					return
				}
				la = append(la, load.SinceStamp(t))
				credit <- struct{}{}
			}
			lat[ai] = la
		}()
		go func() { // b echoes
			defer wg.Done()
			for range n {
				t, err := b.recv()
				if err != nil {
					fail(fmt.Errorf("recv: %w", err))
					return
				}
				lb = append(lb, load.SinceStamp(t))
				if err := b.send(ai, load.Stamp()); err != nil {
					fail(fmt.Errorf("send: %w", err))
					return
				}
			}
			lat[bi] = lb
		}()
	}
	wg.Wait()
	stop()
	if firstErr != nil {
		return nil, firstErr
	}
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return all, nil
}

// idleMemory connects o.idle clients to a fresh server and returns the
// growth of its RSS per connection, in KiB.
func idleMemory(ctx context.Context, t target, p *child.Process, o options) (float64, error) {
	time.Sleep(o.settle / 2)
	before, err := p.RSSKB()
	if err != nil {
		return 0, err
	}
	clients, err := dialAll(ctx, t, p.Addr, o.idle)
	if err != nil {
		return 0, err
	}
	defer closeAll(clients)
	time.Sleep(o.settle)
	after, err := p.RSSKB()
	if err != nil {
		return 0, err
	}
	return float64(after-before) / float64(o.idle), nil
}

// dialAll connects clients 0..n-1, a few at a time.
func dialAll(ctx context.Context, t target, addr string, n int) ([]client, error) {
	return load.DialAll(ctx, n, func(ctx context.Context, i int) (client, error) { return t.dial(ctx, addr, i) },
		func(c client) { c.close() })
}

func closeAll(clients []client) {
	for _, c := range clients {
		if c != nil {
			c.close()
		}
	}
}
