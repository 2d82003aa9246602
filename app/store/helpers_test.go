package store

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// openTest opens a fresh store in a temporary directory and closes it when
// the test ends.
func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "peerline.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testPeer returns a stable key pair's id and public key for n.
func testPeer(t testing.TB, n int) (identity.PeerID, ed25519.PublicKey) {
	t.Helper()
	return seedPeer("peer", n)
}

// seedPeer returns the id and public key of the key pair seeded by label
// and n: a real identity (the id is the key's hash), safe to call from any
// goroutine.
func seedPeer(label string, n int) (identity.PeerID, ed25519.PublicKey) {
	seed := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(label), uint64(n)))
	kp, err := identity.FromSeed(seed[:])
	if err != nil {
		panic(err) // only for a seed of the wrong size
	}
	return kp.ID(), kp.Public()
}

// fastPeer is a peer id without a key pair behind it, cheap to make in
// bulk (any non-zero 32 bytes is a valid PeerID).
func fastPeer(n int) identity.PeerID {
	return identity.PeerID(sha256.Sum256(binary.BigEndian.AppendUint64([]byte("fast"), uint64(n))))
}

// fakeClock is a settable clock for Store.now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(s *Store) *fakeClock {
	c := &fakeClock{t: time.UnixMilli(1_700_000_000_000)}
	s.now = c.Now
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
