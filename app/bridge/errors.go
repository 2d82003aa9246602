package bridge

import "errors"

// Errors returned by New, Register and Start. Wrapped errors carry the
// detail; classify them with errors.Is.
var (
	// ErrNotLoopback: Config.Addr is not a loopback address. The bridge
	// serves the app's whole API, so it never listens where another machine
	// could reach it.
	ErrNotLoopback = errors.New("bridge: address is not loopback")
	// ErrBadConfig: a Config field is out of range.
	ErrBadConfig = errors.New("bridge: bad config")
	// ErrBadService: a service can't be registered (nil, bad or duplicate
	// name, or no callable methods).
	ErrBadService = errors.New("bridge: bad service")
	// ErrStarted: Start was called twice.
	ErrStarted = errors.New("bridge: already started")
	// ErrClosed: the bridge was closed.
	ErrClosed = errors.New("bridge: closed")
)

// errTooManyConns: Config.MaxConnections WebSockets are open already.
var errTooManyConns = errors.New("bridge: too many connections")
