package bridge

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// TicketTTL is how long a launch ticket stays redeemable: long enough for a
// cold browser start on a slow machine, short enough that a ticket read
// from a process list is stale before anyone can use it.
const TicketTTL = 2 * time.Minute

// maxTickets bounds the tickets waiting to be redeemed; the oldest go first.
const maxTickets = 16

// tickets are single-use stand-ins for the token in URLs handed to another
// program (the call window's browser). The token itself must not appear on
// a command line: any local user can read those (ps, /proc/PID/cmdline). A
// ticket is redeemed once, for the session cookie, and then is worthless.
type tickets struct {
	mu   sync.Mutex
	now  func() time.Time
	byID map[[sha256.Size]byte]time.Time // hash of the ticket → expiry
}

func newTickets(now func() time.Time) *tickets {
	return &tickets{now: now, byID: map[[sha256.Size]byte]time.Time{}}
}

// issue makes a ticket valid for TicketTTL.
func (t *tickets) issue() (string, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("bridge: making ticket: %w", err)
	}
	s := base64.RawURLEncoding.EncodeToString(secret)
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.expire(now)
	for len(t.byID) >= maxTickets {
		t.dropOldest()
	}
	t.byID[sha256.Sum256([]byte(s))] = now.Add(TicketTTL)
	return s, nil
}

// redeem reports whether s is a live ticket, and spends it. The lookup is
// by hash, so timing tells nothing about the tickets held.
func (t *tickets) redeem(s string) bool {
	if s == "" {
		return false
	}
	h := sha256.Sum256([]byte(s))
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.byID[h]
	if !ok {
		return false
	}
	delete(t.byID, h)
	return t.now().Before(exp)
}

func (t *tickets) expire(now time.Time) {
	for h, exp := range t.byID {
		if !now.Before(exp) {
			delete(t.byID, h)
		}
	}
}

func (t *tickets) dropOldest() {
	var oldest [sha256.Size]byte
	var first time.Time
	for h, exp := range t.byID {
		if first.IsZero() || exp.Before(first) {
			oldest, first = h, exp
		}
	}
	delete(t.byID, oldest)
}

// ErrNotStarted means the bridge has no address yet.
var ErrNotStarted = errors.New("bridge: not started")

// LaunchURL returns a URL of this bridge that logs a browser in once, for
// handing to another program: http://127.0.0.1:PORT/?ticket=T#FRAGMENT.
// The ticket is traded for the session cookie on first use (then the
// browser is redirected to / and keeps the fragment) and expires after
// TicketTTL. fragment is what the page reads to know why it was opened;
// it must not contain '#'.
func (b *Bridge) LaunchURL(fragment string) (string, error) {
	b.mu.Lock()
	started, closed := b.started, b.closed
	b.mu.Unlock()
	switch {
	case closed:
		return "", ErrClosed
	case !started:
		return "", ErrNotStarted
	case strings.ContainsAny(fragment, "# \t\r\n"):
		return "", fmt.Errorf("bridge: launch URL: bad fragment %q", fragment)
	}
	t, err := b.tickets.issue()
	if err != nil {
		return "", err
	}
	u := b.origin + "/?ticket=" + t
	if fragment != "" {
		u += "#" + fragment
	}
	return u, nil
}
