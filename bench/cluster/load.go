//go:build linux

package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peerline/peerline/bench/load"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// client is one authenticated signaling.Conn sending candidates.
type client struct {
	conn    *signaling.Conn
	keys    *load.Keyring
	env     signaling.Envelope
	body    []byte
	stampAt int
	to      int // the addressee env.To is set for
	self    int // the client's own number
}

func dial(ctx context.Context, keys *load.Keyring, addr string, i, size int) (*client, error) {
	conn, err := signaling.Dial(ctx, signaling.DialConfig{URL: "ws://" + addr + signaling.Path, Identity: keys.Key(i)})
	if err != nil {
		return nil, err
	}
	c := &client{conn: conn, keys: keys, to: i, self: i}
	c.env = signaling.Envelope{Type: signaling.TypeCandidate, To: keys.ID(i), Call: "bench"}
	bare, _ := load.Payload(0)
	c.env.Body = bare
	frame, err := c.env.Encode()
	if err != nil {
		conn.Close()
		return nil, err
	}
	if size < len(frame) {
		conn.Close()
		return nil, fmt.Errorf("-size %d is below the smallest message, %d bytes", size, len(frame))
	}
	c.body, c.stampAt = load.Payload(size - len(frame))
	c.env.Body = c.body
	return c, nil
}

func (c *client) send(to int, t int64) error {
	load.PutStamp(c.body[c.stampAt:], t)
	if to != c.to {
		c.to, c.env.To = to, c.keys.ID(to)
	}
	return c.conn.Send(context.Background(), c.env)
}

func (c *client) recv() (int64, error) {
	for {
		env, err := c.conn.Recv()
		if err != nil {
			return 0, err
		}
		switch env.Type {
		case signaling.TypeCandidate:
			return load.StampOf(env.Body)
		case signaling.TypeError:
			return 0, signaling.ErrorOf(env)
		}
	}
}

func (c *client) close() { c.conn.Close() }

// dialAll connects clients first..first+n-1 to addr, 8 at a time.
func dialAll(ctx context.Context, keys *load.Keyring, addr string, first, n, size int) ([]*client, error) {
	return load.DialAll(ctx, n, func(ctx context.Context, i int) (*client, error) {
		return dial(ctx, keys, addr, first+i, size)
	}, (*client).close)
}

func closeAll(clients []*client) {
	for _, c := range clients {
		if c != nil {
			c.close()
		}
	}
}

// exchange runs n round trips on every pair (a[i], b[i]): a streams to b
// with at most window in flight, b echoes each back. It returns every
// relayed message's latency.
func exchange(ctx context.Context, a, b []*client, n, window int, timeout time.Duration) ([]time.Duration, error) {
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
			closeAll(a)
			closeAll(b)
		})
	}
	stop := context.AfterFunc(ctx, func() { fail(fmt.Errorf("no progress within %s: %w", timeout, ctx.Err())) })
	defer stop()
	lat := make([][]time.Duration, 2*len(a))
	for i := range a {
		ca, cb := a[i], b[i]
		credit := make(chan struct{}, window)
		for range window {
			credit <- struct{}{}
		}
		wg.Add(3)
		go func() { // a streams to b
			defer wg.Done()
			for range n {
				select {
				case <-credit:
				case <-ctx.Done():
					return
				}
				if err := ca.send(cb.self, load.Stamp()); err != nil {
					fail(fmt.Errorf("send: %w", err))
					return
				}
			}
		}()
		go func() { // a takes the echoes
			defer wg.Done()
			l := make([]time.Duration, 0, n)
			for range n {
				t, err := ca.recv()
				if err != nil {
					fail(fmt.Errorf("recv: %w", err))
					return
				}
				l = append(l, load.SinceStamp(t))
				credit <- struct{}{}
			}
			lat[2*i] = l
		}()
		go func() { // b echoes
			defer wg.Done()
			l := make([]time.Duration, 0, n)
			for range n {
				t, err := cb.recv()
				if err != nil {
					fail(fmt.Errorf("recv: %w", err))
					return
				}
				l = append(l, load.SinceStamp(t))
				if err := cb.send(ca.self, load.Stamp()); err != nil {
					fail(fmt.Errorf("send: %w", err))
					return
				}
			}
			lat[2*i+1] = l
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

// presenceCounter counts the presence messages a watcher receives.
type presenceCounter struct {
	online, offline, lists atomic.Int64
}

// watch reads c until it fails, counting presence messages.
func watch(c *client, pc *presenceCounter) {
	for {
		env, err := c.conn.Recv()
		if err != nil {
			return
		}
		if env.Type == signaling.TypePresenceList {
			pc.lists.Add(1)
		}
		if env.Type != signaling.TypePresence {
			continue
		}
		var p signaling.Presence
		if env.DecodeBody(&p) != nil {
			continue
		}
		if p.Online {
			pc.online.Add(1)
		} else {
			pc.offline.Add(1)
		}
	}
}

// subscribe makes c watch peers, in subscribes of at most per ids.
func subscribe(ctx context.Context, c *client, peers []identity.PeerID, per int) error {
	for i := 0; i < len(peers); i += per {
		s := signaling.Subscribe{Peers: peers[i:min(i+per, len(peers))]}
		if i > 0 {
			s = signaling.Subscribe{Add: s.Peers}
		}
		env, err := signaling.New(signaling.TypeSubscribe, s)
		if err != nil {
			return err
		}
		if err := c.conn.Send(ctx, env); err != nil {
			return err
		}
	}
	return nil
}
