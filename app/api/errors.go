package api

import (
	"errors"

	"github.com/peerline/peerline/app/browser"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/links"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// coded gives err the errcode the UI needs, at the boundary: the
// producers' sentinels (store, links, browser, signaling) mean codes here,
// and nowhere else. An error that carries a code already keeps it; any
// other is Failed. nil stays nil.
func coded(err error) error {
	if err == nil {
		return nil
	}
	var e *errcode.Error
	if errors.As(err, &e) {
		return err
	}
	for _, m := range producerCodes {
		if errors.Is(err, m.err) {
			return errcode.Wrap(m.code, err)
		}
	}
	return errcode.Wrap(errcode.Failed, err)
}

// producerCodes maps the sentinels of the packages below to codes, first
// match wins.
var producerCodes = []struct {
	err  error
	code errcode.Code
}{
	{store.ErrNotFound, errcode.NotFound},
	{store.ErrInvalid, errcode.BadInput},
	{store.ErrExists, errcode.Exists},
	{store.ErrKeyMismatch, errcode.Stale},
	{links.ErrNoRoute, errcode.Offline},
	{signaling.ErrUnavailable, errcode.Offline},
	{browser.ErrNoBrowser, errcode.NoBrowser},
}

// errOwnID: the id given is this install's own.
var errOwnID = errcode.New(errcode.OwnID, "that is your own id")

// parsePeer parses a peer id the UI sent.
func parsePeer(s string) (identity.PeerID, error) {
	id, err := identity.Parse(s)
	if err != nil {
		return id, errcode.Errorf(errcode.BadPeerID, "not a peer id: %w", err)
	}
	return id, nil
}

// Emitter pushes events to the UI (events.Bus).
type Emitter interface {
	Emit(name events.Name, data any)
}
