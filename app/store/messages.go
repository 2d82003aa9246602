package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"
)

// Limits of a call's chat in the history.
const (
	// MaxMessageBytes is the longest message text stored, bytes of UTF-8
	// (the chat's own limit is 4000 UTF-16 units; this leaves room).
	MaxMessageBytes = 16 << 10
	// MaxMessagesPerCall is how many messages one call keeps; later ones
	// are refused (ErrInvalid).
	MaxMessagesPerCall = 1000
	maxMessageIDLen    = 64
)

// Message is one chat message of a call.
type Message struct {
	CallID string
	// ID is the sender's id of the message; with From, it is unique per
	// call (a repeat is ignored).
	ID string
	// From is the sender's peer id, canonical text.
	From   string
	Text   string
	SentAt time.Time
	// With is the peer the call is with (canonical text), "" for no
	// check. AddMessage refuses a message for a call stored with someone
	// else: the caller picks an incoming call's id, and a group's id is
	// its first leg's, so a call going on may carry the id of an old call
	// with another peer, whose chat it must not join. Not stored.
	With string
}

// AddMessage stores a chat message of a call. Text is cleaned like
// other text (valid UTF-8, no control characters) and must be non-empty
// and at most MaxMessageBytes; a call keeps at most MaxMessagesPerCall. A
// message stored already (same call, sender and id) is not stored again
// and is no error.
func (s *Store) AddMessage(ctx context.Context, m Message) error {
	if err := checkCallID(m.CallID); err != nil {
		return fmt.Errorf("store: add message: %w: %w", ErrInvalid, err)
	}
	if m.ID == "" || len(m.ID) > maxMessageIDLen || m.From == "" || len(m.From) > 128 {
		return fmt.Errorf("store: add message: %w: message id or sender", ErrInvalid)
	}
	if !utf8.ValidString(m.Text) || len(m.Text) > MaxMessageBytes {
		return fmt.Errorf("store: add message: %w: text over %d bytes", ErrInvalid, MaxMessageBytes)
	}
	text := cleanMessage(m.Text)
	if text == "" {
		return fmt.Errorf("store: add message: %w: empty text", ErrInvalid)
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if m.With != "" {
			var with string
			err := tx.QueryRowContext(ctx, `SELECT peer_id FROM calls WHERE call_id = ?`, m.CallID).Scan(&with)
			if err == nil && with != m.With {
				return fmt.Errorf("%w: the call with that id in the history is with someone else", ErrInvalid)
			} else if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM call_messages WHERE call_id = ?`, m.CallID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxMessagesPerCall {
			return fmt.Errorf("%w: the call has %d messages already", ErrInvalid, n)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO call_messages (call_id, msg_id, from_peer, text, sent_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (call_id, from_peer, msg_id) DO NOTHING`, m.CallID, m.ID, m.From, text, m.SentAt.UnixMilli())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: add message to call %.32s: %w", m.CallID, err)
	}
	return nil
}

// Messages returns a call's chat in the order it was stored.
func (s *Store) Messages(ctx context.Context, callID string) ([]Message, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT msg_id, from_peer, text, sent_at FROM call_messages WHERE call_id = ? ORDER BY seq`, callID)
	if err != nil {
		return nil, fmt.Errorf("store: messages of call %.32s: %w", callID, classify(err))
	}
	defer rows.Close()
	out := []Message{}
	for rows.Next() {
		m := Message{CallID: callID}
		var at int64
		if err := rows.Scan(&m.ID, &m.From, &m.Text, &at); err != nil {
			return nil, fmt.Errorf("store: messages of call %.32s: %w", callID, err)
		}
		m.SentAt = time.UnixMilli(at)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: messages of call %.32s: %w", callID, err)
	}
	return out, nil
}

// cleanMessage keeps line breaks and tabs (a chat message may have
// several lines) and replaces other control characters with spaces.
func cleanMessage(s string) string {
	b := []rune(s)
	for i, r := range b {
		if r != '\n' && r != '\t' && badTextRune(r) {
			b[i] = ' '
		}
	}
	out := string(b)
	for len(out) > 0 && (out[0] == ' ' || out[0] == '\n' || out[0] == '\t') {
		out = out[1:]
	}
	for len(out) > 0 && (out[len(out)-1] == ' ' || out[len(out)-1] == '\n' || out[len(out)-1] == '\t') {
		out = out[:len(out)-1]
	}
	return out
}
