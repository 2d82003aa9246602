// Package tray is Peerline's tray / status icon: an icon with a menu —
// Open Peerline, Do not disturb (For 1 hour, Until tomorrow, Until I turn
// it off, Turn off), Quit — that keeps the app reachable while its window
// is closed.
//
// It wraps fyne.io/systray (pure Go on Linux and Windows, cgo on macOS),
// which is a process-wide singleton: Start works once per process.
//
// # How it lives beside Wails' main loop
//
//   - Linux: a StatusNotifierItem with a com.canonical.dbusmenu menu,
//     exported on the session bus by the library in pure Go (godbus). No
//     GTK and no main thread: it runs beside Wails' GTK loop untouched.
//     The library uses godbus's shared dbus.SessionBus() connection and
//     closes it when the tray stops, so nothing else in Peerline may use
//     that shared connection (use dbus.ConnectSessionBus, as Wails does).
//     Hosts show the item only where a StatusNotifierWatcher with a host is
//     on the bus (KDE, Xfce, Cinnamon, MATE, LXQt, GNOME with the
//     AppIndicator extension; plain GNOME has none). Start watches for one
//     and reports it (Available, Options.OnAvailable); the library
//     registers again whenever a watcher appears later.
//   - Windows: a notification-area icon owned by a hidden window. Win32
//     delivers a window's messages only to the thread that created it, so
//     the library's own loop (systray.Run) runs on a goroutine locked to
//     one OS thread, apart from Wails' message loop on the main thread.
//     Pure Go (syscall): it builds with CGO_ENABLED=0.
//   - macOS: an NSStatusItem in the menu bar. Wails owns [NSApp run] on
//     the main thread, so the library runs with an external loop: Start
//     must be called on the main goroutine before wails.Run (Wails calls
//     OnStartup on another goroutine, where AppKit would trap). The menu is
//     built once Wails' loop runs. Close leaves the status item to go with
//     the process: the library's end would stop NSApp's loop.
//
// Menu callbacks run one at a time on a goroutine of the tray's own,
// never on a UI thread; they may block (a question dialog), and clicks
// meanwhile wait their turn.
package tray
