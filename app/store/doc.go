// Package store is Peerline's local database: contacts with their pinned
// keys, call history and settings, in one SQLite file (modernc.org/sqlite,
// pure Go, no cgo).
//
// It owns that file and the rules for what may be stored in it. It does
// not touch the network or the UI: it never dials, listens or emits
// events, and it checks URLs and addresses without contacting them. It
// decides nothing about calls or trust beyond recording them (package
// calls and the bound services decide; the store answers and remembers).
//
// # Durability
//
// The file runs in WAL mode with synchronous=FULL: when a write method
// returns nil the change is on disk, and a crash at any moment (kill -9,
// power loss) leaves a file that opens with every committed change and
// none of an uncommitted one. Every method is one transaction. Writes go
// through one connection (BEGIN IMMEDIATE), so writers in one process
// queue instead of failing with SQLITE_BUSY; reads use a small read-only
// pool that runs beside the writer. One process owns the file at a time.
// See dsn in store.go for each pragma and why.
//
// # Schema versions
//
// Migrations (migrations.go) are numbered from 1 and recorded in the
// schema_migrations table; Open applies the missing ones, each in its own
// transaction with its record, so a failed or interrupted migration leaves
// the previous version intact. Open refuses a file whose version is newer
// than this build knows (ErrSchemaTooNew) and a file that is not a SQLite
// database (ErrCorrupt), without changing either.
//
//	version 1: contacts, calls (history), settings
//	version 2: pending key = a new identity; unique index on it
//	version 3: ring counts (calls.attempts), blocked strangers
//	version 4: call messages (a call's chat)
//	version 5: calls.group_id and calls.cause (group calls, one history
//	           entry per group: ListEntries)
//	version 6: calls.members (a group invite's roster)
//
// Stored forms: times are Unix milliseconds; peer ids are the canonical
// text of identity.PeerID; enums are their wire strings; keys are 32-byte
// BLOBs; settings are one JSON document with its own version. The
// settings table is a key/value store of such documents: "app" holds
// Settings, "window" the app window's WindowState (not a user setting,
// so PutSettings never overwrites it).
//
// # Trust
//
// A peer identity is an Ed25519 key and its peer id, identity.IDFromKey
// (the key's SHA-256), and every connection authenticates the pair. So an
// id never has another key: Trust, PinKey and AddContact refuse a key that
// is not the id's key (ErrKeyMismatch), and a contact's key is pinned
// once, on first contact (PinKey, trust on first use, or a key given to
// AddContact). "Identity changed" means a known contact came back under a
// new identity (new key, new id), say after a reinstall:
// RecordNewIdentity(contact, newKey) makes newKey the contact's PendingKey.
// Trust then answers TrustChanged for the new identity (PendingContactFor
// names the contact) while the old identity stays TrustPinned, until the
// user accepts (AcceptNewKey, given the pending key they were shown: the
// contact moves to the new id with its name, favorite, block and
// addresses, merging any contact already there; call history keeps the
// old id) or rejects it (RejectNewKey). Blocking wins: a blocked contact
// and its pending new identity are TrustBlocked.
//
// # Input
//
// Every value from the user or from peers is validated before it is
// stored; errors wrap ErrInvalid and name the field, never quoting
// secrets. Names: trimmed, 1-64 runes, no control or bidi-override
// characters. Signaling URLs: signaling.ParseServerURL's rules (ws:// or
// wss://, no credentials or fragment; docs/protocol.md §1.1), stored and
// read back in its canonical form, so that one server is one string.
// LAN addresses: host:port, port 1-65535. Tokens and TURN credentials are
// of type Secret, which prints as "[redacted]".
package store
