package notify

import "errors"

// ErrNotSupported is New's error on a platform with no notification
// support in this package, where no notification server runs (no session
// bus, or nobody owns org.freedesktop.Notifications), and on macOS with
// no window (headless).
var ErrNotSupported = errors.New("notify: desktop notifications are not supported here")

// ErrClosed is returned by a Notifier's methods after Close.
var ErrClosed = errors.New("notify: notifier closed")
