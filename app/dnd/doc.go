// Package dnd is do not disturb: a switch the user turns on for an hour,
// until tomorrow morning, or until turned off, from the window or the
// tray. While it is on, incoming calls are refused at once (package calls
// asks Available when an invite arrives) and the caller hears that this
// person is not taking calls right now.
//
// It owns the switch's state, how long each Span lasts (Tomorrow), the
// persisted record (through a small Store: app/store's DoNotDisturb row)
// and the dnd:changed event. An expired switch is off by itself: every
// reader compares the time, so nothing depends on a timer firing (a
// machine asleep past the end wakes with calls ringing). The one timer
// only tells the UI and the tray that it ended.
//
// Other packages (the tray) use a *Switch: Set or SetUntil, Off, Status,
// and the dnd:changed event on the app's bus to follow changes made
// elsewhere.
package dnd
