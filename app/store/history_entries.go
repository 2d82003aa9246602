package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// History entries: what the user sees as one item of the history. A 1:1
// call is one entry of one row. A group call is a set of rows, its legs
// (one per other person, package calls), each kept whole (its outcome,
// its peer, its trust), that share a group key:
//
//	key(row) = group_id, or call_id when group_id is ''
//
// The first leg of a group that grew from a 1:1 call has group_id '' and
// is the call whose id the group carries; the legs added later name it.
// A group's head is that first leg when it is stored, else its oldest leg
// (the joiner's side, or the first leg deleted); the entry sorts and
// pages by its head, so a 1:1 call pages exactly as ListHistory does, and
// the cursors are the same.
//
// docs/decisions.md "Group calls in history" says what an entry holds and
// how outcomes fold (Fold).

// Entry is one history entry: a 1:1 call, or a group call's legs folded.
type Entry struct {
	// Call is the entry as one call: the head's id, peer, direction,
	// error, cause and attempts; the earliest start and answer and the
	// latest end of the legs; video if any leg had video; the folded
	// outcome (Fold). Call.Group is the group key for a group entry, ""
	// for a 1:1 call.
	Call Call
	// Participants are the other people of a group call, one per peer
	// in the order they first appear, each the fold of that person's
	// legs (someone who left and was added again is one participant).
	// Nil for a 1:1 call.
	Participants []Call
	// Legs are the rows, oldest first; a 1:1 call's one.
	Legs []Call
}

// IsGroup reports whether e is a group call.
func (e Entry) IsGroup() bool { return e.Call.Group != "" }

// ListEntries returns up to limit history entries (0 means
// DefaultHistoryPage, at most MaxHistoryPage), newest first by their
// head's start, after cursor ("" for the newest), with the cursor of the
// next page ("" at the end). 1:1 calls come out as ListHistory returns
// them, one leg each.
func (s *Store) ListEntries(ctx context.Context, limit int, before Cursor) ([]Entry, Cursor, error) {
	fail := func(err error) ([]Entry, Cursor, error) {
		return nil, "", fmt.Errorf("store: list history entries: %w", err)
	}
	switch {
	case limit == 0:
		limit = DefaultHistoryPage
	case limit < 0 || limit > MaxHistoryPage:
		return fail(fmt.Errorf("%w: limit %d, want 0-%d", ErrInvalid, limit, MaxHistoryPage))
	}
	if err := s.flushHistory(ctx); err != nil {
		return fail(err)
	}
	at, seq := int64(1<<62), int64(1<<62)
	if before != "" {
		var err error
		if at, seq, err = parseCursor(before); err != nil {
			return fail(err)
		}
	}
	heads, err := s.queryCalls(ctx, headsQuery, at, seq, limit+1)
	if err != nil {
		return fail(err)
	}
	var next Cursor
	if len(heads) > limit {
		heads = heads[:limit]
		last := heads[limit-1]
		next = Cursor(strconv.FormatInt(last.StartedAt.UnixMilli(), 10) + "." + strconv.FormatInt(last.seq, 10))
	}
	// The legs named by a head's key, in one query: keys are call ids
	// (1-128 bytes), at most MaxHistoryPage of them.
	keys := make([]any, len(heads))
	marks := make([]string, len(heads))
	for i, h := range heads {
		keys[i], marks[i] = entryKey(h.Call), "?"
	}
	var legs []storedCall
	if len(heads) > 0 {
		legs, err = s.queryCalls(ctx, `SELECT `+callCols+` FROM calls WHERE group_id IN (`+strings.Join(marks, ",")+`)`, keys...)
		if err != nil {
			return fail(err)
		}
	}
	byKey := map[string][]storedCall{}
	for _, l := range legs {
		byKey[l.Group] = append(byKey[l.Group], l)
	}
	out := make([]Entry, len(heads))
	for i, h := range heads {
		var ls []storedCall
		switch {
		case h.Group != "":
			ls = slices.Clone(byKey[h.Group])
		case startsFirst(h, byKey[h.ID]):
			ls = append([]storedCall{h}, byKey[h.ID]...)
		default: // a call whose id names a group that began before it
			ls = []storedCall{h}
		}
		out[i] = makeEntry(h.Call, ls)
	}
	return out, next, nil
}

// startsFirst reports whether row c, of no group, is the first leg of the
// legs naming its id: it started no later than any of them. The group
// id is the id of the call the group grew from, so its first leg began
// before every leg naming it; a later call with that id is someone else
// who knew the id (group ids are no secret, and the caller picks an
// incoming call's id): it is its own entry, and cannot take over the
// group's (SQL: firstLeg).
func startsFirst(c storedCall, legs []storedCall) bool {
	for _, l := range legs {
		if l.StartedAt.Before(c.StartedAt) {
			return false
		}
	}
	return true
}

// isHead is true of a row c that heads its entry: a row of no group (a
// 1:1 call, or the first leg of a group), or a group's oldest leg when
// the first is not stored.
const isHead = `(c.group_id = '' OR (
	NOT EXISTS (SELECT 1 FROM calls o WHERE o.call_id = c.group_id AND o.group_id = '' AND o.started_at <= c.started_at) AND
	NOT EXISTS (SELECT 1 FROM calls o WHERE o.group_id = c.group_id AND (o.started_at, o.seq) < (c.started_at, c.seq))))`

// headsQuery is a page of heads, newest first, before (started_at, seq):
// the time index in order, and two index lookups per row (TestListEntriesUsesIndexes).
const headsQuery = `SELECT ` + callCols + ` FROM calls c WHERE (started_at, seq) < (?, ?) AND ` + isHead + `
	ORDER BY started_at DESC, seq DESC LIMIT ?`

// entryKey is the group key of a row.
func entryKey(c Call) string {
	if c.Group != "" {
		return c.Group
	}
	return c.ID
}

// legsOf is the rows of the entry keyed key: the first leg (startsFirst)
// and the legs naming it.
const legsOf = `((call_id = ?1 AND group_id = '' AND ` + firstLeg + `) OR group_id = ?1)`

// firstLeg is startsFirst of the row calls, of no group.
const firstLeg = `NOT EXISTS (SELECT 1 FROM calls l WHERE l.group_id = calls.call_id AND l.started_at < calls.started_at)`

// aloneOf is the one row of a call whose id names a group that began
// before it (startsFirst): an entry of its own.
const aloneOf = `(call_id = ?1 AND group_id = '')`

// entryOf returns the condition on calls that selects the rows of the
// entry call callID is part of, and its argument.
func (s *Store) entryOf(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, callID string) (string, string, error) {
	var key string
	var first bool
	err := q.QueryRowContext(ctx, `SELECT CASE WHEN group_id != '' THEN group_id ELSE call_id END,
		group_id != '' OR `+firstLeg+` FROM calls WHERE call_id = ?`, callID).Scan(&key, &first)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", ErrNotFound
	}
	if !first {
		return aloneOf, key, err
	}
	return legsOf, key, err
}

// EntryMessages returns the chat of the entry call callID is part of,
// in the order it was stored here (the order it arrived): for a group
// call, every leg's messages, each once. Group chat sends one message id
// on every leg (frontend groupdata.ts), so our own messages are stored
// once per leg; a message is its sender and its id, and the first copy
// stays. A call not in the history (yet: its row comes when it ends)
// answers its own messages.
func (s *Store) EntryMessages(ctx context.Context, callID string) ([]Message, error) {
	if err := s.flushHistory(ctx); err != nil {
		return nil, fmt.Errorf("store: messages of call %.32s: %w", callID, err)
	}
	where, key, err := s.entryOf(ctx, s.r, callID)
	if errors.Is(err, ErrNotFound) {
		return s.Messages(ctx, callID)
	} else if err != nil {
		return nil, fmt.Errorf("store: messages of call %.32s: %w", callID, classify(err))
	}
	rows, err := s.r.QueryContext(ctx, `SELECT call_id, msg_id, from_peer, text, sent_at FROM call_messages
		WHERE call_id IN (SELECT call_id FROM calls WHERE `+where+`) ORDER BY seq`, key)
	if err != nil {
		return nil, fmt.Errorf("store: messages of call %.32s: %w", callID, classify(err))
	}
	defer rows.Close()
	out := []Message{}
	seen := map[[2]string]bool{}
	for rows.Next() {
		var m Message
		var at int64
		if err := rows.Scan(&m.CallID, &m.ID, &m.From, &m.Text, &at); err != nil {
			return nil, fmt.Errorf("store: messages of call %.32s: %w", callID, err)
		}
		k := [2]string{m.From, m.ID}
		if seen[k] {
			continue
		}
		seen[k] = true
		m.SentAt = time.UnixMilli(at)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: messages of call %.32s: %w", callID, err)
	}
	return out, nil
}

// DeleteHistory removes the history entry call callID is part of: the
// call, or every leg of its group call, with their messages, in one
// transaction. ErrNotFound when no call has that id.
func (s *Store) DeleteHistory(ctx context.Context, callID string) error {
	fail := func(err error) error { return fmt.Errorf("store: delete call %.32s: %w", callID, err) }
	if err := s.flushHistory(ctx); err != nil {
		return fail(err)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		where, key, err := s.entryOf(ctx, tx, callID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM call_messages WHERE call_id IN (SELECT call_id FROM calls WHERE `+where+`)`, key); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM calls WHERE `+where, key)
		return err
	})
	if err != nil {
		return fail(err)
	}
	return nil
}

func (s *Store) queryCalls(ctx context.Context, q string, args ...any) ([]storedCall, error) {
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []storedCall
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// makeEntry folds head's legs (head among them) into its entry.
func makeEntry(head Call, legs []storedCall) Entry {
	slices.SortFunc(legs, func(a, b storedCall) int {
		if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
			return c
		}
		return int(a.seq - b.seq)
	})
	calls := make([]Call, len(legs))
	for i, l := range legs {
		calls[i] = l.Call
	}
	if len(calls) == 0 { // cannot happen: the head is its own leg
		calls = []Call{head}
	}
	if len(calls) == 1 && head.Group == "" {
		// A 1:1 call: the row as stored, as ListHistory gives it (Fold
		// would drop a completed call's words, "you hung up").
		return Entry{Call: calls[0], Legs: calls}
	}
	e := Entry{Call: Fold(head, calls), Legs: calls}
	e.Call.Group = entryKey(head)
	var order []string
	per := map[string][]Call{}
	for _, c := range calls {
		p := c.Peer.String()
		if per[p] == nil {
			order = append(order, p)
		}
		per[p] = append(per[p], c)
	}
	for _, p := range order {
		legs := per[p]
		e.Participants = append(e.Participants, Fold(legs[len(legs)-1], legs))
	}
	return e
}

// Fold makes one call of legs (oldest first), from this side's point of
// view, taking the id, peer, name, direction, error, cause and attempts
// of head:
//
//   - times: the earliest start and answer, the latest end (zero while a
//     leg is ongoing); media: video if any leg had video
//   - outcome: ongoing while any leg is; else, when any leg was
//     answered (someone took part), completed if any leg completed,
//     else failed if any failed, else interrupted; else (nobody answered:
//     a group invite missed or declined, or refused as full) head's.
//
// A person's legs fold the same way with their latest leg as head: a
// person refused as full, then added again and answering, took part.
func Fold(head Call, legs []Call) Call {
	out := head
	out.Group = ""
	answered, ongoing := false, false
	var completed, failed bool
	for i, c := range legs {
		if i == 0 || c.StartedAt.Before(out.StartedAt) {
			out.StartedAt = c.StartedAt
		}
		if !c.AnsweredAt.IsZero() && (out.AnsweredAt.IsZero() || c.AnsweredAt.Before(out.AnsweredAt)) {
			out.AnsweredAt = c.AnsweredAt
		}
		if c.EndedAt.After(out.EndedAt) {
			out.EndedAt = c.EndedAt
		}
		if c.Media == MediaVideo {
			out.Media = MediaVideo
		}
		ongoing = ongoing || c.Outcome == OutcomeOngoing
		answered = answered || !c.AnsweredAt.IsZero()
		completed = completed || c.Outcome == OutcomeCompleted
		failed = failed || c.Outcome == OutcomeFailed && !c.AnsweredAt.IsZero()
	}
	switch {
	case ongoing:
		out.Outcome, out.EndedAt = OutcomeOngoing, time.Time{}
	case !answered:
		out.Outcome = head.Outcome
	case completed:
		out.Outcome = OutcomeCompleted
	case failed:
		out.Outcome = OutcomeFailed
	default:
		out.Outcome = OutcomeInterrupted
	}
	if out.Outcome == OutcomeCompleted {
		out.Error, out.Cause = "", ""
	}
	return out
}
