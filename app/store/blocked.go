package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// MaxBlockedStrangers bounds the blocked strangers kept: blocking one more
// forgets the one blocked longest ago. Anyone can make new identities, so
// no list of them can be complete; the bound keeps a flood of blocks (each
// is one click, but still) from growing the file without end.
const MaxBlockedStrangers = 1000

// BlockedStranger is a peer that is not a contact and that the user
// blocked (from the incoming-call screen, say). Contacts are blocked with
// SetBlocked instead and stay contacts.
type BlockedStranger struct {
	ID identity.PeerID `json:"id"`
	// Name is the name it called with, for the list; "" if unknown.
	Name      string    `json:"name"`
	BlockedAt time.Time `json:"blockedAt"`
}

// BlockStranger blocks a peer that is not a contact: Trust answers
// TrustBlocked for it from now on. If it is a contact, it is ErrExists
// (block the contact with SetBlocked). Blocking it again updates the name.
func (s *Store) BlockStranger(ctx context.Context, id identity.PeerID, name string) (BlockedStranger, error) {
	fail := func(err error) (BlockedStranger, error) {
		return BlockedStranger{}, fmt.Errorf("store: block stranger %s: %w", id.Short(), err)
	}
	if id.IsZero() {
		return fail(fmt.Errorf("%w: peer id is zero", ErrInvalid))
	}
	name = cutText(name, 4*MaxNameRunes)
	out := BlockedStranger{ID: id, Name: name, BlockedAt: time.UnixMilli(s.nowMs())}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := getContact(ctx, tx, id); err == nil {
			return fmt.Errorf("%w: %s is a contact", ErrExists, id.Short())
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO blocked_strangers (peer_id, name, blocked_at) VALUES (?, ?, ?)
			ON CONFLICT (peer_id) DO UPDATE SET name = excluded.name`, id.String(), name, out.BlockedAt.UnixMilli()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM blocked_strangers WHERE peer_id IN (SELECT peer_id FROM blocked_strangers
			ORDER BY blocked_at DESC, rowid DESC LIMIT -1 OFFSET ?)`, MaxBlockedStrangers)
		return err
	})
	if err != nil {
		return fail(err)
	}
	return out, nil
}

// UnblockStranger forgets a blocked stranger; not blocked is ErrNotFound.
func (s *Store) UnblockStranger(ctx context.Context, id identity.PeerID) error {
	err := s.deleteOne(ctx, `DELETE FROM blocked_strangers WHERE peer_id = ?`, id.String())
	if err != nil {
		return fmt.Errorf("store: unblock stranger %s: %w", id.Short(), err)
	}
	return nil
}

// ListBlockedStrangers returns the blocked strangers, newest first.
func (s *Store) ListBlockedStrangers(ctx context.Context) ([]BlockedStranger, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT peer_id, name, blocked_at FROM blocked_strangers ORDER BY blocked_at DESC, rowid DESC`)
	if err != nil {
		return nil, fmt.Errorf("store: list blocked strangers: %w", err)
	}
	defer rows.Close()
	var out []BlockedStranger
	for rows.Next() {
		var (
			b  BlockedStranger
			id string
			at int64
		)
		if err := rows.Scan(&id, &b.Name, &at); err != nil {
			return nil, fmt.Errorf("store: list blocked strangers: %w", err)
		}
		if b.ID, err = identity.Parse(id); err != nil {
			continue // not ours to fail the list over
		}
		b.BlockedAt = time.UnixMilli(at)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list blocked strangers: %w", err)
	}
	return out, nil
}

// strangerBlocked reports whether id is a blocked stranger.
func (s *Store) strangerBlocked(ctx context.Context, id identity.PeerID) (bool, error) {
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM blocked_strangers WHERE peer_id = ?`, id.String()).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}
