package calls

import (
	"context"
	"github.com/peerline/peerline/app/errcode"
	"strconv"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// Strangers (callers whose key is not a pinned contact's) may ring, but
// not again and again: anyone can make a key and ring with it, and the
// user's attention is the asset. A stranger rings at most once per
// StrangerInterval; its invites meanwhile are refused as "unavailable"
// (what the caller would see if we were offline: nothing tells it that it
// was limited) and counted on one missed-call entry, whose Attempts grows
// with each (the store coalesces re-records of one call id). A flood from
// many new identities at once is capped too: at most StrangerBurst
// strangers ring per StrangerInterval. Contacts are never limited, and a
// contact's call takes over a stranger's ring (see handleInvite).

// Stranger limits.
const (
	// DefaultStrangerInterval is Config.StrangerInterval's default.
	DefaultStrangerInterval = time.Minute
	// StrangerBurst is how many different strangers may ring within one
	// StrangerInterval.
	StrangerBurst = 5
	// maxStrangers bounds the strangers remembered; past it the oldest
	// quiet one is forgotten.
	maxStrangers = 1024
)

// stranger is what the manager remembers of one stranger's rings.
type stranger struct {
	rang     time.Time // when it last rang
	prevRang time.Time // rang before the last ring slot was taken (strangerBusyLocked gives it back)
	last     time.Time // its last invite, rung or not
	flood    *Record   // the coalesced missed entry of the invites that did not ring
	busy     *Record   // the coalesced entry of its invites refused busy
	dnd      *Record   // the coalesced entry of its invites refused for do not disturb
}

// strangerRingLocked decides whether an invite from stranger peer may
// ring now; if not it returns the coalesced record to write. m.mu is held.
func (m *Manager) strangerRingLocked(env signaling.Envelope, inv signaling.Invite, now time.Time) (ring bool, rec *Record) {
	every := m.cfg.StrangerInterval
	m.pruneStrangersLocked(now)
	s := m.strangers[env.From]
	if s == nil {
		s = &stranger{}
	}
	quiet := now.Sub(s.last) >= every
	s.last = now
	if quiet {
		// Quiet for a whole interval: the flood (if any) is over, and its
		// entry is final.
		s.flood = nil
	}
	if s.flood == nil && now.Sub(s.rang) >= every && m.recentStrangerRingsLocked(now) < StrangerBurst {
		s.prevRang, s.rang = s.rang, now
		m.strangers[env.From] = s
		return true, nil
	}
	if s.flood == nil {
		s.flood = &Record{CallID: env.Call, Peer: env.From, PeerName: inv.Name, Direction: DirectionIncoming,
			Video: hasVideo(inv.Media), StartedAt: now, Outcome: OutcomeMissed}
	}
	s.flood.Attempts++
	s.flood.EndedAt = now
	s.flood.Reason = "rang again and again: not rung (" + strconv.Itoa(s.flood.Attempts) + " times)"
	m.strangers[env.From] = s
	r := *s.flood
	return false, &r
}

// strangerBusyLocked is for a stranger's invite that strangerRingLocked
// let ring but that is refused because we are in another call. It did not
// ring, so it gives the ring slot back: a caller who heard "busy" may call
// again once we are free, as anyone would. Busy refusals within one
// StrangerInterval are counted on one entry, so a stranger flooding while
// we are busy still leaves one history row. It returns the record to
// write. m.mu is held.
func (m *Manager) strangerBusyLocked(env signaling.Envelope, inv signaling.Invite, now time.Time) Record {
	s := m.strangerGiveBackLocked(env, now)
	return m.coalesceLocked(&s.busy, env, inv, now, OutcomeBusy, "called while you were in another call")
}

// strangerDNDLocked is strangerBusyLocked for an invite refused because
// do not disturb is on: the ring slot goes back (the stranger may call
// once it is off, as anyone would), and its refusals within one
// StrangerInterval are one missed entry. m.mu is held.
func (m *Manager) strangerDNDLocked(env signaling.Envelope, inv signaling.Invite, now time.Time) Record {
	s := m.strangerGiveBackLocked(env, now)
	return m.coalesceLocked(&s.dnd, env, inv, now, OutcomeMissed, ReasonDoNotDisturbOn)
}

// fullLocked is the record of an invite refused call_full: a peer's such
// refusals within one StrangerInterval are one history entry whose
// Attempts grows (a newcomer retrying, or anyone holding a voucher, must
// not fill the history), for contacts and strangers alike. m.mu is held.
func (m *Manager) fullLocked(env signaling.Envelope, inv signaling.Invite, now time.Time) Record {
	if len(m.full) >= maxStrangers {
		for id, r := range m.full {
			if now.Sub(r.EndedAt) >= m.cfg.StrangerInterval {
				delete(m.full, id)
			}
		}
		if len(m.full) >= maxStrangers {
			clear(m.full)
		}
	}
	r := m.full[env.From]
	rec := m.coalesceLocked(&r, env, inv, now, OutcomeBusy, ReasonCallFull)
	m.full[env.From] = r
	// A join that members vouched for, or a glare for our group: a
	// refused leg of our group call.
	if inv.Group != nil {
		rec.Group = inv.Group.ID
	}
	rec.Cause = errcode.CallFull
	return rec
}

// strangerGiveBackLocked returns the ring slot strangerRingLocked took
// for an invite that did not ring after all. m.mu is held.
func (m *Manager) strangerGiveBackLocked(env signaling.Envelope, now time.Time) *stranger {
	s := m.strangers[env.From]
	if s == nil { // forgotten meanwhile (pruned): start afresh
		s = &stranger{last: now}
		m.strangers[env.From] = s
	}
	s.rang = s.prevRang
	return s
}

// coalesceLocked counts one more refused invite on *rec, starting a new
// entry when there is none or the last is an interval old. m.mu is held.
func (m *Manager) coalesceLocked(rec **Record, env signaling.Envelope, inv signaling.Invite, now time.Time, outcome Outcome, reason string) Record {
	if *rec == nil || now.Sub((*rec).EndedAt) >= m.cfg.StrangerInterval {
		*rec = &Record{CallID: env.Call, Peer: env.From, PeerName: inv.Name, Direction: DirectionIncoming,
			Video: hasVideo(inv.Media), StartedAt: now, Outcome: outcome}
	}
	r := *rec
	r.Attempts++
	r.EndedAt = now
	r.Reason = reason
	if r.Attempts > 1 {
		r.Reason += " (" + strconv.Itoa(r.Attempts) + " times)"
	}
	return *r
}

// recentStrangerRingsLocked counts strangers that rang within the
// interval (all, not per peer).
func (m *Manager) recentStrangerRingsLocked(now time.Time) int {
	n := 0
	for _, s := range m.strangers {
		if now.Sub(s.rang) < m.cfg.StrangerInterval {
			n++
		}
	}
	return n
}

// pruneStrangersLocked forgets strangers quiet for an interval, and the
// oldest ones past maxStrangers.
func (m *Manager) pruneStrangersLocked(now time.Time) {
	if len(m.strangers) < maxStrangers {
		return
	}
	var oldest identity.PeerID
	var oldestAt time.Time
	for id, s := range m.strangers {
		if now.Sub(s.last) >= m.cfg.StrangerInterval && now.Sub(s.rang) >= m.cfg.StrangerInterval {
			delete(m.strangers, id)
			continue
		}
		if oldestAt.IsZero() || s.last.Before(oldestAt) {
			oldest, oldestAt = id, s.last
		}
	}
	if len(m.strangers) >= maxStrangers {
		delete(m.strangers, oldest)
	}
}

// record writes a record to history (outside m.mu).
func (m *Manager) record(rec Record) {
	if m.cfg.Recorder == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.cfg.Recorder.RecordCall(ctx, rec); err != nil {
		m.cfg.Logger.Error("calls: record call", "call", rec.CallID, "err", err)
	}
}
