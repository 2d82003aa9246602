// Package api is the app's API to its UI: the bound services, one type
// per noun (Identity, Peers, Contacts, Calls, History, Settings, Desktop,
// Files), that the Wails window binds and the loopback bridge serves by the same
// names ("Contacts.List"), and the views they return (ContactView, PeerView,
// HistoryEntry). Bound methods return (T, error) and take no
// context.Context (Wails v2 supplies none); they run under the context the
// app hands each service, which ends when the app closes. Every error they
// return carries a code from package errcode (classify in errors.go), so
// the UI branches on codes and never on English text.
//
// Each service takes exactly what it uses, through small interfaces
// declared beside it; the composition root (package app) builds them. The
// package also holds the few non-bound adapters that turn what other parts
// report into UI events (PresenceEvents, ContactEvents, Recorder): exported
// methods of a bound type would be bound too, so those live on types of
// their own. It must not start goroutines, open anything, or know which
// transport called it.
package api
