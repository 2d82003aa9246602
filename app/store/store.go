package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// BusyTimeout is how long a statement waits for a lock held by another
// connection (another process, or a checkpoint) before failing with
// SQLITE_BUSY. Inside one process writes never wait on each other: they
// share the one writer connection.
const BusyTimeout = 5 * time.Second

// maxReaders bounds the read pool. Readers in WAL mode never block the
// writer nor each other; the app reads little, so a few are plenty.
const maxReaders = 4

// Store is the app's database. Its methods are safe for concurrent use.
//
// It holds two database/sql pools on the same file: one writer connection
// (every write transaction runs on it, BEGIN IMMEDIATE, so in-process
// writers queue in Go instead of racing for SQLite's lock), and a small
// read-only pool (query_only) that WAL lets run beside the writer.
type Store struct {
	w    *sql.DB
	r    *sql.DB
	path string
	now  func() time.Time // tests replace it
	hist historyBatch     // history writes waiting for their commit (QueueCall)
}

// Open opens the database at path, creating it (and its directory, mode
// 0700) when missing, and migrates it to the current schema. It refuses a
// database written by a newer Peerline (ErrSchemaTooNew) and a file that is
// not a database (ErrCorrupt), leaving either untouched.
//
// One process owns the database at a time (the app's single-instance lock
// must ensure it): Open marks calls left ongoing by a previous run, which
// crashed or was killed, as OutcomeInterrupted.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("store: open: %w: empty path", ErrInvalid)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	// Create the file ourselves with mode 0600: SQLite would use 0644, and
	// the settings hold signaling tokens and TURN credentials. SQLite gives
	// the -wal and -shm files the mode of the database file.
	// An existing file keeps its mode through OpenFile: narrow it (and
	// the -wal and -shm an earlier run left) in case it was made wider.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	err = f.Chmod(0o600)
	f.Close()
	if err != nil && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	for _, side := range []string{abs + "-wal", abs + "-shm"} {
		if err := os.Chmod(side, 0o600); err != nil && !errors.Is(err, fs.ErrNotExist) && runtime.GOOS != "windows" {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}

	w, err := sql.Open("sqlite", dsn(abs, false))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := checkWAL(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, classify(err))
	}
	if err := migrate(ctx, w, migrations); err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, classify(err))
	}

	r, err := sql.Open("sqlite", dsn(abs, true))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(maxReaders)
	r.SetMaxIdleConns(maxReaders)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	if err := r.PingContext(ctx); err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, classify(err))
	}

	s := &Store{w: w, r: r, path: abs, now: time.Now}
	if err := s.endInterruptedCalls(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, classify(err))
	}
	return s, nil
}

// Close closes the database. Readers close first so that the writer is
// the last connection: SQLite then checkpoints the WAL into the main file.
func (s *Store) Close() error {
	// Queued history first: a clean close loses no call.
	err := s.closeHistory()
	return errors.Join(err, s.r.Close(), s.w.Close())
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// dsn builds the connection string. Each connection runs these pragmas
// when the pool opens it:
//
//   - journal_mode=WAL: readers do not block the writer, and a commit is
//     one append to the -wal file. A crash (kill -9, power loss) at any
//     moment leaves the last committed state: SQLite replays or ignores
//     the WAL tail on the next open by checksums.
//   - synchronous=FULL: with WAL, NORMAL only syncs at checkpoints, so a
//     commit that returned can still vanish on power loss or an OS crash
//     (never on an app crash: the OS page cache survives the process).
//     FULL fsyncs the WAL on every commit, so "committed" means durable:
//     a call the user saw in history, a contact they added, a key they
//     pinned stay. The cost is one fsync per write transaction, which the
//     app makes a few of per call.
//   - fullfsync=1: on macOS fsync does not flush the drive's cache;
//     F_FULLFSYNC does. A no-op on other systems.
//   - foreign_keys=1: enforce references (none in schema 1; future ones
//     must hold).
//   - busy_timeout: wait rather than fail on another connection's lock.
//   - secure_delete=1: deleted rows (ClearHistory, DeleteContact) are
//     overwritten in the file rather than left in free pages.
//   - _txlock=immediate: BEGIN IMMEDIATE takes the write lock up front,
//     so a transaction that reads then writes cannot deadlock on a lock
//     upgrade (SQLITE_BUSY that busy_timeout cannot help with).
//   - query_only (read pool): a read connection can never write.
//
// The path goes in a file: URI, escaped, so '?', '#' and '%' in directory
// names stay part of the path.
func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", fmt.Sprint(BusyTimeout.Milliseconds()))
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_foreign_keys", "1")
	q.Set("_txlock", "immediate")
	q.Add("_pragma", "fullfsync(1)")
	q.Add("_pragma", "secure_delete(1)")
	if readOnly {
		q.Set("_query_only", "1")
	}
	p := filepath.ToSlash(path)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // Windows: C:/Users/... becomes file:///C:/Users/...
	}
	u := url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}
	return u.String()
}

// checkWAL makes sure the file really is in WAL mode: SQLite silently
// keeps the old mode where WAL cannot work (some network filesystems), and
// the read pool relies on WAL.
func checkWAL(ctx context.Context, db *sql.DB) error {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal (is the file on a network filesystem?)", mode)
	}
	return nil
}

// write runs fn in one write transaction on the writer connection and
// commits it. fn must not call other Store methods (the writer is busy
// with fn).
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return classify(err)
	}
	// Roll back on error and on panic (an UpdateContact edit func may
	// panic): a transaction left open would hold the only writer
	// connection forever. After Commit this is a no-op.
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return classify(err)
	}
	return nil
}

// nowMs is the store's clock in Unix milliseconds, the unit of every time
// column.
func (s *Store) nowMs() int64 { return s.now().UnixMilli() }

// classify adds ErrCorrupt to SQLite's "not a database" and "corrupt"
// errors so callers can tell a damaged file from a passing failure.
func classify(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	return err
}

// msTime converts a stored millisecond time; 0 or NULL is the zero time.
func msTime(ms sql.NullInt64) time.Time {
	if !ms.Valid || ms.Int64 == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64)
}

// timeMs converts a time for storage; the zero time is NULL.
func timeMs(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMilli(), Valid: true}
}

// deleteOne runs a DELETE in a write transaction; when it removes no row
// the answer is ErrNotFound.
func (s *Store) deleteOne(ctx context.Context, query string, args ...any) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return nil
	})
}
