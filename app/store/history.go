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
	"unicode/utf8"

	"github.com/peerline/peerline/signaling/identity"
)

// History limits.
const (
	// DefaultHistoryPage is the page size ListHistory uses for limit 0.
	DefaultHistoryPage = 50
	// MaxHistoryPage is the largest page ListHistory returns.
	MaxHistoryPage = 500
	// maxCallIDLen bounds a call id, in bytes.
	maxCallIDLen = 128
	// maxErrorLen bounds Call.Error, in bytes; longer text is cut.
	maxErrorLen = 1024
)

// Call is one entry of the call history: one row per call. Times have
// millisecond precision.
type Call struct {
	// ID is the call id (the signaling layer's), 1-128 printable ASCII
	// characters without spaces; unique.
	ID string `json:"id"`
	// Peer is the other side.
	Peer identity.PeerID `json:"peer"`
	// PeerName is the peer's display name at the time; "" if unknown.
	PeerName  string    `json:"peerName"`
	Direction Direction `json:"direction"`
	Media     Media     `json:"media"`
	// StartedAt is when the call was placed or started ringing here.
	StartedAt time.Time `json:"startedAt"`
	// AnsweredAt is when the callee accepted; zero if never.
	AnsweredAt time.Time `json:"answeredAt,omitzero"`
	// EndedAt is when the call ended; zero while ongoing.
	EndedAt time.Time `json:"endedAt,omitzero"`
	// Outcome is OutcomeOngoing until the call ends.
	Outcome Outcome `json:"outcome"`
	// Error is a short reason for failed calls; "" otherwise. Cut to 1 KiB.
	Error string `json:"error,omitempty"`
	// Attempts is how many rings this entry stands for: 1 for a call,
	// more for a caller that rang again and again (coalesced, see
	// QueueCall). 0 reads as 1.
	Attempts int `json:"attempts,omitempty"`
	// Group is the group id when the call is one leg of a group call
	// (package calls): the id of the call the group grew from. "" for a
	// call placed 1:1, which is also the first leg of a group that grew
	// from it. Same form as ID. ListEntries folds a group's legs.
	Group string `json:"group,omitempty"`
	// Cause is the app's error code (package errcode) of why the call
	// could not go on, such as call_full or offline; "" when a person or a
	// timer ended it. 1-32 characters of a-z and _.
	Cause string `json:"cause,omitempty"`
	// Members are the others a group invite we received named besides
	// its sender (the signed roster, at most MaxMembers), so an invite we
	// missed or declined still says who was in the call; nil for every
	// other call.
	Members []identity.PeerID `json:"members,omitempty"`
}

// MaxMembers bounds Call.Members: a group call is four at most, so an
// invite names at most two besides its sender and us.
const MaxMembers = 2

// Duration is the talk time: from answer to end; zero for calls never
// answered, still ongoing, or interrupted (whose end is unknown).
func (c Call) Duration() time.Duration {
	if c.AnsweredAt.IsZero() || c.EndedAt.IsZero() || c.Outcome == OutcomeInterrupted {
		return 0
	}
	return c.EndedAt.Sub(c.AnsweredAt)
}

// Cursor marks a place in the history for paging: pass the one
// ListHistory returned to get the next (older) page. "" means the start
// (the newest call). It is opaque text, safe to hand to the UI.
type Cursor string

// normalize validates c and returns it with times truncated to
// milliseconds and Error cut to size.
func (c Call) normalize() (Call, error) {
	if err := checkCallID(c.ID); err != nil {
		return c, err
	}
	if c.Peer.IsZero() {
		return c, errors.New("peer id is zero")
	}
	if c.PeerName != "" {
		n, err := normalizeName(c.PeerName)
		if err != nil {
			return c, fmt.Errorf("peer name: %w", err)
		}
		c.PeerName = n
	}
	if c.Direction == DirectionUnknown || int(c.Direction) >= len(directionNames) {
		return c, errors.New("direction must be outgoing or incoming")
	}
	if c.Media == MediaUnknown || int(c.Media) >= len(mediaNames) {
		return c, errors.New("media must be audio or video")
	}
	c.StartedAt = c.StartedAt.Truncate(time.Millisecond)
	c.AnsweredAt = c.AnsweredAt.Truncate(time.Millisecond)
	c.EndedAt = c.EndedAt.Truncate(time.Millisecond)
	if c.StartedAt.IsZero() || c.StartedAt.UnixMilli() <= 0 {
		return c, errors.New("start time missing")
	}
	if !c.AnsweredAt.IsZero() && c.AnsweredAt.Before(c.StartedAt) {
		return c, errors.New("answered before it started")
	}
	if c.EndedAt.IsZero() {
		if c.Outcome == OutcomeUnknown {
			c.Outcome = OutcomeOngoing
		}
		if c.Outcome != OutcomeOngoing {
			return c, fmt.Errorf("outcome %s without an end time", c.Outcome)
		}
	} else {
		if !c.Outcome.final() || c.Outcome == OutcomeInterrupted {
			return c, fmt.Errorf("an ended call needs a final outcome, not %s", c.Outcome)
		}
		if c.EndedAt.Before(c.StartedAt) || !c.AnsweredAt.IsZero() && c.EndedAt.Before(c.AnsweredAt) {
			return c, errors.New("ended before it started or was answered")
		}
	}
	if !c.AnsweredAt.IsZero() && !c.Outcome.answerable() {
		return c, fmt.Errorf("a %s call cannot have been answered", c.Outcome)
	}
	if c.Outcome == OutcomeCompleted && c.AnsweredAt.IsZero() {
		return c, errors.New("a completed call needs an answer time")
	}
	if c.Direction == DirectionOutgoing && c.Outcome == OutcomeMissed {
		return c, errors.New("only incoming calls are missed")
	}
	if c.Direction == DirectionIncoming && (c.Outcome == OutcomeCancelled || c.Outcome == OutcomeNoAnswer ||
		c.Outcome == OutcomeUnavailable) {
		return c, fmt.Errorf("an incoming call is not %s (use missed)", c.Outcome)
	}
	if c.Group != "" {
		if err := checkCallID(c.Group); err != nil {
			return c, fmt.Errorf("group: %w", err)
		}
	}
	if !validCause(c.Cause) {
		return c, errors.New("cause must be 1-32 characters of a-z and _")
	}
	if len(c.Members) > MaxMembers {
		return c, fmt.Errorf("members: at most %d", MaxMembers)
	}
	for i, m := range c.Members {
		if m.IsZero() || m == c.Peer || slices.Contains(c.Members[:i], m) {
			return c, errors.New("members: each a peer id other than the call's peer, once")
		}
	}
	c.Error = cutText(c.Error, maxErrorLen)
	if c.Attempts < 1 {
		c.Attempts = 1
	}
	return c, nil
}

// checkCallID accepts 1-128 printable ASCII characters, no spaces.
func checkCallID(id string) error {
	if id == "" || len(id) > maxCallIDLen {
		return fmt.Errorf("call id must be 1-%d characters", maxCallIDLen)
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return errors.New("call id must be printable ASCII without spaces")
		}
	}
	return nil
}

// validCause accepts "" and an error code's form: 1-32 of a-z and _.
func validCause(s string) bool {
	if len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if (s[i] < 'a' || s[i] > 'z') && s[i] != '_' {
			return false
		}
	}
	return true
}

// cutText makes s valid UTF-8 without control characters and at most max
// bytes, cutting at a rune boundary.
func cutText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if badTextRune(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}

// AddCall stores a call. A call with a zero EndedAt is ongoing (Outcome
// OutcomeOngoing or unset); finish it with EndCall. A call with EndedAt
// set is recorded whole in one step. Rules (ErrInvalid otherwise): a
// final outcome needs an end time; completed needs an answer time; only
// completed, failed and ongoing calls can have one; missed is for incoming
// calls, cancelled/timeout/unavailable for outgoing ones; times are
// ordered started <= answered <= ended. A duplicate ID is ErrExists.
func (s *Store) AddCall(ctx context.Context, c Call) (Call, error) {
	fail := func(err error) (Call, error) {
		return Call{}, fmt.Errorf("store: add call %.32s with %s: %w", c.ID, c.Peer.Short(), err)
	}
	c, err := c.normalize()
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalid, err))
	}
	if err := s.flushHistory(ctx); err != nil { // a queued call with this id counts
		return fail(err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM calls WHERE call_id = ?`, c.ID).Scan(&one)
		if err == nil {
			return ErrExists
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO calls (call_id, peer_id, peer_name, direction, media,
			started_at, answered_at, ended_at, outcome, error, attempts, group_id, cause, members) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID, c.Peer.String(), c.PeerName, c.Direction.String(), c.Media.String(),
			c.StartedAt.UnixMilli(), timeMs(c.AnsweredAt), timeMs(c.EndedAt), c.Outcome.String(), c.Error, c.Attempts, c.Group, c.Cause,
			membersText(c.Members))
		return err
	})
	if err != nil {
		return fail(err)
	}
	return c, nil
}

// AnswerCall records when an ongoing call was answered.
func (s *Store) AnswerCall(ctx context.Context, callID string, at time.Time) (Call, error) {
	out, err := s.updateCall(ctx, callID, func(c *Call) error {
		if !c.AnsweredAt.IsZero() {
			return errors.New("already answered")
		}
		c.AnsweredAt = at
		return nil
	})
	if err != nil {
		return Call{}, fmt.Errorf("store: answer call %.32s: %w", callID, err)
	}
	return out, nil
}

// EndCall finishes an ongoing call with a final outcome (not ongoing or
// interrupted) at time at; errText is for failed calls. The same rules as
// AddCall apply; ending a call twice is ErrInvalid.
func (s *Store) EndCall(ctx context.Context, callID string, outcome Outcome, at time.Time, errText string) (Call, error) {
	out, err := s.updateCall(ctx, callID, func(c *Call) error {
		c.EndedAt, c.Outcome, c.Error = at, outcome, errText
		if at.IsZero() {
			return errors.New("end time missing")
		}
		return nil
	})
	if err != nil {
		return Call{}, fmt.Errorf("store: end call %.32s: %w", callID, err)
	}
	return out, nil
}

// updateCall edits an ongoing call in one transaction and revalidates it.
func (s *Store) updateCall(ctx context.Context, callID string, edit func(*Call) error) (Call, error) {
	var out Call
	if err := s.flushHistory(ctx); err != nil {
		return out, err
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		sc, err := scanCall(tx.QueryRowContext(ctx, `SELECT `+callCols+` FROM calls WHERE call_id = ?`, callID))
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		c := sc.Call
		if c.Outcome != OutcomeOngoing {
			return fmt.Errorf("%w: the call already ended", ErrInvalid)
		}
		if err := edit(&c); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if c, err = c.normalize(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE calls SET answered_at = ?, ended_at = ?, outcome = ?, error = ?
			WHERE seq = ?`, timeMs(c.AnsweredAt), timeMs(c.EndedAt), c.Outcome.String(), c.Error, sc.seq); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// ListHistory returns up to limit calls (0 means DefaultHistoryPage, at
// most MaxHistoryPage), newest first by start time, starting after
// cursor ("" for the newest), and the cursor for the next page, which is
// "" when there are no more.
func (s *Store) ListHistory(ctx context.Context, limit int, before Cursor) ([]Call, Cursor, error) {
	fail := func(err error) ([]Call, Cursor, error) {
		return nil, "", fmt.Errorf("store: list history: %w", err)
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
	q := `SELECT ` + callCols + ` FROM calls ORDER BY started_at DESC, seq DESC LIMIT ?`
	args := []any{limit + 1}
	if before != "" {
		at, seq, err := parseCursor(before)
		if err != nil {
			return fail(err)
		}
		q = `SELECT ` + callCols + ` FROM calls WHERE (started_at, seq) < (?, ?)
			ORDER BY started_at DESC, seq DESC LIMIT ?`
		args = []any{at, seq, limit + 1}
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	var out []storedCall
	for rows.Next() {
		c, err := scanCall(rows)
		if err != nil {
			return fail(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	var next Cursor
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = Cursor(strconv.FormatInt(last.StartedAt.UnixMilli(), 10) + "." + strconv.FormatInt(last.seq, 10))
	}
	calls := make([]Call, len(out))
	for i, c := range out {
		calls[i] = c.withoutSeq()
	}
	return calls, next, nil
}

// parseCursor reads "<started_at ms>.<seq>".
func parseCursor(c Cursor) (int64, int64, error) {
	a, b, ok := strings.Cut(string(c), ".")
	at, err1 := strconv.ParseInt(a, 10, 64)
	seq, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || at < 0 || seq < 0 {
		return 0, 0, fmt.Errorf("%w: bad cursor", ErrInvalid)
	}
	return at, seq, nil
}

// ClearHistory removes every call and returns how many there were. The
// rows are overwritten in the file (secure_delete), and the WAL is
// checkpointed and truncated (best effort) so no copy lingers there.
func (s *Store) ClearHistory(ctx context.Context) (int64, error) {
	var n int64
	if err := s.flushHistory(ctx); err != nil {
		return 0, fmt.Errorf("store: clear history: %w", err)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM calls`)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, `DELETE FROM call_messages`)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: clear history: %w", err)
	}
	// Best effort: a reader holding an old snapshot stops the truncation;
	// the next checkpoint overwrites the frames anyway.
	s.w.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return n, nil
}

// endInterruptedCalls marks calls a previous run left ongoing.
func (s *Store) endInterruptedCalls(ctx context.Context) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE calls SET outcome = ?, ended_at = coalesce(answered_at, started_at),
			error = 'Peerline stopped during the call' WHERE ended_at IS NULL`, OutcomeInterrupted.String())
		return err
	})
}

const callCols = `seq, call_id, peer_id, peer_name, direction, media, started_at, answered_at, ended_at, outcome, error, attempts, group_id, cause, members`

// membersText is Call.Members as stored: space-separated peer ids.
func membersText(ms []identity.PeerID) string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(m.String())
	}
	return b.String()
}

// parseMembers reads the members column; an id it cannot read is left
// out (history is for display: one bad row must not fail the list).
func parseMembers(s string) []identity.PeerID {
	var out []identity.PeerID
	for _, f := range strings.Fields(s) {
		if id, err := identity.Parse(f); err == nil && len(out) < MaxMembers {
			out = append(out, id)
		}
	}
	return out
}

// storedCall is a Call with its row number, for cursors and updates.
type storedCall struct {
	Call
	seq int64
}

func (c storedCall) withoutSeq() Call { return c.Call }

func scanCall(row interface{ Scan(...any) error }) (storedCall, error) {
	var (
		c                      storedCall
		peer, dir, media, outc string
		started                int64
		answered, ended        sql.NullInt64
		members                string
	)
	if err := row.Scan(&c.seq, &c.ID, &peer, &c.PeerName, &dir, &media, &started, &answered, &ended,
		&outc, &c.Error, &c.Attempts, &c.Group, &c.Cause, &members); err != nil {
		return storedCall{}, err
	}
	c.Members = parseMembers(members)
	var err error
	if c.Peer, err = identity.Parse(peer); err != nil {
		return storedCall{}, fmt.Errorf("%w: stored peer id: %w", ErrCorrupt, err)
	}
	// Unknown enum strings read as Unknown rather than failing the whole
	// list: history is for display.
	c.Direction, _ = ParseDirection(dir)
	c.Media, _ = ParseMedia(media)
	c.Outcome, _ = ParseOutcome(outc)
	c.StartedAt = time.UnixMilli(started)
	c.AnsweredAt = msTime(answered)
	c.EndedAt = msTime(ended)
	return c, nil
}
