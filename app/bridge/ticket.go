package bridge

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// TicketTTL is how long a launch ticket stays redeemable: long enough for a
// cold browser start on a slow machine, short enough that a launch page
// left behind (a crash before it was deleted) is stale.
const TicketTTL = 2 * time.Minute

// maxTickets bounds the tickets waiting to be redeemed; the oldest go first.
const maxTickets = 16

// tickets are single-use stand-ins for the token, handed to the call
// window's browser through a launch page only this user can read
// (LaunchURL). A ticket is redeemed once, for the token, and is then
// worthless, so a launch page read later (from the profile's history, a
// file left behind) grants nothing. Each ticket names its launch page, for
// the Bridge to delete once the ticket is spent or expired.
type tickets struct {
	now  func() time.Time
	byID map[[sha256.Size]byte]ticket // hash of the ticket → its state
}

type ticket struct {
	exp  time.Time
	file string // the launch page holding it
}

func newTickets(now func() time.Time) *tickets {
	return &tickets{now: now, byID: map[[sha256.Size]byte]ticket{}}
}

// issue makes a ticket valid for TicketTTL, held in file. It returns the
// launch pages of the tickets it dropped (expired, or the oldest over
// maxTickets), for deletion. The caller holds the Bridge's lock.
func (t *tickets) issue(file string) (s string, dropped []string, err error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", nil, err
	}
	s = base64.RawURLEncoding.EncodeToString(secret)
	now := t.now()
	dropped = t.expire(now)
	for len(t.byID) >= maxTickets {
		dropped = append(dropped, t.dropOldest())
	}
	t.byID[sha256.Sum256([]byte(s))] = ticket{exp: now.Add(TicketTTL), file: file}
	return s, dropped, nil
}

// redeem reports whether s is a live ticket, and spends it; file is its
// launch page (also for an expired ticket), to delete. The lookup is by
// hash, so timing tells nothing about the tickets held.
func (t *tickets) redeem(s string) (ok bool, file string) {
	if s == "" {
		return false, ""
	}
	h := sha256.Sum256([]byte(s))
	tk, found := t.byID[h]
	if !found {
		return false, ""
	}
	delete(t.byID, h)
	return t.now().Before(tk.exp), tk.file
}

// revoke forgets the ticket s (its launch page could not be written).
func (t *tickets) revoke(s string) { delete(t.byID, sha256.Sum256([]byte(s))) }

// expire forgets the tickets expired at now and returns their pages.
func (t *tickets) expire(now time.Time) (files []string) {
	for h, tk := range t.byID {
		if !now.Before(tk.exp) {
			delete(t.byID, h)
			files = append(files, tk.file)
		}
	}
	return files
}

// next is the earliest expiry held, false when none.
func (t *tickets) next() (time.Time, bool) {
	var first time.Time
	for _, tk := range t.byID {
		if first.IsZero() || tk.exp.Before(first) {
			first = tk.exp
		}
	}
	return first, !first.IsZero()
}

// all forgets every ticket and returns their pages.
func (t *tickets) all() (files []string) {
	for h, tk := range t.byID {
		delete(t.byID, h)
		files = append(files, tk.file)
	}
	return files
}

func (t *tickets) dropOldest() (file string) {
	var oldest [sha256.Size]byte
	var first time.Time
	for h, tk := range t.byID {
		if first.IsZero() || tk.exp.Before(first) {
			oldest, first = h, tk.exp
		}
	}
	file = t.byID[oldest].file
	delete(t.byID, oldest)
	return file
}
