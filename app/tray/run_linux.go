package tray

import (
	_ "embed"
	"log/slog"

	"fyne.io/systray"
)

// The icon: a 32x32 PNG, sent to the host as an ARGB pixmap.
//
//go:embed icon.png
var icon []byte

func setOnTapped(open func()) {
	// A left click (SNI Activate) opens the window; hosts show the menu
	// on a right click. Must be set before start: it sets ItemIsMenu.
	systray.SetOnTapped(open)
}

// startNative exports the StatusNotifierItem and its menu on the session
// bus and registers it with the watcher (again whenever one appears). It
// needs no thread or loop of its own.
func startNative(onReady, onExit func()) (stop func()) {
	systray.SetIcon(icon)
	systray.SetTitle("Peerline") // also the item's Id
	systray.SetTooltip("Peerline")
	start, end := systray.RunWithExternalLoop(onReady, onExit)
	start()
	return func() {
		// end closes the library's D-Bus connection, which is nil if its
		// start failed halfway (logged by the library then).
		defer func() {
			if r := recover(); r != nil {
				slog.Warn("tray: stop", "panic", r)
			}
		}()
		end()
	}
}
