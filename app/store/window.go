package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// windowKey is the settings table row that holds the WindowState: a
// document of its own, so PutSettings (which the UI calls with the whole
// Settings) never overwrites it, and no migration was needed.
const windowKey = "window"

// windowStateVersion is the version of the WindowState JSON this build
// writes.
const windowStateVersion = 1

// Window geometry limits. X11 and GTK cap a window at 32767 pixels; a
// window over 16384 (four 4K screens side by side) or placed further out
// than that is a damaged record, not a window.
const (
	MaxWindowSize  = 16384
	MaxWindowCoord = 16384
)

// WindowState is where the app window was when it last closed: its normal
// (not maximised) size and position in screen pixels, the position being
// the top-left corner of the window frame, and whether it was maximised.
// It belongs to the app, not the user: the UI never sees it.
type WindowState struct {
	X         int  `json:"x"`
	Y         int  `json:"y"`
	Width     int  `json:"width"`
	Height    int  `json:"height"`
	Maximised bool `json:"maximised"`
}

// validate refuses sizes below 1 or above MaxWindowSize and positions
// beyond ±MaxWindowCoord. Negative positions are fine: a screen left of or
// above the primary one has them.
func (w WindowState) validate() error {
	switch {
	case w.Width < 1 || w.Width > MaxWindowSize:
		return fmt.Errorf("window width %d: want 1-%d", w.Width, MaxWindowSize)
	case w.Height < 1 || w.Height > MaxWindowSize:
		return fmt.Errorf("window height %d: want 1-%d", w.Height, MaxWindowSize)
	case w.X < -MaxWindowCoord || w.X > MaxWindowCoord:
		return fmt.Errorf("window x %d: want ±%d", w.X, MaxWindowCoord)
	case w.Y < -MaxWindowCoord || w.Y > MaxWindowCoord:
		return fmt.Errorf("window y %d: want ±%d", w.Y, MaxWindowCoord)
	}
	return nil
}

// WindowState returns the window geometry PutWindowState saved; ok is
// false when none was saved, or when the stored one does not decode or
// validate (a newer version's, or a damaged one): the window then opens
// with its defaults rather than somewhere absurd.
func (s *Store) WindowState(ctx context.Context) (w WindowState, ok bool, err error) {
	var raw string
	err = s.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, windowKey).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return WindowState{}, false, nil
	}
	if err != nil {
		return WindowState{}, false, fmt.Errorf("store: get window state: %w", err)
	}
	if json.Unmarshal([]byte(raw), &w) != nil || w.validate() != nil {
		return WindowState{}, false, nil
	}
	return w, true, nil
}

// PutWindowState replaces the saved window geometry in one transaction.
// Out-of-range values are ErrInvalid and change nothing.
func (s *Store) PutWindowState(ctx context.Context, w WindowState) error {
	if err := w.validate(); err != nil {
		return fmt.Errorf("store: put window state: %w: %w", ErrInvalid, err)
	}
	doc, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("store: put window state: %w", err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, version, value, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET version = excluded.version, value = excluded.value,
			updated_at = excluded.updated_at`,
			windowKey, windowStateVersion, string(doc), s.nowMs())
		return err
	})
	if err != nil {
		return fmt.Errorf("store: put window state: %w", err)
	}
	return nil
}
