//go:build linux

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// target is a signaling server under test: how to get it ready, start it,
// and connect clients to it.
type target interface {
	// name is the short name used in flags and tables.
	name() string
	// prepare builds or installs what command needs, once per benchmark.
	prepare(ctx context.Context) error
	// command returns the command that serves on addr (127.0.0.1:PORT).
	command(addr string) *exec.Cmd
	// dial connects and authenticates client number i; the call returns
	// once the server has accepted it.
	dial(ctx context.Context, addr string, i int) (client, error)
}

// client is one connected, authenticated client. send and recv may run in
// different goroutines; each is called from one goroutine at a time.
type client interface {
	// send sends one message carrying stamp t to client number to.
	send(to int, t int64) error
	// recv waits for the next relayed message and returns its stamp.
	recv() (int64, error)
	close()
}

// readyClient is the client number used for readiness dials, apart from
// the numbers the load uses.
const readyClient = 1 << 30

// keyring hands out a deterministic Ed25519 identity per client number.
// PeerJS clients use the same ids as their names, so both servers relay
// the same number of bytes.
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
	copy(seed, "peerline-bench-signal")
	seed[28], seed[29], seed[30], seed[31] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
	kp, err := identity.FromSeed(seed)
	if err != nil {
		panic(err) // a 32-byte seed always works
	}
	k.keys[i] = kp
	return kp
}

func (k *keyring) id(i int) identity.PeerID { return k.key(i).ID() }

// Message stamps are the sender's monotonic clock in nanoseconds since
// epoch, plus 1e18, so they always print as exactly stampLen digits and
// every message of a run has the same size.
const stampLen = 19

var epoch = time.Now()

func stamp() int64 { return 1e18 + int64(time.Since(epoch)) }

// sinceStamp is the time elapsed since stamp t was taken.
func sinceStamp(t int64) time.Duration { return time.Duration(stamp() - t) }

// putStamp writes t into the stampLen bytes of dst.
func putStamp(dst []byte, t int64) {
	for i := stampLen - 1; i >= 0; i-- {
		dst[i] = byte('0' + t%10)
		t /= 10
	}
}

var stampKey = []byte(`"t":`)

// stampOf finds the stamp in a relayed payload.
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

// payload returns the JSON object both servers relay untouched, padded to
// pad characters, with its stamp slot and the slot's offset. It looks like
// an ICE candidate, the most frequent signaling message.
func payload(pad int) ([]byte, int) {
	b := []byte(`{"candidate":"`)
	b = append(b, bytes.Repeat([]byte("a"), pad)...)
	b = append(b, `","sdpMid":"0","t":`...)
	off := len(b)
	b = append(b, bytes.Repeat([]byte("1"), stampLen)...)
	return append(b, '}'), off
}

// padFor returns how much padding makes a frame of size bytes, given the
// frame's length with no padding.
func padFor(size, bare int) (int, error) {
	if size < bare {
		return 0, fmt.Errorf("-size %d is below the smallest message, %d bytes", size, bare)
	}
	return size - bare, nil
}
