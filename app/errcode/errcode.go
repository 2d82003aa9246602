// Package errcode is the one table of error codes the app's UI sees. Every
// error a bound method returns reaches the frontend as {code, message},
// through either transport: the Wails window (Format is
// options.App.ErrorFormatter) and the loopback bridge (whose own transport
// codes are in this table too). The frontend branches on the code only;
// the message is for people and logs. frontend/src/lib/backend/codes.ts
// mirrors the table, and a test keeps the two in step.
//
// It owns the codes and their meaning, and nothing else: it imports no
// other Peerline package, so every package may use it. Which error of a
// producer (store, links, browser) means which code is decided where the
// error crosses into the UI: in the bound services (package api).
package errcode

import (
	"errors"
	"fmt"
)

// Code is the machine-readable kind of a failure, in its wire form: a
// lower-case word. A Code is also an error, so that errors.Is(err, Busy)
// asks whether err carries that code.
type Code string

// The codes. Each says what the UI may conclude; the message says the rest.
const (
	// Failed: the action failed for a reason with no code of its own (a
	// database or disk error, say). The default for any error without one.
	Failed Code = "failed"
	// Internal: the method panicked, or its result could not be encoded.
	// A bug: the details are in the app's log.
	Internal Code = "internal"

	// BadRequest: not a valid request at all: a malformed frame, a missing
	// id or method, the wrong number or types of arguments.
	BadRequest Code = "bad_request"
	// NotFound: what the request names does not exist: the method, the
	// contact, the history entry.
	NotFound Code = "not_found"
	// TooLarge: the request is over the bridge's size limit; the bridge
	// closes the connection after answering.
	TooLarge Code = "too_large"
	// RateLimited: too many requests per second on this connection.
	RateLimited Code = "rate_limited"
	// Overloaded: too many calls already running on this connection; the
	// call was not started and may be retried.
	Overloaded Code = "overloaded"

	// BadInput: an argument has a value the method refuses: an unknown
	// media state or call-window action, a missing offer, a setting out of
	// range. The message names the field.
	BadInput Code = "bad_input"
	// BadPeerID: the text given as a peer id is not one.
	BadPeerID Code = "bad_peer_id"
	// OwnID: the peer id given is this install's own (calling or adding
	// yourself).
	OwnID Code = "own_id"
	// Exists: what the request would create exists already.
	Exists Code = "exists"
	// Stale: what the user was shown has changed since (a contact's new
	// identity that the user accepts is no longer the pending one): show
	// it again.
	Stale Code = "stale"

	// Busy: this app is already in a call.
	Busy Code = "busy"
	// NoCall: the call named is not the current call (it ended, or never
	// was).
	NoCall Code = "no_call"
	// WrongState: the action does not fit the current state of the call
	// (accept with nothing ringing) or of the contact (accept a new
	// identity when there is none).
	WrongState Code = "wrong_state"
	// Offline: the peer cannot be reached now: no route to it, not on this
	// network, or its server says it is not connected.
	Offline Code = "offline"
	// NoBrowser: no browser was found to open the call window in.
	NoBrowser Code = "no_browser"
	// ConnectionFailed: the call's media path never came up: ICE failed,
	// or found no route before the connect timeout (on either side).
	ConnectionFailed Code = "connection_failed"
	// DoNotDisturb: the person called has do not disturb on and takes no
	// calls now (the call's cause; the caller says "Grace is not taking
	// calls right now").
	DoNotDisturb Code = "do_not_disturb"
	// CallFull: the group call has four people already (adding a fifth,
	// or an invite into it, is refused; the UI says "call is full").
	CallFull Code = "call_full"

	// FileTooLarge: a file sent in a call is over the size limit (4 GiB).
	FileTooLarge Code = "file_too_large"
	// EmptyFile: a file sent in a call has no bytes; nothing is saved.
	EmptyFile Code = "empty_file"
	// DiskFull: no room on the disk for a file received in a call.
	DiskFull Code = "disk_full"
	// ChecksumMismatch: a received file's bytes do not match the sender's
	// SHA-256; the partial file was removed.
	ChecksumMismatch Code = "checksum_mismatch"
)

// All is the table, in the order above: what the TypeScript mirror holds.
var All = []Code{
	Failed, Internal,
	BadRequest, NotFound, TooLarge, RateLimited, Overloaded,
	BadInput, BadPeerID, OwnID, Exists, Stale,
	Busy, NoCall, WrongState, Offline, NoBrowser, ConnectionFailed, DoNotDisturb, CallFull,
	FileTooLarge, EmptyFile, DiskFull, ChecksumMismatch,
}

// String returns the wire form.
func (c Code) String() string { return string(c) }

// Error makes a Code an errors.Is target.
func (c Code) Error() string { return string(c) }

// Known reports whether c is in the table.
func (c Code) Known() bool {
	for _, k := range All {
		if c == k {
			return true
		}
	}
	return false
}

// Error is a failure with a code. Message is for people and logs; Err, if
// set, is the cause (errors.Is and errors.As see through to it).
type Error struct {
	Code    Code
	Message string
	Err     error
}

// New returns an *Error with a fixed message: for sentinels.
func New(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// Errorf returns an *Error whose message is formatted as by fmt.Errorf;
// a %w operand becomes its cause.
func Errorf(code Code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: code, Message: err.Error(), Err: errors.Unwrap(err)}
}

// Wrap gives err the code c, keeping err's text and err as the cause. A
// nil err stays nil.
func Wrap(c Code, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: c, Message: err.Error(), Err: err}
}

func (e *Error) Error() string {
	if e.Message == "" {
		return string(e.Code)
	}
	return e.Message
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is e's Code, or an *Error with the same code:
// errors.Is(err, errcode.Busy) and errors.Is(err, calls.ErrBusy) alike.
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Code:
		return e.Code == t
	case *Error:
		return e.Code == t.Code
	}
	return false
}

// ErrorCode is the code, for the bridge (bridge.Coder).
func (e *Error) ErrorCode() string { return string(e.Code) }

// Of returns the code err carries: the outermost *Error's (or a bare
// Code), else Failed. Nil has none ("").
func Of(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var c Code
	if errors.As(err, &c) {
		return c
	}
	return Failed
}

// Payload is what the UI receives for a failure, on both transports.
type Payload struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// PayloadOf is err as the UI receives it.
func PayloadOf(err error) Payload { return Payload{Code: Of(err), Message: err.Error()} }

// Format is options.App.ErrorFormatter: Wails rejects a bound call's
// promise with what it returns, so the window gets {code, message} as the
// bridge sends it.
func Format(err error) any { return PayloadOf(err) }
