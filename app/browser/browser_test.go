//go:build !windows

package browser

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/logbuf"
)

// pathWith makes a PATH of one folder holding executables with these names
// (shell scripts that record their arguments in ARGS_FILE and wait).
func pathWith(t *testing.T, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ARGS_FILE\"\nexec sleep 60\n"
		if err := os.WriteFile(filepath.Join(dir, n), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFind(t *testing.T) {
	cases := []struct {
		name    string
		onPath  []string
		program string
		want    string
		appMode bool
		err     bool
	}{
		{name: "chromium first", onPath: []string{"brave-browser", "chromium", "google-chrome"}, want: "chromium", appMode: true},
		{name: "chrome before edge and brave", onPath: []string{"brave", "microsoft-edge", "google-chrome-stable"}, want: "google-chrome-stable", appMode: true},
		{name: "edge", onPath: []string{"microsoft-edge-stable", "xdg-open"}, want: "microsoft-edge-stable", appMode: true},
		{name: "default browser", onPath: []string{"xdg-open", "firefox"}, want: "xdg-open", appMode: false},
		{name: "nothing", onPath: []string{"firefox"}, err: true},
		{name: "explicit program wins", onPath: []string{"chromium", "mybrowser"}, program: "mybrowser", want: "mybrowser", appMode: true},
		{name: "explicit program missing", onPath: []string{"chromium"}, program: "nosuchbrowser", err: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", pathWith(t, tc.onPath...))
			t.Setenv(EnvProgram, "")
			got, appMode, err := New(Options{Program: tc.program}).Find()
			if tc.err {
				if err == nil {
					t.Fatalf("Find = %s, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Find: %v", err)
			}
			if filepath.Base(got) != tc.want || appMode != tc.appMode {
				t.Fatalf("Find = %s (app mode %v), want %s (%v)", got, appMode, tc.want, tc.appMode)
			}
		})
	}
}

func TestFindFromEnvironment(t *testing.T) {
	t.Setenv("PATH", pathWith(t, "chromium", "other"))
	t.Setenv(EnvProgram, "other")
	got, appMode, err := New(Options{}).Find()
	if err != nil || filepath.Base(got) != "other" || !appMode {
		t.Fatalf("Find = %s, %v, %v; want other in app mode", got, appMode, err)
	}
}

// waitFile waits for path to have content.
func waitFile(t *testing.T, path string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return string(b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never written", path)
	return ""
}

func TestOpenAppModeAndClose(t *testing.T) {
	argsFile := filepath.Join(t.TempDir(), "args")
	t.Setenv("ARGS_FILE", argsFile)
	t.Setenv("PATH", pathWith(t, "chromium")+":/usr/bin:/bin")
	t.Setenv(EnvProgram, "")
	t.Setenv(EnvArgs, "--extra-one --extra-two")
	logs := &logbuf.Buffer{}
	profile := filepath.Join(t.TempDir(), "call-window")
	l := New(Options{ProfileDir: profile, Logger: slog.New(slog.NewTextHandler(logs, nil))})

	w, err := l.Open(t.Context(), "http://127.0.0.1:1/?ticket=T#accept=c1")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !w.AppMode || filepath.Base(w.Program) != "chromium" {
		t.Fatalf("Open = %+v", w)
	}
	args := strings.Split(strings.TrimSpace(waitFile(t, argsFile)), "\n")
	want := []string{"--extra-one", "--extra-two", "--user-data-dir=" + profile, "--app=http://127.0.0.1:1/?ticket=T#accept=c1"}
	for i, a := range want {
		if i >= len(args) || args[i] != a {
			t.Fatalf("argument %d: got %q, want %q (all: %q)", i, at(args, i), a, args)
		}
	}
	if fi, err := os.Stat(profile); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("profile dir: %v, %v", fi, err)
	}

	// Close ends the browser it started (the script sleeps for a minute).
	done := make(chan struct{})
	go func() { l.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not end the call window")
	}
	if !strings.Contains(logs.String(), "call window closed") {
		t.Errorf("log:\n%s", logs)
	}
	if _, err := l.Open(t.Context(), "http://127.0.0.1:1/"); !errors.Is(err, ErrClosed) {
		t.Fatalf("Open after Close: %v, want ErrClosed", err)
	}
}

func TestOpenDefaultBrowserIsNotOurs(t *testing.T) {
	argsFile := filepath.Join(t.TempDir(), "args")
	t.Setenv("ARGS_FILE", argsFile)
	dir := t.TempDir()
	// An opener that hands the URL over and returns, like xdg-open.
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ARGS_FILE\"\n"
	if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	t.Setenv(EnvProgram, "")
	l := New(Options{ProfileDir: filepath.Join(t.TempDir(), "p")})
	defer l.Close()
	w, err := l.Open(t.Context(), "http://127.0.0.1:1/#call=x")
	if err != nil || w.AppMode {
		t.Fatalf("Open = %+v, %v; want the default browser", w, err)
	}
	if got := strings.TrimSpace(waitFile(t, argsFile)); got != "http://127.0.0.1:1/#call=x" {
		t.Fatalf("xdg-open got %q, want just the URL", got)
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "<none>"
}

// TestRealChromium opens a real Chromium app window (headless) on a
// loopback server and waits for it to ask for the page.
func TestRealChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (make test installs it)")
	}
	got := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case got <- r.URL.RequestURI():
		default:
		}
		w.Write([]byte("<!doctype html><title>call</title>"))
	}))
	defer srv.Close()
	t.Setenv(EnvProgram, "")
	// Not t.TempDir: Chromium's helper processes may still write to the
	// profile for a moment after the browser exits.
	profile, err := os.MkdirTemp("", "peerline-browser-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 50 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	l := New(Options{
		Program:    chromium,
		Args:       []string{"--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"},
		ProfileDir: filepath.Join(profile, "profile"),
	})
	defer l.Close()
	if _, err := l.Open(t.Context(), srv.URL+"/?ticket=abc#accept=c1"); err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	for {
		select {
		case uri := <-got:
			if uri == "/?ticket=abc" {
				return
			}
		case <-ctx.Done():
			t.Fatal("chromium never loaded the call window's URL")
		}
	}
}
