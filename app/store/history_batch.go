package store

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// History write-behind. Every commit is an fsync (synchronous=FULL), so a
// caller that rings hundreds of times a second would make the store do
// hundreds of fsyncs a second if each finished call were its own
// transaction. QueueCall keeps finished calls in memory and commits them
// together: after HistoryFlushInterval, when HistoryBatchMax are waiting,
// before any read or edit of the history, and on Close. A clean Close
// loses nothing; a crash (kill -9, power loss) loses at most the calls
// queued in the last HistoryFlushInterval plus the time one commit takes.
const (
	// HistoryFlushInterval is the longest a queued call waits for its
	// commit.
	HistoryFlushInterval = 250 * time.Millisecond
	// HistoryBatchMax is the most calls queued before QueueCall commits
	// them itself (in the caller, which so waits for its own backlog).
	HistoryBatchMax = 256
)

// historyBatch is the queue of calls waiting for a commit.
type historyBatch struct {
	flushMu sync.Mutex // one commit at a time, in order

	mu      sync.Mutex
	pending []Call
	index   map[string]int // call id -> position in pending
	timer   *time.Timer
	closed  bool

	commits atomic.Int64 // history transactions committed by flushes (tests)
}

// QueueCall stores a finished call (EndedAt set) in the history, committed
// with others within HistoryFlushInterval (see the constants). The call is
// validated at once, with AddCall's rules. Unlike AddCall, a call whose id
// is already stored or queued replaces that entry: the call manager
// re-records a coalesced entry with a growing Attempts this way. Reads of
// the history see queued calls (they commit them first).
func (s *Store) QueueCall(ctx context.Context, c Call) (Call, error) {
	fail := func(err error) (Call, error) {
		return Call{}, fmt.Errorf("store: queue call %.32s with %s: %w", c.ID, c.Peer.Short(), err)
	}
	c, err := c.normalize()
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalid, err))
	}
	if c.EndedAt.IsZero() {
		return fail(fmt.Errorf("%w: only finished calls are queued", ErrInvalid))
	}
	b := &s.hist
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return fail(ErrClosed)
	}
	if b.index == nil {
		b.index = map[string]int{}
	}
	if i, ok := b.index[c.ID]; ok {
		// Only the same peer's call replaces one (coalesced rings); see
		// upsertCall.
		if b.pending[i].Peer == c.Peer {
			b.pending[i] = c
		}
	} else {
		b.index[c.ID] = len(b.pending)
		b.pending = append(b.pending, c)
	}
	full := len(b.pending) >= HistoryBatchMax
	if !full {
		s.armFlushLocked()
	}
	b.mu.Unlock()
	if full {
		if err := s.flushHistory(ctx); err != nil {
			return fail(err)
		}
	}
	return c, nil
}

// armFlushLocked starts the flush timer unless it runs; hist.mu is held.
// The timer is the store's: flushHistory and Close stop it.
func (s *Store) armFlushLocked() {
	if s.hist.timer != nil || s.hist.closed {
		return
	}
	s.hist.timer = time.AfterFunc(HistoryFlushInterval, func() {
		// Nobody to report to: a failed commit keeps its calls queued
		// for the next flush, read or Close, which do report.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.flushHistory(ctx)
	})
}

// flushHistory commits the queued calls in one transaction. On failure
// they stay queued (ahead of newer ones).
func (s *Store) flushHistory(ctx context.Context) error {
	b := &s.hist
	b.flushMu.Lock()
	defer b.flushMu.Unlock()
	b.mu.Lock()
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	batch := b.pending
	b.pending, b.index = nil, nil
	b.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx, upsertCall)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, c := range batch {
			if _, err := stmt.ExecContext(ctx, c.ID, c.Peer.String(), c.PeerName, c.Direction.String(), c.Media.String(),
				c.StartedAt.UnixMilli(), timeMs(c.AnsweredAt), timeMs(c.EndedAt), c.Outcome.String(), c.Error, c.Attempts,
				c.Group, c.Cause, membersText(c.Members)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.mu.Lock()
		b.requeueLocked(batch)
		s.armFlushLocked()
		b.mu.Unlock()
		return fmt.Errorf("commit %d queued calls: %w", len(batch), err)
	}
	b.commits.Add(1)
	return nil
}

// requeueLocked puts a failed batch back in front of what was queued
// since; a newer version of the same call wins.
func (b *historyBatch) requeueLocked(batch []Call) {
	newer := b.pending
	b.pending, b.index = nil, map[string]int{}
	for _, list := range [][]Call{batch, newer} {
		for _, c := range list {
			if i, ok := b.index[c.ID]; ok {
				b.pending[i] = c
				continue
			}
			b.index[c.ID] = len(b.pending)
			b.pending = append(b.pending, c)
		}
	}
}

// closeHistory refuses new queued calls and commits the queued ones.
func (s *Store) closeHistory() error {
	s.hist.mu.Lock()
	s.hist.closed = true
	s.hist.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.flushHistory(ctx); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// upsertCall writes one queued call: new, or replacing the entry with its
// id (a coalesced entry counting more rings) when it is the same peer's.
// The caller picks an incoming call's id, and a group id is the id of the
// call the group grew from, known to everyone ever added: another peer's
// call with a stored call's id is dropped, never written over it.
const upsertCall = `INSERT INTO calls (call_id, peer_id, peer_name, direction, media, started_at, answered_at,
	ended_at, outcome, error, attempts, group_id, cause, members) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
	ON CONFLICT (call_id) DO UPDATE SET peer_name = excluded.peer_name, answered_at = excluded.answered_at,
	ended_at = excluded.ended_at, outcome = excluded.outcome, error = excluded.error, attempts = excluded.attempts,
	group_id = excluded.group_id, cause = excluded.cause, members = excluded.members
	WHERE calls.peer_id = excluded.peer_id`
