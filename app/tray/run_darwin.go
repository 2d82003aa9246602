package tray

import (
	_ "embed"

	"fyne.io/systray"
)

// The icon: a 32x32 PNG (the menu bar scales it).
//
//go:embed icon.png
var icon []byte

// On macOS a click on a menu bar item opens its menu.
func setOnTapped(func()) {}

// startNative creates the status item with Wails' NSApp as the loop: it
// must run on the main thread (Start's caller, before wails.Run); the
// menu items are added on the main thread once Wails' loop runs.
func startNative(onReady, onExit func()) (stop func()) {
	start, _ := systray.RunWithExternalLoop(func() {
		systray.SetIcon(icon)
		systray.SetTooltip("Peerline")
		onReady()
	}, onExit)
	start()
	// The library's end stops NSApp's loop, which is Wails'; the item
	// goes with the process.
	return func() {}
}
