package store

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"testing"
)

func TestWindowStateNoneSaved(t *testing.T) {
	s := openTest(t)
	w, ok, err := s.WindowState(context.Background())
	if err != nil || ok || w != (WindowState{}) {
		t.Fatalf("WindowState() on a new store = %+v, %v, %v; want zero, false, nil", w, ok, err)
	}
}

func TestWindowStateSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	want := WindowState{X: -1280, Y: 40, Width: 900, Height: 600, Maximised: true}
	if err := s.PutWindowState(ctx, WindowState{X: 1, Y: 2, Width: 3, Height: 4}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutWindowState(ctx, want); err != nil { // replaces
		t.Fatal(err)
	}
	s.Close()

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, ok, err := s.WindowState(ctx)
	if err != nil || !ok || got != want {
		t.Fatalf("after reopen: %+v, %v, %v; want %+v", got, ok, err, want)
	}
}

// The UI puts the whole Settings document; that must not touch the
// window's row, and the window's row must not leak into Settings.
func TestWindowStateApartFromSettings(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	want := WindowState{X: 10, Y: 20, Width: 800, Height: 500}
	if err := s.PutWindowState(ctx, want); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutSettings(ctx, fullSettings()); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := s.WindowState(ctx); err != nil || !ok || got != want {
		t.Fatalf("after PutSettings: %+v, %v, %v; want %+v", got, ok, err, want)
	}
	if err := s.PutWindowState(ctx, WindowState{X: 1, Y: 1, Width: 640, Height: 480}); err != nil {
		t.Fatal(err)
	}
	set, err := s.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	put, _ := fullSettings().normalize()
	if !reflect.DeepEqual(set, put) {
		t.Fatalf("Settings changed by PutWindowState:\n%+v\nwant\n%+v", set, put)
	}
}

func TestPutWindowStateRefusesAbsurdValues(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	good := WindowState{X: 100, Y: 50, Width: 1100, Height: 720}
	if err := s.PutWindowState(ctx, good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		w    WindowState
	}{
		{"zero", WindowState{}},
		{"zero width", WindowState{Width: 0, Height: 600}},
		{"negative height", WindowState{Width: 800, Height: -600}},
		{"too wide", WindowState{Width: MaxWindowSize + 1, Height: 600}},
		{"too tall", WindowState{Width: 800, Height: MaxWindowSize + 1}},
		{"x far left", WindowState{X: -MaxWindowCoord - 1, Width: 800, Height: 600}},
		{"x far right", WindowState{X: MaxWindowCoord + 1, Width: 800, Height: 600}},
		{"y far up", WindowState{Y: -MaxWindowCoord - 1, Width: 800, Height: 600}},
		{"y far down", WindowState{Y: 1 << 40, Width: 800, Height: 600}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.PutWindowState(ctx, tc.w); !errors.Is(err, ErrInvalid) {
				t.Fatalf("PutWindowState(%+v) = %v, want ErrInvalid", tc.w, err)
			}
			if got, ok, err := s.WindowState(ctx); err != nil || !ok || got != good {
				t.Fatalf("after a refused put: %+v, %v, %v; want %+v kept", got, ok, err, good)
			}
		})
	}
	// The edges are fine.
	for _, w := range []WindowState{
		{X: -MaxWindowCoord, Y: -MaxWindowCoord, Width: 1, Height: 1},
		{X: MaxWindowCoord, Y: MaxWindowCoord, Width: MaxWindowSize, Height: MaxWindowSize},
	} {
		if err := s.PutWindowState(ctx, w); err != nil {
			t.Errorf("PutWindowState(%+v) = %v, want nil", w, err)
		}
	}
}

// A row this build cannot read (hand-edited, damaged, or a newer
// version's) reads as "none saved", never as an error or a bad geometry.
func TestWindowStateUnreadableRow(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct{ name, doc string }{
		{"not an object", `[1, 2]`},
		{"wrong types", `{"x": "left", "y": 0, "width": 800, "height": 600}`},
		{"absurd size", `{"x": 0, "y": 0, "width": 99999999, "height": 600}`},
		{"missing size", `{"x": 10, "y": 10}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			if _, err := s.w.ExecContext(ctx, `INSERT INTO settings (key, version, value, updated_at) VALUES (?, 1, ?, 0)`,
				windowKey, tc.doc); err != nil {
				t.Fatal(err)
			}
			if w, ok, err := s.WindowState(ctx); err != nil || ok {
				t.Fatalf("WindowState() = %+v, %v, %v; want not ok, no error", w, ok, err)
			}
		})
	}
}
