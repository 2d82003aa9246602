package calls

import (
	"context"
	"crypto/ed25519"
	"log/slog"
	"time"

	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// The manager's dependencies and its configuration.

// DefaultRingTimeout is how long an incoming call rings before it counts
// as missed.
const DefaultRingTimeout = 45 * time.Second

// Sender delivers a routed message to env.To over whatever link reaches it
// (the LAN hub connection or a signaling server).
type Sender interface {
	Send(ctx context.Context, env signaling.Envelope) error
}

// Gate is the trust layer (contacts with pinned keys).
type Gate interface {
	// Admit says whether peer, presenting key, may ring or answer.
	Admit(ctx context.Context, peer identity.PeerID, key ed25519.PublicKey) (Admission, error)
	// Pin records key for a peer seen for the first time (trust on first
	// use), with the name it announced.
	Pin(ctx context.Context, peer identity.PeerID, key ed25519.PublicKey, name string) error
}

// NameMatcher is an optional part of a Gate: for a caller that is not a
// contact, it returns the display name of the contact whose name the
// caller announces, if any. The UI then shows "someone using Grace's
// name", and nothing about Grace changes: a name proves nothing.
type NameMatcher interface {
	SameNameAs(ctx context.Context, peer identity.PeerID, name string) (string, bool)
}

// Recorder writes finished calls to history.
type Recorder interface {
	RecordCall(ctx context.Context, r Record) error
}

// Availability says whether the user takes calls now: false while do not
// disturb (package dnd) is on. The manager asks it once per invite, at
// the moment the invite arrives.
type Availability interface {
	Available() bool
}

// Emitter pushes events to the UI.
type Emitter interface {
	Emit(name events.Name, data any)
}

// Config configures a Manager. Identity and Sender are required.
type Config struct {
	Identity signaling.Signer
	Sender   Sender
	// Gate decides who may ring. Default: everyone, unverified.
	Gate Gate
	// Recorder receives every finished call. Default: none.
	Recorder Recorder
	// Availability refuses invites while do not disturb is on. Default:
	// always available.
	Availability Availability
	// Events receives call:* events. Default: none.
	Events Emitter
	// Name is our display name, sent in invites as a hint.
	Name string
	// RingTimeout: see DefaultRingTimeout.
	RingTimeout time.Duration
	// StrangerInterval is how often one stranger may ring (strangers.go).
	// Default DefaultStrangerInterval.
	StrangerInterval time.Duration
	// Logger. Default slog.Default().
	Logger *slog.Logger
	// Now returns the time (tests). Default time.Now.
	Now func() time.Time
}

type openGate struct{}

func (openGate) Admit(context.Context, identity.PeerID, ed25519.PublicKey) (Admission, error) {
	return AdmitUnknown, nil
}
func (openGate) Pin(context.Context, identity.PeerID, ed25519.PublicKey, string) error { return nil }
