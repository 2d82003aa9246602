// Package load holds what the signaling benchmarks' load generators share
// (bench/signal, bench/cluster): deterministic identities per client
// number, candidate-like payloads that carry the sender's clock, dialling
// many clients a few at a time, and the statistics the figures are quoted
// in (medians and nearest-rank percentiles).
package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// Keyring hands out a deterministic Ed25519 identity per client number, so
// keys can be made before anything is timed and every run uses the same.
type Keyring struct {
	prefix string
	mu     sync.Mutex
	keys   map[int]*identity.KeyPair
}

// NewKeyring returns a keyring whose seeds start with prefix (at most 28
// bytes are used), so two benchmarks' clients never share an id.
func NewKeyring(prefix string) *Keyring {
	return &Keyring{prefix: prefix, keys: make(map[int]*identity.KeyPair)}
}

// Key returns client i's key pair.
func (k *Keyring) Key(i int) *identity.KeyPair {
	k.mu.Lock()
	defer k.mu.Unlock()
	if kp, ok := k.keys[i]; ok {
		return kp
	}
	seed := make([]byte, 32)
	copy(seed[:28], k.prefix)
	seed[28], seed[29], seed[30], seed[31] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
	kp, err := identity.FromSeed(seed)
	if err != nil {
		panic(err) // a 32-byte seed always works
	}
	k.keys[i] = kp
	return kp
}

// ID returns client i's peer id.
func (k *Keyring) ID(i int) identity.PeerID { return k.Key(i).ID() }

// StampLen is the length of a stamp: the sender's monotonic clock in
// nanoseconds since the process began, plus 1e18, so it always prints as
// exactly StampLen digits and every message of a run has the same size.
const StampLen = 19

var epoch = time.Now()

// Stamp is now, as a stamp.
func Stamp() int64 { return 1e18 + int64(time.Since(epoch)) }

// SinceStamp is the time elapsed since stamp t was taken.
func SinceStamp(t int64) time.Duration { return time.Duration(Stamp() - t) }

// PutStamp writes t into the StampLen bytes of dst.
func PutStamp(dst []byte, t int64) {
	for i := StampLen - 1; i >= 0; i-- {
		dst[i] = byte('0' + t%10)
		t /= 10
	}
}

var stampKey = []byte(`"t":`)

// StampOf finds the stamp in a relayed payload.
func StampOf(b []byte) (int64, error) {
	i := bytes.LastIndex(b, stampKey)
	if i < 0 || len(b) < i+len(stampKey)+StampLen {
		return 0, errors.New("relayed message has no stamp")
	}
	var t int64
	for _, c := range b[i+len(stampKey) : i+len(stampKey)+StampLen] {
		if c < '0' || c > '9' {
			return 0, errors.New("relayed message has a bad stamp")
		}
		t = t*10 + int64(c-'0')
	}
	return t, nil
}

// Payload returns a JSON object the servers relay untouched, padded with
// pad characters, and the offset of its stamp slot. It looks like an ICE
// candidate, the most frequent signaling message.
func Payload(pad int) (body []byte, stampAt int) {
	b := []byte(`{"candidate":"`)
	b = append(b, bytes.Repeat([]byte("a"), pad)...)
	b = append(b, `","sdpMid":"0","t":`...)
	stampAt = len(b)
	b = append(b, bytes.Repeat([]byte("1"), StampLen)...)
	return append(b, '}'), stampAt
}

// DialAll dials clients 0..n-1 with dial, 8 at a time, each within 15 s.
// On any failure it closes those it made and returns the first error.
func DialAll[C any](ctx context.Context, n int, dial func(ctx context.Context, i int) (C, error), closeFn func(C)) ([]C, error) {
	clients := make([]C, n)
	ok := make([]bool, n)
	errs := make(chan error, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
				c, err := dial(dctx, i)
				cancel()
				if err != nil {
					errs <- fmt.Errorf("dial client %d: %w", i, err)
					continue
				}
				clients[i], ok[i] = c, true
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
		for i, c := range clients {
			if ok[i] {
				closeFn(c)
			}
		}
		return nil, err
	}
	return clients, nil
}

// Percentile returns the nearest-rank p-th percentile of d (sorting d).
func Percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	i := (len(d)*p+99)/100 - 1
	return d[max(0, min(i, len(d)-1))]
}

// MedianDuration is the median of d (d is left as it was).
func MedianDuration(d []time.Duration) time.Duration {
	return Percentile(append([]time.Duration(nil), d...), 50)
}

// Median is the median of v (v is left as it was).
func Median(v []float64) float64 {
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
