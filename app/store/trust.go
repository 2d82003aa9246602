package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// TrustState is what the store knows about a (peer id, key) pair that just
// showed up: the calls layer asks Trust before ringing.
type TrustState uint8

// Trust states.
const (
	TrustUnknown TrustState = iota
	// TrustNew ("new"): no key pinned for this peer (not a contact, or a
	// contact added by id before first contact). Pin it with PinKey (trust
	// on first use) when the app decides to keep the peer.
	TrustNew
	// TrustPinned ("pinned"): the key is the pinned one.
	TrustPinned
	// TrustChanged ("changed"): the contact is in the "identity changed"
	// state: a key other than the pinned one showed up, now or earlier,
	// and the user has not decided yet. Hold the call and warn loudly.
	TrustChanged
	// TrustBlocked ("blocked"): the user blocked this contact; refuse.
	// Blocking wins over every other state.
	TrustBlocked
)

var trustNames = []string{TrustUnknown: "unknown", TrustNew: "new", TrustPinned: "pinned",
	TrustChanged: "changed", TrustBlocked: "blocked"}

// String returns the wire string.
func (t TrustState) String() string { return enumString(trustNames, t, "TrustState") }

// ParseTrustState reads a wire string.
func ParseTrustState(s string) (TrustState, error) {
	return enumParse[TrustState](trustNames, s, "trust state")
}

// MarshalText implements encoding.TextMarshaler.
func (t TrustState) MarshalText() ([]byte, error) { return enumMarshal(trustNames, t, "trust state") }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *TrustState) UnmarshalText(b []byte) (err error) {
	*t, err = ParseTrustState(string(b))
	return err
}

// Trust classifies key presented by peer id and records a changed key:
//
//   - blocked contact: TrustBlocked (nothing recorded);
//   - no contact, or no key pinned: TrustNew;
//   - a pending key exists: TrustChanged, whatever key is presented (the
//     state lasts until AcceptNewKey or RejectNewKey); a third key
//     replaces the pending one;
//   - key equals the pinned key: TrustPinned;
//   - otherwise: TrustChanged, and key becomes the contact's PendingKey.
//     The pinned key is never replaced here.
//
// The store compares keys; it does not check that id is derived from key
// (identity.IDFromKey). The connection layer authenticates that before it
// asks.
func (s *Store) Trust(ctx context.Context, id identity.PeerID, key ed25519.PublicKey) (TrustState, error) {
	if err := checkKey(id, key); err != nil {
		return TrustUnknown, fmt.Errorf("store: trust %s: %w", id.Short(), err)
	}
	var st TrustState
	err := s.write(ctx, func(tx *sql.Tx) error {
		c, err := getContact(ctx, tx, id)
		switch {
		case errors.Is(err, ErrNotFound):
			st = TrustNew
			return nil
		case err != nil:
			return err
		case c.Blocked:
			st = TrustBlocked
		case c.Key == nil:
			st = TrustNew
		case c.PendingKey == nil && keysEqual(key, c.Key):
			st = TrustPinned
		default:
			st = TrustChanged
			if keysEqual(key, c.Key) || keysEqual(key, c.PendingKey) {
				return nil
			}
			now := s.nowMs()
			_, err := tx.ExecContext(ctx, `UPDATE contacts SET pending_key = ?, pending_since = ?, updated_at = ?
				WHERE peer_id = ?`, []byte(key), now, now, id.String())
			return err
		}
		return nil
	})
	if err != nil {
		return TrustUnknown, fmt.Errorf("store: trust %s: %w", id.Short(), err)
	}
	return st, nil
}

// PinKey pins key for an existing contact that has none yet (trust on
// first use) and returns the contact. Pinning the key already pinned is a
// no-op; a different pinned key is ErrKeyMismatch: a changed key goes
// through Trust and AcceptNewKey, never a silent replace.
func (s *Store) PinKey(ctx context.Context, id identity.PeerID, key ed25519.PublicKey) (Contact, error) {
	out, err := s.changeKey(ctx, id, key, func(c Contact) (bool, error) {
		switch {
		case c.Key == nil:
			return true, nil
		case keysEqual(key, c.Key):
			return false, nil
		}
		return false, fmt.Errorf("%w: a different key is pinned", ErrKeyMismatch)
	})
	if err != nil {
		return Contact{}, fmt.Errorf("store: pin key %s: %w", id.Short(), err)
	}
	return out, nil
}

// AcceptNewKey resolves the "identity changed" state in favor of the new
// key: the pending key becomes the pinned one. key must be the pending
// key the user was shown (Contact.PendingKey); if the pending key has
// changed since, or there is none, it is ErrKeyMismatch and nothing
// changes.
func (s *Store) AcceptNewKey(ctx context.Context, id identity.PeerID, key ed25519.PublicKey) (Contact, error) {
	out, err := s.changeKey(ctx, id, key, func(c Contact) (bool, error) {
		if c.PendingKey == nil || !keysEqual(key, c.PendingKey) {
			return false, fmt.Errorf("%w: not the pending key", ErrKeyMismatch)
		}
		return true, nil
	})
	if err != nil {
		return Contact{}, fmt.Errorf("store: accept new key %s: %w", id.Short(), err)
	}
	return out, nil
}

// RejectNewKey resolves the "identity changed" state in favor of the
// pinned key: the pending key is dropped. If the new key shows up again,
// Trust records it again. Without a pending key it is a no-op.
func (s *Store) RejectNewKey(ctx context.Context, id identity.PeerID) (Contact, error) {
	var out Contact
	err := s.write(ctx, func(tx *sql.Tx) error {
		c, err := getContact(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.PendingKey != nil {
			now := s.nowMs()
			if _, err := tx.ExecContext(ctx, `UPDATE contacts SET pending_key = NULL, pending_since = NULL,
				updated_at = ? WHERE peer_id = ?`, now, id.String()); err != nil {
				return err
			}
			c.PendingKey, c.PendingSince, c.UpdatedAt = nil, time.Time{}, time.UnixMilli(now)
		}
		out = c
		return nil
	})
	if err != nil {
		return Contact{}, fmt.Errorf("store: reject new key %s: %w", id.Short(), err)
	}
	return out, nil
}

// changeKey loads the contact, asks decide whether key becomes the pinned
// key, and if so pins it and clears any pending key.
func (s *Store) changeKey(ctx context.Context, id identity.PeerID, key ed25519.PublicKey,
	decide func(Contact) (bool, error)) (Contact, error) {
	if err := checkKey(id, key); err != nil {
		return Contact{}, err
	}
	var out Contact
	err := s.write(ctx, func(tx *sql.Tx) error {
		c, err := getContact(ctx, tx, id)
		if err != nil {
			return err
		}
		change, err := decide(c)
		if err != nil {
			return err
		}
		if change {
			now := s.nowMs()
			if _, err := tx.ExecContext(ctx, `UPDATE contacts SET public_key = ?, pending_key = NULL,
				pending_since = NULL, updated_at = ? WHERE peer_id = ?`, []byte(key), now, id.String()); err != nil {
				return err
			}
			c.Key, c.PendingKey, c.PendingSince = bytes.Clone(key), nil, time.Time{}
			c.UpdatedAt = time.UnixMilli(now)
		}
		out = c
		return nil
	})
	return out, err
}

func checkKey(id identity.PeerID, key ed25519.PublicKey) error {
	if id.IsZero() {
		return fmt.Errorf("%w: peer id is zero", ErrInvalid)
	}
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: key is %d bytes, want %d", ErrInvalid, len(key), ed25519.PublicKeySize)
	}
	return nil
}

// keysEqual compares keys in constant time (habit: keys are compared
// this way everywhere, even public ones).
func keysEqual(a, b []byte) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1
}
