package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migration is one step of the schema. Versions count up from 1 with no
// gaps; a released migration is never edited, only followed by a new one.
//
// Each migration runs in one transaction together with the row recording
// it in schema_migrations, so a failure (or a crash) leaves the database
// at the previous version with its data intact, and the next Open retries.
// SQLite's DDL is transactional, so this holds for CREATE/ALTER/DROP too.
// A future table rebuild must follow SQLite's 12-step recipe
// (https://www.sqlite.org/lang_altertable.html#otheralter) without
// toggling foreign_keys, which is a no-op inside a transaction; use
// PRAGMA defer_foreign_keys instead.
type migration struct {
	version int
	name    string
	stmts   []string
}

// migrations is the schema history. Times are Unix milliseconds; peer ids
// are identity.PeerID canonical text; enums are their wire strings, checked
// in Go rather than by CHECK constraints so that adding a value is a code
// change, not a table rebuild.
var migrations = []migration{
	{1, "contacts, calls, settings", []string{
		`CREATE TABLE contacts (
			peer_id        TEXT    PRIMARY KEY NOT NULL,
			name           TEXT    NOT NULL DEFAULT '',
			announced_name TEXT    NOT NULL DEFAULT '',
			public_key     BLOB    CHECK (public_key IS NULL OR length(public_key) = 32),
			pending_key    BLOB    CHECK (pending_key IS NULL OR length(pending_key) = 32),
			pending_since  INTEGER,
			signal_url     TEXT    NOT NULL DEFAULT '',
			lan_addr       TEXT    NOT NULL DEFAULT '',
			favorite       INTEGER NOT NULL DEFAULT 0 CHECK (favorite IN (0, 1)),
			blocked        INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
			created_at     INTEGER NOT NULL,
			updated_at     INTEGER NOT NULL,
			CHECK (pending_key IS NULL OR public_key IS NOT NULL)
		) STRICT`,
		`CREATE TABLE calls (
			seq         INTEGER PRIMARY KEY,
			call_id     TEXT    NOT NULL UNIQUE,
			peer_id     TEXT    NOT NULL,
			peer_name   TEXT    NOT NULL DEFAULT '',
			direction   TEXT    NOT NULL,
			media       TEXT    NOT NULL,
			started_at  INTEGER NOT NULL,
			answered_at INTEGER,
			ended_at    INTEGER,
			outcome     TEXT    NOT NULL,
			error       TEXT    NOT NULL DEFAULT ''
		) STRICT`,
		`CREATE INDEX calls_by_time ON calls (started_at DESC, seq DESC)`,
		`CREATE TABLE settings (
			key        TEXT    PRIMARY KEY NOT NULL,
			version    INTEGER NOT NULL,
			value      TEXT    NOT NULL CHECK (json_valid(value)),
			updated_at INTEGER NOT NULL
		) STRICT`,
	}},
	// Version 2: a pending key is a contact's new identity (another key,
	// so another peer id), not another key under the same id. Pending keys
	// recorded under the old meaning could only come from unauthenticated
	// or forged input (an authenticated id has exactly one key), so they
	// are dropped. An identity is pending for at most one contact, and
	// Trust looks contacts up by pending key.
	{2, "pending key is a new identity", []string{
		`UPDATE contacts SET pending_key = NULL, pending_since = NULL WHERE pending_key IS NOT NULL`,
		`CREATE UNIQUE INDEX contacts_by_pending_key ON contacts (pending_key) WHERE pending_key IS NOT NULL`,
	}},
	// Version 3: strangers and floods. A call entry counts the rings it
	// stands for (a stranger ringing again and again is one missed entry),
	// and strangers the user blocked are kept outside the contacts.
	{3, "ring counts, blocked strangers", []string{
		`ALTER TABLE calls ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1)`,
		`CREATE TABLE blocked_strangers (
			peer_id    TEXT    PRIMARY KEY NOT NULL,
			name       TEXT    NOT NULL DEFAULT '',
			blocked_at INTEGER NOT NULL
		) STRICT`,
		`CREATE INDEX blocked_strangers_by_time ON blocked_strangers (blocked_at)`,
	}},
	// Version 4: the chat of a call (issue 15), kept with the call. No
	// foreign key: messages come during the call, its row only at the end
	// (the history's write-behind queue); deleting a call deletes them.
	{4, "call messages", []string{
		`CREATE TABLE call_messages (
			seq       INTEGER PRIMARY KEY,
			call_id   TEXT    NOT NULL,
			msg_id    TEXT    NOT NULL,
			from_peer TEXT    NOT NULL,
			text      TEXT    NOT NULL,
			sent_at   INTEGER NOT NULL,
			UNIQUE (call_id, from_peer, msg_id)
		) STRICT`,
	}},
	// Version 5: group calls (issue 15). A group call is a set of 1:1
	// calls, its legs, sharing a group id (package calls): each leg stays
	// its own row (its outcome, its peer's trust), and the group id lets
	// the history fold them into one entry (history_entries.go). '' is a
	// call placed 1:1, which is also the first leg of a group that grew
	// from it (the group id is that call's id). cause is the app's error
	// code of why a call could not go on (package errcode: call_full,
	// offline, ...), '' when a person or a timer ended it; rows from
	// before read '' for both, as the 1:1 calls they were.
	{5, "group calls", []string{
		`ALTER TABLE calls ADD COLUMN group_id TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE calls ADD COLUMN cause TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX calls_by_group ON calls (group_id, started_at, seq)`,
	}},
	// members: the others a group invite we got named (its signed roster),
	// space-separated peer ids, so a group call we missed or declined
	// still says who was in it; '' for every other call and for rows from
	// before.
	{6, "group invite rosters", []string{
		`ALTER TABLE calls ADD COLUMN members TEXT NOT NULL DEFAULT ''`,
	}},
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at INTEGER NOT NULL
) STRICT`

// migrate brings db up to the last of ms, one transaction per step. It
// refuses a database newer than ms before changing anything.
func migrate(ctx context.Context, db *sql.DB, ms []migration) error {
	for i, m := range ms {
		if m.version != i+1 {
			return fmt.Errorf("migration %q has version %d, want %d", m.name, m.version, i+1)
		}
	}
	if _, err := db.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	cur, err := schemaVersion(ctx, db)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if cur > len(ms) {
		return fmt.Errorf("migrate: %w: the file has schema version %d, this build knows up to %d; run a newer Peerline",
			ErrSchemaTooNew, cur, len(ms))
	}
	for _, m := range ms[cur:] {
		if err := apply(ctx, db, m); err != nil {
			return fmt.Errorf("migrate to version %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// apply runs one migration and records it, atomically. It re-reads the
// version inside the transaction, so two processes opening the same file
// at once apply each step once.
func apply(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see dsn)
	if err != nil {
		return err
	}
	defer tx.Rollback() // no-op after Commit
	cur, err := schemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if cur >= m.version {
		return nil
	}
	for _, stmt := range m.stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}
