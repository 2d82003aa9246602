package store

import "errors"

// ErrNotFound means the contact or call asked for is not in the store.
var ErrNotFound = errors.New("not found")

// ErrExists means a contact with that peer id, or a call with that call id,
// is already stored; from RecordNewIdentity, that the new identity is
// already another contact's pending one.
var ErrExists = errors.New("already exists")

// ErrInvalid means an argument failed validation: a name, URL, address,
// key, enum, time or cursor. The wrapping message says which field and
// why; it never quotes secrets (tokens, credentials).
var ErrInvalid = errors.New("invalid")

// ErrKeyMismatch means a key operation was given a key other than the one
// it acts on: a key that is not the peer id's key (identity.IDFromKey; a
// forged identity) in Trust, PinKey or AddContact; PinKey when a different
// key is already pinned (a pinned key is never replaced silently); or
// AcceptNewKey with a key that is not the pending one (the pending
// identity changed since the user looked, or there is none).
var ErrKeyMismatch = errors.New("key mismatch")

// ErrSchemaTooNew means the database was written by a newer Peerline whose
// schema this build does not know. Open refuses it without touching it;
// the user must run the newer version (or restore a backup).
var ErrSchemaTooNew = errors.New("database schema is newer than this version of Peerline")

// ErrCorrupt means the file is not a SQLite database or SQLite reports it
// damaged. Open leaves such a file untouched.
var ErrCorrupt = errors.New("database file is not a database or is damaged")

// ErrClosed means the store was closed.
var ErrClosed = errors.New("store is closed")
