// Package store is Peerline's local database: contacts with their pinned
// keys, call history and settings, in one SQLite file (modernc.org/sqlite,
// pure Go, no cgo).
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
//
// Stored forms: times are Unix milliseconds; peer ids are the canonical
// text of identity.PeerID; enums are their wire strings; keys are 32-byte
// BLOBs; settings are one JSON document with its own version.
//
// # Trust
//
// A contact's Ed25519 key is pinned on first contact (PinKey, or a key
// given to AddContact). When a contact shows up with another key, Trust
// answers TrustChanged and records the key as the contact's PendingKey;
// the pinned key stays, and every later Trust answers TrustChanged too,
// until the user accepts the new key (AcceptNewKey, which must be given
// the pending key they were shown) or rejects it (RejectNewKey). A
// blocked contact is TrustBlocked whatever its key.
//
// # Input
//
// Every value from the user or from peers is validated before it is
// stored; errors wrap ErrInvalid and name the field, never quoting
// secrets. Names: trimmed, 1-64 runes, no control or bidi-override
// characters. Signaling URLs: ws:// or wss://, no credentials or fragment.
// LAN addresses: host:port, port 1-65535. Tokens and TURN credentials are
// of type Secret, which prints as "[redacted]".
package store
