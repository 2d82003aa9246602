//go:build linux

package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/bench/load"
	"github.com/peerline/peerline/signaling"
)

// thinConn is an authenticated connection used raw after the handshake:
// prebuilt frames written in bulk, received frames counted without
// decoding (as BenchmarkRelay in signaling/cluster does), so the load
// generator costs little and the servers see more messages per wake-up.
type thinConn struct {
	sc  *signaling.Conn // kept: it owns the connection
	raw net.Conn
}

// dialThin authenticates client i with the real handshake and returns
// its TCP connection for raw use.
func dialThin(ctx context.Context, keys *load.Keyring, addr string, i int) (*thinConn, error) {
	var mu sync.Mutex
	var raw net.Conn
	d := &websocket.Dialer{
		HandshakeTimeout: 10 * time.Second,
		NetDialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, a)
			mu.Lock()
			raw = c
			mu.Unlock()
			return c, err
		},
	}
	sc, err := signaling.Dial(ctx, signaling.DialConfig{URL: "ws://" + addr + signaling.Path, Identity: keys.Key(i), Dialer: d})
	if err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	return &thinConn{sc: sc, raw: raw}, nil
}

func dialThinAll(ctx context.Context, keys *load.Keyring, addr string, first, n int) ([]*thinConn, error) {
	out := make([]*thinConn, n)
	for i := range out {
		dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		c, err := dialThin(dctx, keys, addr, first+i)
		cancel()
		if err != nil {
			closeThin(out)
			return nil, fmt.Errorf("dial client %d: %w", first+i, err)
		}
		out[i] = c
	}
	return out, nil
}

func closeThin(cs []*thinConn) {
	for _, c := range cs {
		if c != nil {
			c.sc.Close()
		}
	}
}

// thinFrame is a masked client text frame (zero key) of a candidate
// envelope to the peer, size bytes of JSON.
func thinFrame(to signaling.PeerID, size int) []byte {
	env := `{"v":1,"type":"candidate","to":"` + to.String() + `","call":"c-1","body":{"candidate":"`
	env += strings.Repeat("x", max(0, size-len(env)-3)) + `"}}`
	f := []byte{0x81, 0x80 | 126, byte(len(env) >> 8), byte(len(env)), 0, 0, 0, 0}
	return append(f, env...)
}

// thinStream has a[i] stream n messages to b[i] with at most window in
// flight; it returns when every b has counted its n.
func thinStream(ctx context.Context, a, b []*thinConn, frames [][]byte, n, window int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(a))
	stop := context.AfterFunc(ctx, func() {
		for _, c := range append(append([]*thinConn(nil), a...), b...) {
			c.raw.SetDeadline(time.Now())
		}
	})
	defer stop()
	for i := range a {
		var recv atomic.Int64
		wake := make(chan struct{}, 1)
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := countFrames(b[i].raw, int64(n), &recv, wake); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			var buf []byte
			for sent := 0; sent < n; {
				room := window - (sent - int(recv.Load()))
				if room <= 0 {
					select {
					case <-wake:
					case <-ctx.Done():
						return
					}
					continue
				}
				room = min(room, n-sent)
				buf = buf[:0]
				for range room {
					buf = append(buf, frames[i]...)
				}
				if _, err := a[i].raw.Write(buf); err != nil {
					errs <- err
					return
				}
				sent += room
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	return ctx.Err()
}

// countFrames reads server frames from c until want text frames came,
// adding each to n and poking wake.
func countFrames(c net.Conn, want int64, n *atomic.Int64, wake chan struct{}) error {
	buf := make([]byte, 64<<10)
	var pending []byte
	for got := int64(0); got < want; {
		k, err := c.Read(buf)
		pending = append(pending, buf[:k]...)
		off := 0
		for {
			p := pending[off:]
			if len(p) < 2 {
				break
			}
			hl, pl := 2, int(p[1]&0x7f)
			switch pl {
			case 126:
				if len(p) < 4 {
					hl = -1
					break
				}
				hl, pl = 4, int(binary.BigEndian.Uint16(p[2:]))
			case 127:
				if len(p) < 10 {
					hl = -1
					break
				}
				hl, pl = 10, int(binary.BigEndian.Uint64(p[2:]))
			}
			if hl < 0 || len(p) < hl+pl {
				break
			}
			if p[0]&0x0f == 1 {
				got++
				n.Add(1)
				select {
				case wake <- struct{}{}:
				default:
				}
			}
			off += hl + pl
		}
		pending = append(pending[:0], pending[off:]...)
		if err == io.EOF && got < want {
			return fmt.Errorf("connection closed after %d of %d frames", got, want)
		}
		if err != nil && err != io.EOF {
			return err
		}
	}
	return nil
}

// thinRelay is relay with thin clients, one way: senders on the first
// node, receivers on the last.
func thinRelay(ctx context.Context, s *system, keys *load.Keyring, o options, r *result) error {
	a, err := dialThinAll(ctx, keys, s.first(), 0, o.pairs)
	if err != nil {
		return err
	}
	defer closeThin(a)
	b, err := dialThinAll(ctx, keys, s.last(), pairBase, o.pairs)
	if err != nil {
		return err
	}
	defer closeThin(b)
	if s.nats != nil {
		if err := waitMetric(ctx, s.first(), "peerline_cluster_remote_peers", func(v float64) bool { return v >= float64(o.pairs) }); err != nil {
			return err
		}
	}
	frames := make([][]byte, o.pairs)
	for i := range frames {
		frames[i] = thinFrame(keys.ID(pairBase+i), o.size)
	}
	n := max(1, o.msgs/o.pairs)
	if err := thinStream(ctx, a, b, frames, max(1, n/10), o.window, o.timeout); err != nil {
		return fmt.Errorf("warm-up: %w", err)
	}
	return measureCPU(ctx, s, r, o.pairs*n, func() error { return thinStream(ctx, a, b, frames, n, o.window, o.timeout) })
}
