//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// keyring hands out a deterministic Ed25519 identity per client number,
// made before anything is timed.
type keyring struct {
	mu   sync.Mutex
	keys map[int]*identity.KeyPair
}

func newKeyring() *keyring { return &keyring{keys: make(map[int]*identity.KeyPair)} }

func (k *keyring) key(i int) *identity.KeyPair {
	k.mu.Lock()
	defer k.mu.Unlock()
	if kp, ok := k.keys[i]; ok {
		return kp
	}
	seed := make([]byte, 32)
	copy(seed, "peerline-bench-cluster")
	seed[28], seed[29], seed[30], seed[31] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
	kp, err := identity.FromSeed(seed)
	if err != nil {
		panic(err) // a 32-byte seed always works
	}
	k.keys[i] = kp
	return kp
}

func (k *keyring) id(i int) identity.PeerID { return k.key(i).ID() }

// Stamps are the sender's monotonic clock in ns plus 1e18: always
// stampLen digits, so every message of a run has the same size.
const stampLen = 19

var epoch = time.Now()

func stamp() int64                     { return 1e18 + int64(time.Since(epoch)) }
func sinceStamp(t int64) time.Duration { return time.Duration(stamp() - t) }

// putStamp writes t into the stampLen bytes of dst.
func putStamp(dst []byte, t int64) {
	for i := stampLen - 1; i >= 0; i-- {
		dst[i] = byte('0' + t%10)
		t /= 10
	}
}

// payload is a candidate-like JSON body padded with pad characters, and
// the offset of its stamp.
func payload(pad int) (body []byte, at int) {
	b := []byte(`{"candidate":"`)
	b = append(b, bytes.Repeat([]byte("a"), pad)...)
	b = append(b, `","sdpMid":"0","t":`...)
	at = len(b)
	b = append(b, bytes.Repeat([]byte("1"), stampLen)...)
	return append(b, '}'), at
}

var stampKey = []byte(`"t":`)

func stampOf(b []byte) (int64, error) {
	i := bytes.LastIndex(b, stampKey)
	if i < 0 || len(b) < i+len(stampKey)+stampLen {
		return 0, errors.New("relayed message has no stamp")
	}
	var t int64
	for _, c := range b[i+len(stampKey) : i+len(stampKey)+stampLen] {
		if c < '0' || c > '9' {
			return 0, errors.New("relayed message has a bad stamp")
		}
		t = t*10 + int64(c-'0')
	}
	return t, nil
}

// client is one authenticated signaling.Conn sending candidates.
type client struct {
	conn    *signaling.Conn
	keys    *keyring
	env     signaling.Envelope
	body    []byte
	stampAt int
	to      int // the addressee env.To is set for
	self    int // the client's own number
}

func dial(ctx context.Context, keys *keyring, addr string, i, size int) (*client, error) {
	conn, err := signaling.Dial(ctx, signaling.DialConfig{URL: "ws://" + addr + signaling.Path, Identity: keys.key(i)})
	if err != nil {
		return nil, err
	}
	c := &client{conn: conn, keys: keys, to: i, self: i}
	c.env = signaling.Envelope{Type: signaling.TypeCandidate, To: keys.id(i), Call: "bench"}
	bare, _ := payload(0)
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
	c.body, c.stampAt = payload(size - len(frame))
	c.env.Body = c.body
	return c, nil
}

func (c *client) send(to int, t int64) error {
	putStamp(c.body[c.stampAt:], t)
	if to != c.to {
		c.to, c.env.To = to, c.keys.id(to)
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
			return stampOf(env.Body)
		case signaling.TypeError:
			return 0, signaling.ErrorOf(env)
		}
	}
}

func (c *client) close() { c.conn.Close() }

// dialAll connects clients first..first+n-1 to addr, 8 at a time.
func dialAll(ctx context.Context, keys *keyring, addr string, first, n, size int) ([]*client, error) {
	clients := make([]*client, n)
	errs := make(chan error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				c, err := dial(dctx, keys, addr, first+i, size)
				cancel()
				if err != nil {
					errs <- fmt.Errorf("dial client %d: %w", first+i, err)
					continue
				}
				clients[i] = c
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		closeAll(clients)
		return nil, err
	}
	return clients, nil
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
				if err := ca.send(cb.self, stamp()); err != nil {
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
				l = append(l, sinceStamp(t))
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
				l = append(l, sinceStamp(t))
				if err := cb.send(ca.self, stamp()); err != nil {
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

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	i := (len(d)*p+99)/100 - 1
	return d[max(0, min(i, len(d)-1))]
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}
