package tray

import (
	_ "embed"
	"log/slog"
	"runtime"
	"time"

	"fyne.io/systray"
)

// The icon: an ICO with 16, 32 and 48 pixel images.
//
//go:embed icon.ico
var icon []byte

// stopTimeout bounds the wait for the tray's message loop to end.
const stopTimeout = 2 * time.Second

func setOnTapped(open func()) {
	// A left click opens the window; a right click shows the menu.
	systray.SetOnTapped(open)
}

// startNative runs the library's own loop on an OS thread of its own:
// the hidden window that owns the icon gets its messages only on the
// thread that created it, and Wails' loop holds the main thread.
func startNative(onReady, onExit func()) (stop func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread ends with the loop
		systray.Run(func() {
			systray.SetIcon(icon)
			systray.SetTooltip("Peerline")
			onReady()
		}, onExit)
	}()
	return func() {
		systray.Quit() // WM_CLOSE to the tray's window: its loop ends
		select {
		case <-done:
		case <-time.After(stopTimeout):
			slog.Warn("tray: the tray's message loop did not end")
		}
	}
}
