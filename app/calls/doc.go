// Package calls is the call state machine of the desktop app. The UI owns
// the media (RTCPeerConnection lives in the webview or browser); this
// package owns everything about a call that must be trusted: it signs the
// offers and answers the UI produces, verifies the ones that arrive against
// the pinned key, decides who may ring, runs the ring timeout, resolves
// glare, ends calls whose link dropped before they connected, computes the
// safety code, and writes every call to history.
//
// States (wire strings, shared with the UI's data-testid="call-state"):
//
//	caller: calling → ringing → connecting → connected ⇄ reconnecting → ended
//	callee:           ringing → connecting → connected ⇄ reconnecting → ended
//
// One call at a time: an invite that arrives during a call is answered
// "busy". Glare (both ring each other at once) is settled by peer id: the
// call placed by the lower id survives; the other side drops its own
// attempt and takes the survivor as an incoming call marked AutoAccept,
// since its user was calling that very person.
//
// Do not disturb (Config.Availability, package dnd): an invite that
// arrives while it is on is refused at once, unavailable with the detail
// do_not_disturb, and lands in history as missed; it never rings. The
// caller's call ends unavailable with cause do_not_disturb.
package calls
