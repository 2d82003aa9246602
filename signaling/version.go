package signaling

import (
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// Version is the protocol version this package speaks, carried in every
// envelope's "v". History:
//
//	1  2026-11  first version.
const Version = 1

// Protocol limits. Servers may set a lower message size (they announce it
// in welcome); the others are fixed by the protocol.
const (
	// DefaultMaxMessageBytes is the default largest frame, 64 KiB: an SDP
	// offer with video and a screen share is about 6 KiB.
	DefaultMaxMessageBytes = 64 << 10
	// MaxIDLen is the longest "id", "call" and "ref".
	MaxIDLen = 64
	// MaxSubscribe is the most peers one connection may watch.
	MaxSubscribe = 512
	// MaxSubscribeIDs is the most ids one subscribe may carry (in peers,
	// add and remove together): a subscribe's work is bounded by it, so
	// a client watching MaxSubscribe peers sends several (Subscribe).
	MaxSubscribeIDs = 64
	// MaxNameLen is the longest display name in an invite, in bytes.
	MaxNameLen = 128
	// NonceSize is the size of auth nonces, in bytes.
	NonceSize = 32
	// MaxClockSkew is how far an auth timestamp may be from the verifier's
	// clock.
	MaxClockSkew = 2 * time.Minute
	// Path is the HTTP path of the WebSocket endpoint.
	Path = "/v1/signal"
)

// PeerID is identity.PeerID, re-exported so users of the protocol need one
// import.
type PeerID = identity.PeerID
