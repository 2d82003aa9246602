package signaling

import (
	"errors"
	"fmt"
)

// Error is a protocol error: the body of an error message, and the Go error
// that Decode, the client and the server return for it. errors.Is matches
// two Errors with the same Code, so callers test against the sentinels
// below.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	// Ref is the "id" of the message that caused the error, if it had one.
	Ref string `json:"ref,omitempty"`
	// RetryMs, with CodeShuttingDown, is how long to wait before
	// reconnecting (the server spreads clients out).
	RetryMs int `json:"retry_ms,omitempty"`
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "signaling: " + e.Code.String()
	}
	return fmt.Sprintf("signaling: %s: %s", e.Code, e.Message)
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	var t *Error
	return errors.As(target, &t) && t.Code == e.Code
}

func (e *Error) validate() error {
	if e.Code == CodeUnknown && e.Message == "" {
		return errors.New("error without code or message")
	}
	return nil
}

// errorf builds an *Error with a formatted message.
func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Sentinels, one per code, for errors.Is.
var (
	ErrBadJSON      = &Error{Code: CodeBadJSON}      // not a JSON object
	ErrBadVersion   = &Error{Code: CodeBadVersion}   // unsupported protocol version
	ErrUnknownType  = &Error{Code: CodeUnknownType}  // unknown message type
	ErrBadMessage   = &Error{Code: CodeBadMessage}   // missing or malformed field
	ErrTooLarge     = &Error{Code: CodeTooLarge}     // frame over the size limit
	ErrBinaryFrame  = &Error{Code: CodeBinaryFrame}  // binary frame
	ErrAuthRequired = &Error{Code: CodeAuthRequired} // message before auth
	ErrAuthFailed   = &Error{Code: CodeAuthFailed}   // authentication refused
	ErrForbidden    = &Error{Code: CodeForbidden}    // forged sender or disallowed type
	ErrUnavailable  = &Error{Code: CodeUnavailable}  // peer not connected
	ErrRateLimited  = &Error{Code: CodeRateLimited}  // over the message rate
	ErrReplaced     = &Error{Code: CodeReplaced}     // same peer connected again
	ErrSlowConsumer = &Error{Code: CodeSlowConsumer} // client too slow to read
	ErrShuttingDown = &Error{Code: CodeShuttingDown} // server going away
	ErrInternal     = &Error{Code: CodeInternal}     // server fault
	ErrTooManyPeers = &Error{Code: CodeTooManyPeers} // subscribe over the watch limit
)

// ErrClosed is returned by a Conn or Client that has been closed by its
// owner.
var ErrClosed = errors.New("signaling: closed")

// ErrLANNeedsTLS: a dial with DialConfig.ExpectPeer (a LAN hub) needs a
// wss:// URL, because its authentication is bound to the TLS session.
var ErrLANNeedsTLS = errors.New("signaling: a LAN hub is dialed over wss:// only")

// ErrBadServerURL matches every error of ParseServerURL (a
// *ServerURLError, whose Reason says what is wrong).
var ErrBadServerURL = errors.New("bad server URL")
