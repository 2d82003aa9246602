package api

import (
	"context"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

// historyStore is the call-history part of the store.
type historyStore interface {
	ListEntries(ctx context.Context, limit int, before store.Cursor) ([]store.Entry, store.Cursor, error)
	DeleteHistory(ctx context.Context, callID string) error
	ClearHistory(ctx context.Context) (int64, error)
	QueueCall(ctx context.Context, c store.Call) (store.Call, error)
	AddMessage(ctx context.Context, m store.Message) error
	EntryMessages(ctx context.Context, callID string) ([]store.Message, error)
}

// liveCalls are the calls going on now, every leg of a group call
// (calls.Manager.Calls).
type liveCalls func() []calls.Info

// History is the bound service for the call history.
type History struct {
	ctx    context.Context
	store  historyStore
	events Emitter
	self   identity.PeerID
	live   liveCalls
}

// NewHistory returns the History service. self and live let it keep a
// call's chat: only a call going on now (any leg of a group call) takes
// messages, and only from its two ends.
func NewHistory(ctx context.Context, st historyStore, ev Emitter, self identity.PeerID, live func() []calls.Info) *History {
	return &History{ctx: ctx, store: st, events: ev, self: self, live: live}
}

// MessageView is one chat message of a call, as the history shows it.
type MessageView struct {
	ID     string `json:"id"`
	From   string `json:"from"`
	Text   string `json:"text"`
	SentAt int64  `json:"sentAt"`
}

// AddMessage keeps a chat message of a call going on now with that
// call (the page reports what it sent, mine, and what it received; the
// chat itself is peer to peer). In a group call each leg keeps what went
// over it (our own message once per leg, under one id; the history shows
// it once). The sender is this install or the call's other side, as Go
// knows them, never a name the page gives; sentAt is Unix ms. Text over
// the store's limits, or past the limit of messages per call, is
// bad_input; a call that is not going on is no_call. A call going on
// under the id of a call in the history with someone else is bad_input
// too (store.Message.With): its chat must not join that call's.
func (s *History) AddMessage(callID, id string, mine bool, text string, sentAt int64) error {
	var cur calls.Info
	ok := false
	for _, c := range s.live() {
		if c.ID == callID {
			cur, ok = c, true
		}
	}
	if !ok {
		return errcode.New(errcode.NoCall, "history: messages are kept only for the call going on")
	}
	from := cur.Peer
	if mine {
		from = s.self.String()
	}
	return coded(s.store.AddMessage(s.ctx, store.Message{CallID: callID, ID: id, From: from, Text: text, SentAt: time.UnixMilli(sentAt),
		With: cur.Peer}))
}

// Messages returns the chat of the history entry callID is part of, in
// the order it arrived: a group call's from everyone in it, each message
// once (any leg's call id names the entry).
func (s *History) Messages(callID string) ([]MessageView, error) {
	ms, err := s.store.EntryMessages(s.ctx, callID)
	if err != nil {
		return nil, coded(err)
	}
	out := make([]MessageView, len(ms))
	for i, m := range ms {
		out[i] = MessageView{ID: m.ID, From: m.From, Text: m.Text, SentAt: m.SentAt.UnixMilli()}
	}
	return out, nil
}

// List returns up to limit entries older than the cursor before ("" for
// the newest): a 1:1 call per entry, or a group call's legs folded into
// one (HistoryEntry.Group, Participants).
func (s *History) List(limit int, before string) (HistoryPage, error) {
	entries, next, err := s.store.ListEntries(s.ctx, limit, store.Cursor(before))
	if err != nil {
		return HistoryPage{}, coded(err)
	}
	page := HistoryPage{Entries: make([]HistoryEntry, len(entries)), Next: string(next)}
	for i, e := range entries {
		page.Entries[i] = foldedEntry(e)
	}
	return page, nil
}

// Delete removes one entry: a call, or a whole group call (any of its
// legs' call ids names it).
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
		StartedAt: rec.StartedAt, EndedAt: rec.EndedAt, Error: rec.Reason, Attempts: rec.Attempts,
		Group: rec.Group, Cause: string(rec.Cause), Members: rec.Members}
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
