package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestOpenSetsPragmasAndSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sub", "dir", "peerline.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	for _, db := range []struct {
		name string
		db   *sql.DB
	}{{"writer", s.w}, {"reader", s.r}} {
		for _, p := range []struct {
			pragma string
			want   string
		}{
			{"journal_mode", "wal"},
			{"synchronous", "2"}, // FULL
			{"foreign_keys", "1"},
			{"busy_timeout", fmt.Sprint(BusyTimeout.Milliseconds())},
			{"secure_delete", "1"},
		} {
			var got string
			if err := db.db.QueryRowContext(ctx, "PRAGMA "+p.pragma).Scan(&got); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", db.name, p.pragma, err)
			}
			if got != p.want {
				t.Errorf("%s: PRAGMA %s = %s, want %s", db.name, p.pragma, got, p.want)
			}
		}
	}
	var qo int
	if err := s.r.QueryRowContext(ctx, "PRAGMA query_only").Scan(&qo); err != nil || qo != 1 {
		t.Errorf("reader query_only = %d (%v), want 1", qo, err)
	}
	if _, err := s.r.ExecContext(ctx, `DELETE FROM contacts`); err == nil {
		t.Error("the read pool accepted a write")
	}

	v, err := schemaVersion(ctx, s.r)
	if err != nil || v != len(migrations) {
		t.Fatalf("schema version = %d (%v), want %d", v, err, len(migrations))
	}
	for _, table := range []string{"contacts", "calls", "settings", "schema_migrations"} {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, table).Scan(&n); err != nil || n != 1 {
			t.Errorf("table %s: count %d (%v)", table, n, err)
		}
	}

	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("database file mode %v, want 0600", st.Mode().Perm())
	}
	if st, err := os.Stat(path + "-wal"); err == nil && st.Mode().Perm() != 0o600 {
		t.Errorf("WAL file mode %v, want 0600", st.Mode().Perm())
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("created directory mode %v (%v), want 0700", st.Mode().Perm(), err)
	}
}

func TestReopenIsIdempotent(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	id, key := testPeer(t, 1)
	for i := 0; i < 3; i++ {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if i == 0 {
			if _, err := s.AddContact(ctx, Contact{ID: id, Name: "Ada", Key: key}); err != nil {
				t.Fatal(err)
			}
		}
		c, err := s.GetContact(ctx, id)
		if err != nil || c.Name != "Ada" {
			t.Fatalf("open %d: contact %+v, %v", i, c, err)
		}
		var rows int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != len(migrations) {
			t.Fatalf("open %d: %d schema_migrations rows (%v), want %d", i, rows, err, len(migrations))
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMigrationVersionsAreContiguous(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migration %d (%s) has version %d", i, m.name, m.version)
		}
		if len(m.stmts) == 0 {
			t.Errorf("migration %d has no statements", m.version)
		}
	}
}

// openRaw opens a plain writer pool on path, as Open does, for tests that
// drive migrate by hand.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestFailedMigrationKeepsDataAndVersion(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	id, key := testPeer(t, 1)
	if _, err := s.AddContact(ctx, Contact{ID: id, Name: "Ada", Key: key}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	bad := append(append([]migration(nil), migrations...), migration{
		version: len(migrations) + 1,
		name:    "half works",
		stmts: []string{
			`ALTER TABLE contacts ADD COLUMN nickname TEXT`,
			`UPDATE contacts SET name = 'clobbered'`,
			`SELECT * FROM no_such_table`,
		},
	})
	db := openRaw(t, path)
	if err := migrate(ctx, db, bad); err == nil {
		t.Fatal("migrate with a failing step succeeded")
	}
	db.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen after failed migration: %v", err)
	}
	defer s.Close()
	if v, _ := schemaVersion(ctx, s.r); v != len(migrations) {
		t.Errorf("version after failed migration = %d, want %d", v, len(migrations))
	}
	c, err := s.GetContact(ctx, id)
	if err != nil || c.Name != "Ada" {
		t.Errorf("contact after failed migration: %+v, %v", c, err)
	}
	var cols int
	s.r.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info('contacts') WHERE name = 'nickname'`).Scan(&cols)
	if cols != 0 {
		t.Error("the failed migration's ALTER TABLE stayed")
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A newer build adds a migration.
	newer := append(append([]migration(nil), migrations...), migration{
		version: len(migrations) + 1,
		name:    "from the future",
		stmts:   []string{`CREATE TABLE future (x INTEGER) STRICT`},
	})
	db := openRaw(t, path)
	if err := migrate(ctx, db, newer); err != nil {
		t.Fatalf("newer migrate: %v", err)
	}
	db.Close()

	before := fileHash(t, path)
	_, err = Open(ctx, path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open(newer) err = %v, want ErrSchemaTooNew", err)
	}
	t.Logf("error reads: %v", err)
	if fileHash(t, path) != before {
		t.Error("Open changed a database it refused")
	}
}

func TestOpenRefusesNotADatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	junk := bytes.Repeat([]byte("this is not a SQLite database. "), 200)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, path)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open(junk) err = %v, want ErrCorrupt", err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, junk) {
		t.Error("Open changed the file it refused")
	}
}

func TestOpenPathWithURISpecialCharacters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a ?b#c%d&e=f", "peerline.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutSettings(ctx, Settings{DisplayName: "x"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the given path: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(filepath.Dir(path)))
	if len(entries) != 1 {
		t.Errorf("stray files beside the data directory: %v", entries)
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := Open(context.Background(), ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("Open(\"\") err = %v, want ErrInvalid", err)
	}
}

func TestOpenEndsInterruptedCalls(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	start := time.UnixMilli(1_700_000_000_000)
	id := fastPeer(1)
	if _, err := s.AddCall(ctx, Call{ID: "ringing", Peer: id, Direction: DirectionIncoming, Media: MediaVideo, StartedAt: start}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCall(ctx, Call{ID: "talking", Peer: id, Direction: DirectionOutgoing, Media: MediaAudio,
		StartedAt: start, AnsweredAt: start.Add(3 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	calls, _, err := s.ListHistory(ctx, 0, "")
	if err != nil || len(calls) != 2 {
		t.Fatalf("history: %v, %v", calls, err)
	}
	for _, c := range calls {
		if c.Outcome != OutcomeInterrupted || c.EndedAt.IsZero() || c.Duration() != 0 || c.Error == "" {
			t.Errorf("call %s after reopen: %+v", c.ID, c)
		}
	}
}

// TestConcurrentWriters runs writers and readers from many goroutines,
// on one Store and on a second Store over the same file (as a second
// process would), and expects no error at all: no SQLITE_BUSY leaks out.
func TestConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	s1, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()

	const workers, each = 8, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*each*6)
	for w := 0; w < workers; w++ {
		s := s1
		if w%2 == 1 {
			s = s2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				n := w*1000 + i
				id, key := seedPeer("concurrent", n)
				_, err := s.AddContact(ctx, Contact{ID: id, Name: fmt.Sprintf("peer %d", n)})
				errs <- err
				_, err = s.AddCall(ctx, Call{ID: fmt.Sprintf("call-%d", n), Peer: id, Direction: DirectionOutgoing,
					Media: MediaVideo, StartedAt: time.UnixMilli(int64(1_700_000_000_000 + n)),
					EndedAt: time.UnixMilli(int64(1_700_000_000_000 + n)), Outcome: OutcomeCancelled})
				errs <- err
				_, err = s.Trust(ctx, id, key)
				errs <- err
				_, err = s.SetFavorite(ctx, id, i%2 == 0)
				errs <- err
				_, err = s.ListContacts(ctx)
				errs <- err
				_, _, err = s.ListHistory(ctx, 10, "")
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	cs, err := s1.ListContacts(ctx)
	if err != nil || len(cs) != workers*each {
		t.Fatalf("%d contacts (%v), want %d", len(cs), err, workers*each)
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}
