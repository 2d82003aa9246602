package cluster

import "errors"

// Errors of this package; wrapped with the operation, classify them with
// errors.Is.
var (
	// ErrNoURLs: Options.URLs is empty.
	ErrNoURLs = errors.New("no NATS URLs")
	// ErrBadNodeID: a node id is not 1 to 64 of [A-Za-z0-9_-].
	ErrBadNodeID = errors.New("node id must be 1 to 64 of [A-Za-z0-9_-]")
	// ErrDisconnected: the node has no NATS connection now (Ready).
	ErrDisconnected = errors.New("no NATS connection")
	// ErrClosed: the node was closed.
	ErrClosed = errors.New("cluster node closed")
)
