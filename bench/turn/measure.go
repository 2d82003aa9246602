//go:build linux

package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/turn/v5"

	"github.com/peerline/peerline/bench/child"
	"github.com/peerline/peerline/signaling/server"
)

// result is one server's figures in one run.
type result struct {
	mbps  float64 // relayed: bytes the peers got plus bytes the clients got back, per second
	loss  float64 // fraction of the packets sent that did not come back
	cores float64 // server CPU seconds per wall second
	// Round trip client → relay → peer → relay → client of the packets
	// that came back in the measured window, in microseconds.
	rttP50, rttP99 float64
}

// cpuPerMbps is CPU milliseconds per second for each relayed Mbit/s.
func (r result) cpuPerMbps() float64 { return r.cores * 1000 / r.mbps }

func (r result) String() string {
	return fmt.Sprintf("relayed %7.1f Mbit/s  loss %5.2f%%  server %.3f cores  %.2f CPU ms/s per Mbit/s  rtt p50 %4.0f µs p99 %5.0f µs",
		r.mbps, r.loss*100, r.cores, r.cpuPerMbps(), r.rttP50, r.rttP99)
}

const (
	warmUp   = 2 * time.Second
	minRelay = 50000
)

// counters are the bytes and packets seen across all pairs.
type counters struct {
	sent, sentBytes, peerBytes, back, backBytes atomic.Int64
	// epoch is the clock the senders stamp into each packet's first 8
	// bytes; the receivers keep round trips while measuring is set.
	epoch     time.Time
	measuring atomic.Bool
}

func measure(ctx context.Context, c config, t target) (result, error) {
	turnAddr, err := freeUDP()
	if err != nil {
		return result{}, err
	}
	cmd, err := t.command(turnAddr, minRelay, minRelay+2*c.pairs+100)
	if err != nil {
		return result{}, err
	}
	p, err := child.Start(cmd, turnAddr)
	if err != nil {
		return result{}, err
	}
	defer p.Stop()
	if _, err := p.WaitReady(ctx, 10*time.Second, func(ctx context.Context) error {
		pr, err := newPair(turnAddr, "ready")
		if err != nil {
			return err
		}
		pr.close()
		return nil
	}); err != nil {
		return result{}, err
	}

	cnt := counters{epoch: time.Now()}
	pairs := make([]*pair, 0, c.pairs)
	defer func() {
		for _, pr := range pairs {
			pr.close()
		}
	}()
	for i := range c.pairs {
		pr, err := newPair(turnAddr, fmt.Sprintf("bench%d", i))
		if err != nil {
			return result{}, fmt.Errorf("pair %d: %w (server: %s)", i, err, p.Output())
		}
		pairs = append(pairs, pr)
	}

	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, pr := range pairs {
		wg.Add(3)
		go func() { defer wg.Done(); pr.echo(&cnt) }()
		go func() { defer wg.Done(); pr.rtts = pr.receive(&cnt) }()
		go func() { defer wg.Done(); pr.send(runCtx, c.rate, c.size, &cnt) }()
	}
	stopAll := func() {
		cancel()
		for _, pr := range pairs {
			pr.close()
		}
		wg.Wait()
	}

	select {
	case <-time.After(warmUp):
	case <-ctx.Done():
		stopAll()
		return result{}, ctx.Err()
	}
	cpu0, err := p.CPUSeconds()
	if err != nil {
		stopAll()
		return result{}, err
	}
	t0 := time.Now()
	cnt.measuring.Store(true)
	sent0, peer0, back0, backB0 := cnt.sent.Load(), cnt.peerBytes.Load(), cnt.back.Load(), cnt.backBytes.Load()
	select {
	case <-time.After(c.duration):
	case <-ctx.Done():
	}
	cpu1, err := p.CPUSeconds()
	wall := time.Since(t0).Seconds()
	cnt.measuring.Store(false)
	sent1, peer1, back1, backB1 := cnt.sent.Load(), cnt.peerBytes.Load(), cnt.back.Load(), cnt.backBytes.Load()
	stopAll()
	if err != nil {
		return result{}, err
	}
	if ctx.Err() != nil {
		return result{}, ctx.Err()
	}
	relayed := float64((peer1 - peer0) + (backB1 - backB0))
	if relayed == 0 {
		return result{}, fmt.Errorf("nothing was relayed (server: %s)", p.Output())
	}
	sent := float64(sent1 - sent0)
	loss := 0.0
	if sent > 0 {
		loss = max(0, 1-float64(back1-back0)/sent)
	}
	var rtts []time.Duration
	for _, pr := range pairs {
		rtts = append(rtts, pr.rtts...)
	}
	slices.Sort(rtts)
	q := func(f float64) float64 {
		if len(rtts) == 0 {
			return 0
		}
		return float64(rtts[int(f*float64(len(rtts)-1))].Microseconds())
	}
	return result{mbps: relayed * 8 / 1e6 / wall, loss: loss, cores: (cpu1 - cpu0) / wall, rttP50: q(0.5), rttP99: q(0.99)}, nil
}

// pair is one TURN client with its allocation, and the plain UDP peer
// that echoes what the relay sends it.
type pair struct {
	sock   net.PacketConn // the client's own socket to the server
	client *turn.Client
	relay  net.PacketConn // the allocation
	peer   net.PacketConn
	once   sync.Once
	rtts   []time.Duration // written by receive, read after it returned
}

func newPair(turnAddr, user string) (*pair, error) {
	sock, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	username, password := server.TURNCredentials(benchSecret, user, time.Now().Add(time.Hour))
	cl, err := turn.NewClient(&turn.ClientConfig{
		STUNServerAddr: turnAddr, TURNServerAddr: turnAddr, Conn: sock,
		Username: username, Password: password,
	})
	if err != nil {
		sock.Close()
		return nil, err
	}
	if err := cl.Listen(); err != nil {
		cl.Close()
		sock.Close()
		return nil, err
	}
	relay, err := cl.Allocate()
	if err != nil {
		cl.Close()
		sock.Close()
		return nil, fmt.Errorf("allocate: %w", err)
	}
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		relay.Close()
		cl.Close()
		sock.Close()
		return nil, err
	}
	pr := &pair{sock: sock, client: cl, relay: relay, peer: peer}
	// One packet out and back proves the path (and creates the permission
	// and channel) before the clock starts.
	if err := pr.ping(); err != nil {
		pr.close()
		return nil, err
	}
	return pr, nil
}

func (p *pair) ping() error {
	msg := []byte("ping")
	buf := make([]byte, 64)
	for range 20 {
		if _, err := p.relay.WriteTo(msg, p.peer.LocalAddr()); err != nil {
			return fmt.Errorf("send via relay: %w", err)
		}
		p.peer.SetReadDeadline(time.Now().Add(250 * time.Millisecond))
		n, from, err := p.peer.ReadFrom(buf)
		if err != nil {
			continue
		}
		p.peer.SetReadDeadline(time.Time{})
		if _, err := p.peer.WriteTo(buf[:n], from); err != nil {
			return err
		}
		p.relay.SetReadDeadline(time.Now().Add(time.Second))
		_, _, err = p.relay.ReadFrom(buf)
		p.relay.SetReadDeadline(time.Time{})
		if err == nil {
			return nil
		}
	}
	return errors.New("no packet came through the relay")
}

func (p *pair) close() {
	p.once.Do(func() {
		p.relay.Close()
		p.client.Close()
		p.sock.Close()
		p.peer.Close()
	})
}

// echo sends every packet the peer receives back to the relay.
func (p *pair) echo(cnt *counters) {
	buf := make([]byte, 2048)
	for {
		n, from, err := p.peer.ReadFrom(buf)
		if err != nil {
			return
		}
		cnt.peerBytes.Add(int64(n))
		p.peer.WriteTo(buf[:n], from)
	}
}

// receive counts what comes back through the relay and returns the round
// trips of the packets that came back while measuring.
func (p *pair) receive(cnt *counters) []time.Duration {
	buf := make([]byte, 2048)
	var rtts []time.Duration
	for {
		n, _, err := p.relay.ReadFrom(buf)
		if err != nil {
			return rtts
		}
		cnt.back.Add(1)
		cnt.backBytes.Add(int64(n))
		if n >= 8 && cnt.measuring.Load() {
			sent := time.Duration(binary.BigEndian.Uint64(buf))
			rtts = append(rtts, time.Since(cnt.epoch)-sent)
		}
	}
}

// send paces size-byte packets at rate Mbit/s (0: as fast as it can) to
// the peer through the relay.
func (p *pair) send(ctx context.Context, rate float64, size int, cnt *counters) {
	msg := make([]byte, size)
	to := p.peer.LocalAddr()
	const tick = 5 * time.Millisecond
	perTick := rate * 1e6 / 8 / float64(size) * tick.Seconds()
	credit := 0.0
	tk := time.NewTicker(tick)
	defer tk.Stop()
	for {
		if rate == 0 {
			if ctx.Err() != nil {
				return
			}
			binary.BigEndian.PutUint64(msg, uint64(time.Since(cnt.epoch)))
			if _, err := p.relay.WriteTo(msg, to); err != nil {
				return
			}
			cnt.sent.Add(1)
			cnt.sentBytes.Add(int64(size))
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-tk.C:
		}
		credit += perTick
		for ; credit >= 1; credit-- {
			binary.BigEndian.PutUint64(msg, uint64(time.Since(cnt.epoch)))
			if _, err := p.relay.WriteTo(msg, to); err != nil {
				return
			}
			cnt.sent.Add(1)
			cnt.sentBytes.Add(int64(size))
		}
	}
}
