// Package notify shows native desktop notifications from Go, with action
// buttons, and reports which action the person chose.
//
// The web Notification API is no use to Peerline: WebKitGTK denies it,
// so even an unfocused window never notifies, and a hidden window's page
// should not be the one to ring anyway. The notification comes from the
// Go side instead.
//
// Platforms:
//
//   - Linux and the BSDs: the freedesktop.org Desktop Notifications
//     specification (org.freedesktop.Notifications on the session D-Bus,
//     spec 1.2) through github.com/godbus/dbus/v5. The server's
//     capabilities decide what is sent: actions only where it lists
//     "actions", body markup escaped only where it lists "body-markup".
//     Action keys are the caller's; the key "default" is the action a
//     click on the notification itself invokes (GNOME and KDE show it as
//     no button; dunst's `dunstctl action N` invokes it).
//   - Windows: toasts (notify_windows.go, toast_windows.go). The toast XML
//     is built here (toastxml.go: every text escaped, fuzzed); go-toast
//     (git.sr.ht/~jackmordaunt/go-toast/v2) shows it and provides the COM
//     activator that hears clicks, registered under Peerline's own CLSID.
//     New writes the per-user registration under HKEY_CURRENT_USER
//     (toastreg.go: the AppUserModelID, the activator's CLSID and its
//     LocalServer32 command line, `peerline --toast-activated --data-dir
//     DIR`) at every start. A click carries small, versioned arguments
//     (toastargs.go) naming the notification, its random tag (never the call id) and the
//     action; it reaches the Activator (activator.go) through the COM
//     callback in this process or, when Windows starts a new launch for it,
//     over the instance socket (package instance). Withdraw clears the
//     app's toasts from the toast history (one toast shows at a time).
//   - macOS: user notifications through Wails v2's own support
//     (notify_darwin.go; UNUserNotificationCenter), with the buttons as a
//     notification category; it needs the window's runtime (Options.Window)
//     and an app bundle. Headless there is ErrNotSupported.
//   - Elsewhere (no unix, no Windows): New returns ErrNotSupported
//     (notify_other.go).
//
// Windows and macOS report clicks only: a notification the person
// dismisses, or that expires, runs no OnClosed there.
//
// On Linux one Notifier owns one private D-Bus connection and one
// goroutine that reads its signals; Close stops both and withdraws the
// notifications still showing, whose actions would otherwise lead nowhere.
//
// All text is plain: Show strips control and bidirectional-override
// characters, limits lengths, and escapes what the server (or the toast
// XML) would read as markup (text.go, toastxml.go), so a caller's chosen
// name cannot restyle or spoof the notification, or add a button.
package notify
