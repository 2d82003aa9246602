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
//   - Windows and macOS: not supported yet. New returns ErrNotSupported
//     (notify_other.go): a toast (Windows) or a user notification (macOS)
//     with actions needs COM activation or a signed app bundle with the
//     UserNotifications framework, neither of which can be built and
//     checked on the Linux machines this is developed on.
//
// One Notifier owns one private D-Bus connection and one goroutine that
// reads its signals; Close stops both and withdraws the notifications
// still showing, whose actions would otherwise lead nowhere.
//
// All text is plain: Show strips control and bidirectional-override
// characters, limits lengths, and escapes what the server would read as
// markup (text.go), so a caller's chosen name cannot restyle or spoof the
// notification.
package notify
