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

// TrustState is what the store knows about a peer identity (a peer id and
// the key it was authenticated with) that just showed up: the calls layer
// asks Trust before ringing.
type TrustState uint8

// Trust states.
const (
	TrustUnknown TrustState = iota
	// TrustNew ("new"): no key pinned for this peer id (not a contact, or
	// a contact added by id before first contact). Pin it with PinKey
	// (trust on first use) when the app decides to keep the peer.
	TrustNew
	// TrustPinned ("pinned"): the peer is a contact and this is its
	// pinned key. Also when that contact has a pending new identity: the
	// old identity still calling is fine.
	TrustPinned
	// TrustChanged ("changed"): this identity is not a pinned contact but
	// is recorded as a known contact's new identity (its PendingKey, see
	// RecordNewIdentity): "Ada's identity changed", and the user has not
	// decided yet. Hold the call and warn loudly; PendingContactFor names
	// the contact; AcceptNewKey or RejectNewKey resolves it.
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

// Trust classifies the identity (id, key) that just connected. It records
// nothing.
//
// key must be id's key (identity.IDFromKey(key) == id), else the error
// wraps ErrKeyMismatch: the connection layer authenticates that before it
// asks, and the store checks again so a forged pair can never be trusted.
// Then, in this order:
//
//   - TrustBlocked if the contact under id is blocked, if id is a blocked
//     stranger (BlockStranger), or if this identity is the pending new
//     identity of a blocked contact: blocking wins;
//   - TrustPinned if the contact under id has key pinned (whether or not
//     that contact has a pending new identity);
//   - TrustChanged if this identity is a contact's pending new identity
//     (that contact's PendingKey is key) and no key is pinned under id;
//   - TrustNew otherwise: no contact under id, or one without a key.
//
// A contact under id whose stored key is not key (possible only in data
// written before ids were checked against keys) is an ErrKeyMismatch
// error, never a trust state.
func (s *Store) Trust(ctx context.Context, id identity.PeerID, key ed25519.PublicKey) (TrustState, error) {
	fail := func(err error) (TrustState, error) {
		return TrustUnknown, fmt.Errorf("store: trust %s: %w", id.Short(), err)
	}
	if err := checkIdentity(id, key); err != nil {
		return fail(err)
	}
	// One statement, so one snapshot: the contact under id, and the
	// contact (at most one: unique index) whose pending key is key.
	rows, err := s.r.QueryContext(ctx, trustQuery, id.String(), []byte(key))
	if err != nil {
		return fail(err)
	}
	defer rows.Close()
	var self, owner *Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return fail(err)
		}
		if c.ID == id {
			self = &c
		} else {
			owner = &c
		}
	}
	if err := rows.Err(); err != nil {
		return fail(err)
	}
	rows.Close()
	stranger, err := s.strangerBlocked(ctx, id)
	if err != nil {
		return fail(err)
	}
	switch {
	case stranger, self != nil && self.Blocked, owner != nil && owner.Blocked:
		return TrustBlocked, nil
	case self != nil && self.Key != nil:
		if !keysEqual(key, self.Key) {
			return fail(fmt.Errorf("%w: the stored key is not this peer id's key", ErrKeyMismatch))
		}
		return TrustPinned, nil
	case owner != nil:
		return TrustChanged, nil
	}
	return TrustNew, nil
}

// trustQuery finds the contact under a peer id and the contact whose
// pending key is a key; pendingQuery only the latter. Both use indexes
// (the primary key and contacts_by_pending_key).
const (
	trustQuery   = `SELECT ` + contactCols + ` FROM contacts WHERE peer_id = ? OR pending_key = ?`
	pendingQuery = `SELECT ` + contactCols + ` FROM contacts WHERE pending_key = ?`
)

// PendingContactFor returns the contact whose pending new identity is key
// (its PendingKey), and whether there is one. At most one contact has a
// given pending key.
func (s *Store) PendingContactFor(ctx context.Context, key ed25519.PublicKey) (Contact, bool, error) {
	fail := func(err error) (Contact, bool, error) {
		return Contact{}, false, fmt.Errorf("store: pending contact for %s: %w", identity.IDFromKey(key).Short(), err)
	}
	if err := checkKeySize(key); err != nil {
		return fail(err)
	}
	c, err := scanContact(s.r.QueryRowContext(ctx, pendingQuery, []byte(key)))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Contact{}, false, nil
	case err != nil:
		return fail(err)
	}
	return c, true, nil
}

// PinKey pins key for an existing contact that has none yet (trust on
// first use) and returns the contact. key must be id's key
// (identity.IDFromKey), else ErrKeyMismatch. Pinning the key already
// pinned is a no-op. A different pinned key is ErrKeyMismatch too, though
// it can only be there in data written before ids were checked.
func (s *Store) PinKey(ctx context.Context, id identity.PeerID, key ed25519.PublicKey) (Contact, error) {
	fail := func(err error) (Contact, error) {
		return Contact{}, fmt.Errorf("store: pin key %s: %w", id.Short(), err)
	}
	if err := checkIdentity(id, key); err != nil {
		return fail(err)
	}
	var out Contact
	err := s.write(ctx, func(tx *sql.Tx) error {
		c, err := getContact(ctx, tx, id)
		if err != nil {
			return err
		}
		switch {
		case c.Key == nil:
		case keysEqual(key, c.Key):
			out = c
			return nil
		default:
			return fmt.Errorf("%w: a different key is pinned", ErrKeyMismatch)
		}
		now := s.nowMs()
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET public_key = ?, updated_at = ? WHERE peer_id = ?`,
			[]byte(key), now, id.String()); err != nil {
			return err
		}
		c.Key, c.UpdatedAt = bytes.Clone(key), time.UnixMilli(now)
		out = c
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return out, nil
}

// RecordNewIdentity records that contact contactID now uses the identity
// of newKey (a new key, so a new peer id: identity.IDFromKey(newKey)), for
// example after a reinstall: newKey becomes the contact's PendingKey, and
// Trust answers TrustChanged for the new identity until the user accepts
// (AcceptNewKey) or rejects (RejectNewKey) it. The contact keeps its id and
// pinned key meanwhile, and its old identity stays TrustPinned.
//
// The contact must exist (else ErrNotFound) and have a pinned key; newKey
// must be another identity than the contact's own (else ErrInvalid). A
// different pending key is replaced and PendingSince set to now;
// recording the pending key again changes nothing. An identity is the
// pending new identity of at most one contact: if another contact has
// newKey pending it is ErrExists (reject it there first). The new
// identity may itself be a contact already; AcceptNewKey merges the two.
func (s *Store) RecordNewIdentity(ctx context.Context, contactID identity.PeerID, newKey ed25519.PublicKey) (Contact, error) {
	fail := func(err error) (Contact, error) {
		return Contact{}, fmt.Errorf("store: record new identity of %s: %w", contactID.Short(), err)
	}
	if err := checkKey(contactID, newKey); err != nil {
		return fail(err)
	}
	newID := identity.IDFromKey(newKey)
	if newID == contactID {
		return fail(fmt.Errorf("%w: the new identity is the contact's own", ErrInvalid))
	}
	var out Contact
	err := s.write(ctx, func(tx *sql.Tx) error {
		c, err := getContact(ctx, tx, contactID)
		if err != nil {
			return err
		}
		switch {
		case c.Key == nil:
			return fmt.Errorf("%w: the contact has no pinned key to change from", ErrInvalid)
		case keysEqual(newKey, c.Key):
			return fmt.Errorf("%w: the new key is the pinned key", ErrInvalid)
		case keysEqual(newKey, c.PendingKey):
			out = c
			return nil
		}
		var other string
		err = tx.QueryRowContext(ctx, `SELECT peer_id FROM contacts WHERE pending_key = ?`, []byte(newKey)).Scan(&other)
		switch {
		case err == nil:
			return fmt.Errorf("%w: the identity %s is already pending for another contact", ErrExists, newID.Short())
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		now := s.nowMs()
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET pending_key = ?, pending_since = ?, updated_at = ?
			WHERE peer_id = ?`, []byte(newKey), now, now, contactID.String()); err != nil {
			return err
		}
		c.PendingKey, c.PendingSince, c.UpdatedAt = bytes.Clone(newKey), time.UnixMilli(now), time.UnixMilli(now)
		out = c
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return out, nil
}

// AcceptNewKey resolves the "identity changed" state in favor of the new
// identity: the contact moves to it, in one transaction. Its ID becomes
// identity.IDFromKey(key), its pinned key becomes key and the pending key
// is cleared; the user's fields (names, SignalURL, LANAddr, Favorite,
// Blocked) and CreatedAt are kept, UpdatedAt is now. key must be the
// pending key the user was shown (Contact.PendingKey); if the pending key
// has changed since, or there is none, it is ErrKeyMismatch and nothing
// changes.
//
// If a contact already exists under the new id (say the new identity
// called before it was recognized and was added on its own), the two are
// merged and that row is dropped: the moved contact's fields win, the
// dropped row fills only the ones it left empty (names, SignalURL,
// LANAddr), Favorite and Blocked are kept if either row had them (accepting
// never unblocks), and the earlier CreatedAt is kept.
//
// Call history is not rewritten: calls keep the peer id they were made
// with. The returned contact carries the new ID; the old id is no longer
// a contact (GetContact says ErrNotFound).
func (s *Store) AcceptNewKey(ctx context.Context, contactID identity.PeerID, key ed25519.PublicKey) (Contact, error) {
	fail := func(err error) (Contact, error) {
		return Contact{}, fmt.Errorf("store: accept new key %s: %w", contactID.Short(), err)
	}
	if err := checkKey(contactID, key); err != nil {
		return fail(err)
	}
	newID := identity.IDFromKey(key)
	var out Contact
	err := s.write(ctx, func(tx *sql.Tx) error {
		c, err := getContact(ctx, tx, contactID)
		if err != nil {
			return err
		}
		if c.PendingKey == nil || !keysEqual(key, c.PendingKey) {
			return fmt.Errorf("%w: not the pending key", ErrKeyMismatch)
		}
		if newID == contactID { // RecordNewIdentity never records this
			return fmt.Errorf("%w: the pending identity is the contact's own", ErrKeyMismatch)
		}
		switch other, err := getContact(ctx, tx, newID); {
		case err == nil:
			c = mergeContacts(c, other)
			if _, err := tx.ExecContext(ctx, `DELETE FROM contacts WHERE peer_id = ?`, newID.String()); err != nil {
				return err
			}
		case !errors.Is(err, ErrNotFound):
			return err
		}
		now := s.nowMs()
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET peer_id = ?, name = ?, announced_name = ?,
			public_key = ?, pending_key = NULL, pending_since = NULL, signal_url = ?, lan_addr = ?,
			favorite = ?, blocked = ?, created_at = ?, updated_at = ? WHERE peer_id = ?`,
			newID.String(), c.Name, c.AnnouncedName, []byte(key), c.SignalURL, c.LANAddr,
			c.Favorite, c.Blocked, c.CreatedAt.UnixMilli(), now, contactID.String()); err != nil {
			return err
		}
		c.ID, c.Key, c.PendingKey, c.PendingSince = newID, bytes.Clone(key), nil, time.Time{}
		c.UpdatedAt = time.UnixMilli(now)
		out = c
		return nil
	})
	if err != nil {
		return fail(err)
	}
	return out, nil
}

// mergeContacts merges other (the row already under the new id) into c
// (the contact moving there); see AcceptNewKey.
func mergeContacts(c, other Contact) Contact {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&c.Name, other.Name)
	fill(&c.AnnouncedName, other.AnnouncedName)
	fill(&c.SignalURL, other.SignalURL)
	fill(&c.LANAddr, other.LANAddr)
	c.Favorite = c.Favorite || other.Favorite
	c.Blocked = c.Blocked || other.Blocked
	if other.CreatedAt.Before(c.CreatedAt) {
		c.CreatedAt = other.CreatedAt
	}
	return c
}

// RejectNewKey resolves the "identity changed" state in favor of the
// pinned key: the pending new identity is dropped (the contact stays as
// it was; the new identity is TrustNew again unless it is a contact). If
// it is recorded again (RecordNewIdentity), the state comes back. Without
// a pending key it is a no-op.
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

// checkKey validates a peer id and a key without relating them.
func checkKey(id identity.PeerID, key ed25519.PublicKey) error {
	if id.IsZero() {
		return fmt.Errorf("%w: peer id is zero", ErrInvalid)
	}
	return checkKeySize(key)
}

func checkKeySize(key ed25519.PublicKey) error {
	if len(key) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: key is %d bytes, want %d", ErrInvalid, len(key), ed25519.PublicKeySize)
	}
	return nil
}

// checkIdentity validates id and key and that key is id's key: a peer id
// is the SHA-256 of its key, so a key that does not hash to id is forged.
func checkIdentity(id identity.PeerID, key ed25519.PublicKey) error {
	if err := checkKey(id, key); err != nil {
		return err
	}
	if identity.IDFromKey(key) != id {
		return fmt.Errorf("%w: the key is not peer %s's key (its id is %s)", ErrKeyMismatch, id.Short(), identity.IDFromKey(key).Short())
	}
	return nil
}

// keysEqual compares keys in constant time (habit: keys are compared
// this way everywhere, even public ones).
func keysEqual(a, b []byte) bool {
	return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1
}
