package main

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wailsapp/wails/v2/pkg/options"

	"github.com/peerline/peerline/app"
	"github.com/peerline/peerline/app/store"
)

func TestFitWindow(t *testing.T) {
	const sw, sh = 1280, 800
	for _, tc := range []struct {
		name   string
		in     store.WindowState
		sw, sh int
		want   store.WindowState
	}{
		{"fits as it is", store.WindowState{X: 100, Y: 50, Width: 900, Height: 600}, sw, sh,
			store.WindowState{X: 100, Y: 50, Width: 900, Height: 600}},
		{"flush bottom-right, frame included", store.WindowState{X: 364, Y: 152, Width: 900, Height: 600}, sw, sh,
			store.WindowState{X: 364, Y: 152, Width: 900, Height: 600}},
		{"negative position", store.WindowState{X: -500, Y: -20, Width: 900, Height: 600}, sw, sh,
			store.WindowState{X: 0, Y: 0, Width: 900, Height: 600}},
		{"on a monitor that is gone (right)", store.WindowState{X: 2200, Y: 100, Width: 900, Height: 600}, sw, sh,
			store.WindowState{X: 1280 - 900 - frameW, Y: 100, Width: 900, Height: 600}},
		{"hanging off the bottom", store.WindowState{X: 10, Y: 700, Width: 900, Height: 600}, sw, sh,
			store.WindowState{X: 10, Y: 800 - 600 - frameH, Width: 900, Height: 600}},
		{"larger than the screen", store.WindowState{X: 0, Y: 0, Width: 2560, Height: 1440}, sw, sh,
			store.WindowState{X: 0, Y: 0, Width: sw - frameW, Height: sh - frameH}},
		{"smaller than the minimum", store.WindowState{X: 30, Y: 40, Width: 100, Height: 100}, sw, sh,
			store.WindowState{X: 30, Y: 40, Width: minWidth, Height: minHeight}},
		{"screen smaller than the minimum", store.WindowState{X: 30, Y: 40, Width: 900, Height: 600}, 640, 400,
			store.WindowState{X: 0, Y: 0, Width: minWidth, Height: minHeight}},
		{"screen unknown: only no negatives", store.WindowState{X: -5, Y: 3000, Width: 900, Height: 600}, 0, 0,
			store.WindowState{X: 0, Y: 3000, Width: 900, Height: 600}},
		{"maximised flag kept", store.WindowState{X: 1, Y: 2, Width: 900, Height: 600, Maximised: true}, sw, sh,
			store.WindowState{X: 1, Y: 2, Width: 900, Height: 600, Maximised: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fitWindow(tc.in, tc.sw, tc.sh); got != tc.want {
				t.Fatalf("fitWindow(%+v, %d, %d) = %+v, want %+v", tc.in, tc.sw, tc.sh, got, tc.want)
			}
		})
	}
}

func TestNextWindowState(t *testing.T) {
	prev := store.WindowState{X: 100, Y: 80, Width: 900, Height: 600}
	at := func(x, y, w, h int) observed {
		return observed{X: x, Y: y, Width: w, Height: h, ScreenW: 1280, ScreenH: 800}
	}
	for _, tc := range []struct {
		name     string
		prev     store.WindowState
		had      bool
		o        observed
		want     store.WindowState
		wantSave bool
	}{
		{"normal: saved as it is", prev, true, at(10, 20, 1000, 700),
			store.WindowState{X: 10, Y: 20, Width: 1000, Height: 700}, true},
		{"normal, first run", store.WindowState{}, false, at(10, 20, 1000, 700),
			store.WindowState{X: 10, Y: 20, Width: 1000, Height: 700}, true},
		{"maximised: keeps the normal geometry", prev, true, func() observed { o := at(0, 0, 1280, 800); o.Maximised = true; return o }(),
			store.WindowState{X: 100, Y: 80, Width: 900, Height: 600, Maximised: true}, true},
		{"maximised, first run: default size, centred", store.WindowState{}, false, func() observed { o := at(0, 0, 1280, 800); o.Maximised = true; return o }(),
			store.WindowState{X: 90, Y: 40, Width: defaultWidth, Height: defaultHeight, Maximised: true}, true},
		{"unmaximised again", store.WindowState{X: 100, Y: 80, Width: 900, Height: 600, Maximised: true}, true, at(100, 80, 900, 600),
			store.WindowState{X: 100, Y: 80, Width: 900, Height: 600}, true},
		{"minimised: not saved", prev, true, func() observed { o := at(-32000, -32000, 160, 28); o.Minimised = true; return o }(),
			prev, false},
		{"minimised while maximised: not saved", prev, true, func() observed { o := at(0, 0, 1280, 800); o.Minimised, o.Maximised = true, true; return o }(),
			prev, false},
		{"fullscreen: not saved", prev, true, func() observed { o := at(0, 0, 1280, 800); o.Fullscreen = true; return o }(),
			prev, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, save := nextWindowState(tc.prev, tc.had, tc.o)
			if got != tc.want || save != tc.wantSave {
				t.Fatalf("nextWindowState = %+v, %v; want %+v, %v", got, save, tc.want, tc.wantSave)
			}
		})
	}
}

type fakeWindowStore struct {
	w  store.WindowState
	ok bool
}

func (f *fakeWindowStore) WindowState() (store.WindowState, bool) { return f.w, f.ok }
func (f *fakeWindowStore) KeepRunningWhenClosed() bool            { return true }
func (f *fakeWindowStore) SaveWindowState(w store.WindowState) error {
	f.w, f.ok = w, true
	return nil
}

func TestWindowStartOptions(t *testing.T) {
	for _, tc := range []struct {
		name          string
		saved         *store.WindowState
		width, height int
		state         options.WindowStartState
	}{
		{"first run", nil, defaultWidth, defaultHeight, options.Normal},
		{"saved", &store.WindowState{X: 5, Y: 6, Width: 900, Height: 650}, 900, 650, options.Normal},
		{"saved maximised", &store.WindowState{Width: 900, Height: 650, Maximised: true}, 900, 650, options.Maximised},
		{"saved too small", &store.WindowState{Width: 10, Height: 10}, minWidth, minHeight, options.Normal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := &fakeWindowStore{}
			if tc.saved != nil {
				fs.w, fs.ok = *tc.saved, true
			}
			w := newWindow(slog.New(slog.NewTextHandler(io.Discard, nil)))
			w.load(fs)
			if gw, gh := w.size(); gw != tc.width || gh != tc.height {
				t.Errorf("size() = %d x %d, want %d x %d", gw, gh, tc.width, tc.height)
			}
			if s := w.startState(); s != tc.state {
				t.Errorf("startState() = %v, want %v", s, tc.state)
			}
		})
	}
}

// secondLaunch against a real app holding a data dir.
func TestSecondLaunch(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	locked := func(t *testing.T, dir string) error {
		_, err := app.New(app.Options{DataDir: dir, NoDiscovery: true, Logger: quiet})
		if !errors.Is(err, app.ErrAlreadyRunning) {
			t.Fatalf("second New: %v, want ErrAlreadyRunning", err)
		}
		return err
	}

	t.Run("window", func(t *testing.T) {
		dir := t.TempDir()
		var raised atomic.Int32
		a, err := app.New(app.Options{DataDir: dir, NoDiscovery: true, Logger: quiet, OnSecondLaunch: func() { raised.Add(1) }})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		var stderr bytes.Buffer
		if err := secondLaunch(dir, locked(t, dir), &stderr); err != nil {
			t.Fatalf("secondLaunch: %v", err)
		}
		if raised.Load() != 1 {
			t.Errorf("the running app's window was raised %d times, want 1", raised.Load())
		}
		if out := stderr.String(); strings.Count(out, "\n") != 1 || !strings.Contains(out, "already running") {
			t.Errorf("stderr %q, want one line saying it is already running", out)
		}
	})

	t.Run("headless", func(t *testing.T) {
		dir := t.TempDir()
		a, err := app.New(app.Options{DataDir: dir, NoDiscovery: true, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		var stderr bytes.Buffer
		err = secondLaunch(dir, locked(t, dir), &stderr)
		if !errors.Is(err, app.ErrAlreadyRunning) || !strings.Contains(err.Error(), "headless") {
			t.Fatalf("secondLaunch on a headless app: %v, want ErrAlreadyRunning saying it is headless", err)
		}
		if stderr.Len() != 0 {
			t.Errorf("printed %q although it failed (main prints the error)", stderr.String())
		}
	})
}
