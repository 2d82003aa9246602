package api

import (
	"context"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
)

// historyStore is the call-history part of the store.
type historyStore interface {
	ListHistory(ctx context.Context, limit int, before store.Cursor) ([]store.Call, store.Cursor, error)
	DeleteHistory(ctx context.Context, callID string) error
	ClearHistory(ctx context.Context) (int64, error)
	QueueCall(ctx context.Context, c store.Call) (store.Call, error)
}

// History is the bound service for the call history.
type History struct {
	ctx    context.Context
	store  historyStore
	events Emitter
}

// NewHistory returns the History service.
func NewHistory(ctx context.Context, st historyStore, ev Emitter) *History {
	return &History{ctx: ctx, store: st, events: ev}
}

// List returns up to limit entries older than the cursor before ("" for
// the newest).
func (s *History) List(limit int, before string) (HistoryPage, error) {
	calls, next, err := s.store.ListHistory(s.ctx, limit, store.Cursor(before))
	if err != nil {
		return HistoryPage{}, coded(err)
	}
	page := HistoryPage{Entries: make([]HistoryEntry, len(calls)), Next: string(next)}
	for i, c := range calls {
		page.Entries[i] = historyEntry(c)
	}
	return page, nil
}

// Delete removes one entry.
func (s *History) Delete(callID string) error {
	if err := s.store.DeleteHistory(s.ctx, callID); err != nil {
		return coded(err)
	}
	s.events.Emit(events.HistoryChanged, nil)
	return nil
}

// Clear removes every entry.
func (s *History) Clear() error {
	if _, err := s.store.ClearHistory(s.ctx); err != nil {
		return coded(err)
	}
	s.events.Emit(events.HistoryChanged, nil)
	return nil
}

// Recorder writes finished calls to the history (calls.Recorder) and
// tells the UI. It is not bound: the UI never records calls.
type Recorder struct {
	Store  historyStore
	Names  *Names
	Events Emitter
}

// RecordCall stores one finished call, through the store's write-behind
// queue (a ring flood is not one fsync per ring). A coalesced entry
// (Attempts > 1) replaces the one before; the UI hears of it at 1, 2, 4,
// 8, ... attempts, so a flood does not make it reload the history per
// ring either.
func (r *Recorder) RecordCall(ctx context.Context, rec calls.Record) error {
	c := store.Call{ID: rec.CallID, Peer: rec.Peer, PeerName: r.Names.NameOf(ctx, rec.Peer, rec.PeerName),
		StartedAt: rec.StartedAt, EndedAt: rec.EndedAt, Error: rec.Reason, Attempts: rec.Attempts}
	c.Direction = store.DirectionOutgoing
	if rec.Direction == calls.DirectionIncoming {
		c.Direction = store.DirectionIncoming
	}
	c.Media = store.MediaAudio
	if rec.Video {
		c.Media = store.MediaVideo
	}
	c.Outcome = storeOutcome(rec.Outcome, c.Direction)
	if c.Outcome == store.OutcomeCompleted || c.Outcome == store.OutcomeFailed {
		c.AnsweredAt = rec.ConnectedAt
	}
	if c.Outcome == store.OutcomeCompleted && c.AnsweredAt.IsZero() {
		c.AnsweredAt = rec.StartedAt
	}
	saved, err := r.Store.QueueCall(ctx, c)
	if err != nil {
		return err
	}
	if n := saved.Attempts; n&(n-1) == 0 {
		r.Events.Emit(events.HistoryChanged, historyEntry(saved))
	}
	return nil
}
func storeOutcome(o calls.Outcome, d store.Direction) store.Outcome {
	switch o {
	case calls.OutcomeCompleted:
		return store.OutcomeCompleted
	case calls.OutcomeMissed:
		return store.OutcomeMissed
	case calls.OutcomeDeclined:
		return store.OutcomeDeclined
	case calls.OutcomeBusy:
		return store.OutcomeBusy
	case calls.OutcomeCancelled:
		if d == store.DirectionIncoming {
			return store.OutcomeMissed
		}
		return store.OutcomeCancelled
	case calls.OutcomeNoAnswer:
		if d == store.DirectionIncoming {
			return store.OutcomeMissed
		}
		return store.OutcomeNoAnswer
	case calls.OutcomeUnavailable:
		if d == store.DirectionIncoming {
			return store.OutcomeMissed // a held or refused incoming call
		}
		return store.OutcomeUnavailable
	}
	return store.OutcomeFailed
}
