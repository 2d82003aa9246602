package main

import (
	"io"
	"log/slog"
	"runtime"
	"testing"
)

// TestToastLaunchWithoutToasts: where there are no toasts (not Windows),
// a --toast-activated launch has no click to pass on and starts as a
// plain launch does, rather than exiting with nothing done.
func TestToastLaunchWithoutToasts(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("on Windows it waits for COM's click")
	}
	if toastLaunch(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil))) {
		t.Fatal("toastLaunch reported the click passed on")
	}
}
