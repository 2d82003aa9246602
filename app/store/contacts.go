package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// Contact is a person the user knows, under one peer identity (ID, Key).
// Keys and the id change only through PinKey, RecordNewIdentity and
// AcceptNewKey/RejectNewKey; everything else through UpdateContact and its
// shorthands.
type Contact struct {
	// ID is the peer id, the primary key; never zero. It changes only when
	// the contact moves to a new identity (AcceptNewKey).
	ID identity.PeerID `json:"id"`
	// Name is the user's own name for the contact; "" means none, show
	// AnnouncedName. 1-64 runes when set (see DisplayName).
	Name string `json:"name"`
	// AnnouncedName is the name the peer announced for itself (LAN TXT
	// record, invite); "" when unknown. Same rules as Name.
	AnnouncedName string `json:"announcedName"`
	// Key is the pinned Ed25519 public key, nil until first contact. When
	// set, identity.IDFromKey(Key) == ID: a peer id is its key's hash, so
	// one id never has another key.
	Key ed25519.PublicKey `json:"key,omitempty"`
	// PendingKey is the key of the contact's new identity, recorded by
	// RecordNewIdentity (say the contact reinstalled and came back under
	// a new key, hence a new peer id, identity.IDFromKey(PendingKey)): the
	// "identity changed" state. Calls from the new identity are held
	// (Trust says TrustChanged) until AcceptNewKey moves the contact to it
	// or RejectNewKey drops it; the old identity (ID, Key) stays pinned
	// meanwhile. nil when none; only with Key set; never the contact's own
	// identity, and pending for at most one contact.
	PendingKey ed25519.PublicKey `json:"pendingKey,omitempty"`
	// PendingSince is when PendingKey was recorded.
	PendingSince time.Time `json:"pendingSince,omitzero"`
	// SignalURL is the signaling server (ws:// or wss://) to reach the
	// contact through; "" means the app's configured servers.
	SignalURL string `json:"signalUrl"`
	// LANAddr is a host:port to dial directly, for networks where
	// multicast (mDNS discovery) does not work; "" means none.
	LANAddr string `json:"lanAddr"`
	// Favorite contacts list first.
	Favorite bool `json:"favorite"`
	// Blocked contacts cannot call: Trust says TrustBlocked.
	Blocked bool `json:"blocked"`
	// CreatedAt and UpdatedAt are set by the store (millisecond precision).
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// DisplayName is the name to show: the user's Name, else the
// AnnouncedName, else the short peer id.
func (c Contact) DisplayName() string {
	switch {
	case c.Name != "":
		return c.Name
	case c.AnnouncedName != "":
		return c.AnnouncedName
	}
	return c.ID.Short()
}

// KeyChanged reports whether the contact is in the "identity changed"
// state (a pending new identity awaits the user's decision).
func (c Contact) KeyChanged() bool { return c.PendingKey != nil }

// normalize validates the user-editable fields and returns c with names
// trimmed and URL/address normalized.
func (c Contact) normalize() (Contact, error) {
	if c.ID.IsZero() {
		return c, errors.New("peer id is zero")
	}
	var err error
	if c.Name != "" {
		if c.Name, err = normalizeName(c.Name); err != nil {
			return c, fmt.Errorf("name: %w", err)
		}
	}
	if c.AnnouncedName != "" {
		if c.AnnouncedName, err = normalizeName(c.AnnouncedName); err != nil {
			return c, fmt.Errorf("announced name: %w", err)
		}
	}
	if c.SignalURL != "" {
		if c.SignalURL, err = normalizeSignalURL(c.SignalURL); err != nil {
			return c, fmt.Errorf("signaling URL: %w", err)
		}
	}
	if c.LANAddr != "" {
		if c.LANAddr, err = normalizeLANAddr(c.LANAddr); err != nil {
			return c, fmt.Errorf("LAN address: %w", err)
		}
	}
	if c.Key != nil && len(c.Key) != ed25519.PublicKeySize {
		return c, fmt.Errorf("key is %d bytes, want %d", len(c.Key), ed25519.PublicKeySize)
	}
	return c, nil
}

// AddContact stores a new contact and returns it as stored (normalized,
// with times set). c.Key may be set (pinning it) or nil; a key that is not
// c.ID's key (identity.IDFromKey) is ErrKeyMismatch. c.PendingKey must be
// nil. A contact with the same id is ErrExists.
func (s *Store) AddContact(ctx context.Context, c Contact) (Contact, error) {
	fail := func(err error) (Contact, error) {
		return Contact{}, fmt.Errorf("store: add contact %s: %w", c.ID.Short(), err)
	}
	c, err := c.normalize()
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrInvalid, err))
	}
	if c.PendingKey != nil || !c.PendingSince.IsZero() {
		return fail(fmt.Errorf("%w: a new contact has no pending key", ErrInvalid))
	}
	if c.Key != nil && identity.IDFromKey(c.Key) != c.ID {
		return fail(fmt.Errorf("%w: the key is not the peer id's key", ErrKeyMismatch))
	}
	now := s.nowMs()
	c.CreatedAt, c.UpdatedAt = time.UnixMilli(now), time.UnixMilli(now)
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := getContact(ctx, tx, c.ID); err == nil {
			return ErrExists
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO contacts (peer_id, name, announced_name, public_key,
			signal_url, lan_addr, favorite, blocked, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.ID.String(), c.Name, c.AnnouncedName, keyArg(c.Key), c.SignalURL, c.LANAddr,
			c.Favorite, c.Blocked, now, now)
		return err
	})
	if err != nil {
		return fail(err)
	}
	return c, nil
}

// GetContact returns one contact, or ErrNotFound.
func (s *Store) GetContact(ctx context.Context, id identity.PeerID) (Contact, error) {
	c, err := getContact(ctx, s.r, id)
	if err != nil {
		return Contact{}, fmt.Errorf("store: get contact %s: %w", id.Short(), err)
	}
	return c, nil
}

// ListContacts returns every contact: favorites first, then by display
// name (case-insensitive, Unicode simple folding; not a locale collation),
// then by peer id (its bytes) so the order is total.
func (s *Store) ListContacts(ctx context.Context) ([]Contact, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+contactCols+` FROM contacts`)
	if err != nil {
		return nil, fmt.Errorf("store: list contacts: %w", err)
	}
	defer rows.Close()
	var out []Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, fmt.Errorf("store: list contacts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: list contacts: %w", err)
	}
	type keyed struct {
		fold string
		c    Contact
	}
	ks := make([]keyed, len(out))
	for i, c := range out {
		ks[i] = keyed{strings.ToLower(c.DisplayName()), c}
	}
	sort.Slice(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		if a.c.Favorite != b.c.Favorite {
			return a.c.Favorite
		}
		if a.fold != b.fold {
			return a.fold < b.fold
		}
		return bytes.Compare(a.c.ID[:], b.c.ID[:]) < 0
	})
	for i := range ks {
		out[i] = ks[i].c
	}
	return out, nil
}

// UpdateContact changes a contact atomically: it loads the contact, calls
// edit on it, validates the result and stores it, all in one transaction,
// so concurrent edits of different fields do not undo each other. edit
// runs while the store's writer is held: keep it short and do not call the
// store from it. If edit returns an error nothing changes and that error
// is returned (wrapped). edit may change the names, SignalURL, LANAddr,
// Favorite and Blocked; changing ID, keys or times is ErrInvalid.
func (s *Store) UpdateContact(ctx context.Context, id identity.PeerID, edit func(*Contact) error) (Contact, error) {
	var out Contact
	err := s.write(ctx, func(tx *sql.Tx) error {
		old, err := getContact(ctx, tx, id)
		if err != nil {
			return err
		}
		c := old
		c.Key = bytes.Clone(old.Key)
		c.PendingKey = bytes.Clone(old.PendingKey)
		if err := edit(&c); err != nil {
			return err
		}
		if c.ID != old.ID || !bytes.Equal(c.Key, old.Key) || !bytes.Equal(c.PendingKey, old.PendingKey) ||
			!c.PendingSince.Equal(old.PendingSince) || !c.CreatedAt.Equal(old.CreatedAt) || !c.UpdatedAt.Equal(old.UpdatedAt) {
			return fmt.Errorf("%w: id, keys and times cannot be edited", ErrInvalid)
		}
		if c, err = c.normalize(); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalid, err)
		}
		now := s.nowMs()
		c.UpdatedAt = time.UnixMilli(now)
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET name = ?, announced_name = ?, signal_url = ?,
			lan_addr = ?, favorite = ?, blocked = ?, updated_at = ? WHERE peer_id = ?`,
			c.Name, c.AnnouncedName, c.SignalURL, c.LANAddr, c.Favorite, c.Blocked, now, id.String()); err != nil {
			return err
		}
		out = c
		return nil
	})
	if err != nil {
		return Contact{}, fmt.Errorf("store: update contact %s: %w", id.Short(), err)
	}
	return out, nil
}

// Rename sets the user's name for a contact (1-64 runes after trimming;
// clear it with UpdateContact and Name "").
func (s *Store) Rename(ctx context.Context, id identity.PeerID, name string) (Contact, error) {
	n, err := normalizeName(name)
	if err != nil {
		return Contact{}, fmt.Errorf("store: rename %s: %w: name: %w", id.Short(), ErrInvalid, err)
	}
	return s.UpdateContact(ctx, id, func(c *Contact) error { c.Name = n; return nil })
}

// SetAnnouncedName records the name the peer announced for itself.
func (s *Store) SetAnnouncedName(ctx context.Context, id identity.PeerID, name string) (Contact, error) {
	n, err := normalizeName(name)
	if err != nil {
		return Contact{}, fmt.Errorf("store: set announced name %s: %w: name: %w", id.Short(), ErrInvalid, err)
	}
	return s.UpdateContact(ctx, id, func(c *Contact) error { c.AnnouncedName = n; return nil })
}

// SetFavorite marks or unmarks a contact as a favorite.
func (s *Store) SetFavorite(ctx context.Context, id identity.PeerID, favorite bool) (Contact, error) {
	return s.UpdateContact(ctx, id, func(c *Contact) error { c.Favorite = favorite; return nil })
}

// SetBlocked blocks or unblocks a contact.
func (s *Store) SetBlocked(ctx context.Context, id identity.PeerID, blocked bool) (Contact, error) {
	return s.UpdateContact(ctx, id, func(c *Contact) error { c.Blocked = blocked; return nil })
}

// DeleteContact removes a contact, its pinned key and any pending new
// identity. Its call history stays (history rows keep the peer's name at
// the time).
func (s *Store) DeleteContact(ctx context.Context, id identity.PeerID) error {
	err := s.deleteOne(ctx, `DELETE FROM contacts WHERE peer_id = ?`, id.String())
	if err != nil {
		return fmt.Errorf("store: delete contact %s: %w", id.Short(), err)
	}
	return nil
}

const contactCols = `peer_id, name, announced_name, public_key, pending_key, pending_since,
	signal_url, lan_addr, favorite, blocked, created_at, updated_at`

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getContact(ctx context.Context, q queryer, id identity.PeerID) (Contact, error) {
	if id.IsZero() {
		return Contact{}, fmt.Errorf("%w: peer id is zero", ErrInvalid)
	}
	c, err := scanContact(q.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts WHERE peer_id = ?`, id.String()))
	if errors.Is(err, sql.ErrNoRows) {
		return Contact{}, ErrNotFound
	}
	return c, err
}

func scanContact(row interface{ Scan(...any) error }) (Contact, error) {
	var (
		c                Contact
		id               string
		key, pending     []byte
		since            sql.NullInt64
		created, updated int64
	)
	if err := row.Scan(&id, &c.Name, &c.AnnouncedName, &key, &pending, &since,
		&c.SignalURL, &c.LANAddr, &c.Favorite, &c.Blocked, &created, &updated); err != nil {
		return Contact{}, err
	}
	pid, err := identity.Parse(id)
	if err != nil {
		return Contact{}, fmt.Errorf("%w: stored peer id: %w", ErrCorrupt, err)
	}
	c.ID = pid
	c.SignalURL = canonicalSignalURL(c.SignalURL)
	if key != nil {
		c.Key = ed25519.PublicKey(key)
	}
	if pending != nil {
		c.PendingKey = ed25519.PublicKey(pending)
	}
	c.PendingSince = msTime(since)
	c.CreatedAt = time.UnixMilli(created)
	c.UpdatedAt = time.UnixMilli(updated)
	return c, nil
}

// keyArg stores a nil key as NULL (an empty BLOB would fail the length
// check, and nil means "none").
func keyArg(k ed25519.PublicKey) any {
	if k == nil {
		return nil
	}
	return []byte(k)
}
