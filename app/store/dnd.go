package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// dndKey is the settings table row that holds DoNotDisturb: a document
// of its own, like the window's, so that PutSettings (which the UI calls
// with the whole Settings it loaded earlier) never turns do not disturb
// back on or off behind the tray's or another window's back.
const dndKey = "do_not_disturb"

// dndVersion is the version of the DoNotDisturb JSON this build writes.
const dndVersion = 1

// DoNotDisturb is the user's do-not-disturb switch as stored: On, and
// until when. A zero Until with On means until turned off. Whether it is
// still in force is the reader's question (an Until in the past is off);
// the store keeps what was put.
type DoNotDisturb struct {
	On    bool
	Until time.Time // zero: until turned off
}

// dndDoc is DoNotDisturb's JSON: until in Unix milliseconds, 0 for none.
type dndDoc struct {
	On    bool  `json:"on"`
	Until int64 `json:"until"`
}

// DoNotDisturb returns the stored switch; off when none was put, or when
// the stored one does not decode (a damaged or newer document): calls
// then ring, which is the safe side of a lost setting.
func (s *Store) DoNotDisturb(ctx context.Context) (DoNotDisturb, error) {
	var raw string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, dndKey).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return DoNotDisturb{}, nil
	}
	if err != nil {
		return DoNotDisturb{}, fmt.Errorf("store: get do not disturb: %w", err)
	}
	var doc dndDoc
	if json.Unmarshal([]byte(raw), &doc) != nil || doc.Until < 0 {
		return DoNotDisturb{}, nil
	}
	d := DoNotDisturb{On: doc.On}
	if doc.On && doc.Until > 0 {
		d.Until = time.UnixMilli(doc.Until)
	}
	return d, nil
}

// PutDoNotDisturb replaces the stored switch. Until is kept to the
// millisecond; it is ignored when d is off.
func (s *Store) PutDoNotDisturb(ctx context.Context, d DoNotDisturb) error {
	doc := dndDoc{On: d.On}
	if d.On && !d.Until.IsZero() {
		if doc.Until = d.Until.UnixMilli(); doc.Until <= 0 {
			return fmt.Errorf("store: put do not disturb: %w: until before 1970", ErrInvalid)
		}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("store: put do not disturb: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, version, value, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET version = excluded.version, value = excluded.value,
			updated_at = excluded.updated_at`,
			dndKey, dndVersion, string(raw), s.nowMs())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: put do not disturb: %w", err)
	}
	return nil
}
