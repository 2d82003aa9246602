package calls

import "github.com/peerline/peerline/app/errcode"

// Errors returned to the UI, each with its code from the app's one table
// (package errcode); classify them with errors.Is.
var (
	// ErrBusy: a call is live already (one call at a time).
	ErrBusy = errcode.New(errcode.Busy, "calls: already in a call")
	// ErrFull: the group call has MaxParticipants people already.
	ErrFull = errcode.New(errcode.CallFull, "calls: the call is full (four people at most)")
	// ErrNoCall: the call id is not the current call's.
	ErrNoCall = errcode.New(errcode.NoCall, "calls: no such call")
	// ErrWrongTime: the action does not fit the call's state.
	ErrWrongTime = errcode.New(errcode.WrongState, "calls: not possible in this call state")
	// ErrBadInput: an argument is missing, too large or out of range.
	ErrBadInput = errcode.New(errcode.BadInput, "calls: invalid input")
	// ErrOwnID: the peer to call is this install itself.
	ErrOwnID = errcode.New(errcode.OwnID, "calls: that is your own id")
)
