package dnd

import "github.com/peerline/peerline/app/errcode"

// Errors, with their codes from the app's one table (package errcode).
var (
	// ErrBadSpan: the span named is not one of the Span values.
	ErrBadSpan = errcode.New(errcode.BadInput, "dnd: unknown span")
	// ErrPast: SetUntil was given a time that has passed.
	ErrPast = errcode.New(errcode.BadInput, "dnd: the end time has passed")
)
