package api

import (
	"context"

	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

// contactGetter reads one contact.
type contactGetter interface {
	GetContact(ctx context.Context, id identity.PeerID) (store.Contact, error)
}

// lanNamer says what name a peer announced on the LAN (presence.Tracker).
type lanNamer interface {
	LANName(id identity.PeerID) string
}

// Names finds the best name for a peer: the contact's, else the one it
// announced on the LAN. Not bound.
type Names struct {
	Contacts contactGetter
	LAN      lanNamer
}

// NameOf returns the best known name for id, or fallback.
func (n *Names) NameOf(ctx context.Context, id identity.PeerID, fallback string) string {
	if c, err := n.Contacts.GetContact(ctx, id); err == nil && c.DisplayName() != "" {
		return c.DisplayName()
	}
	if name := n.LAN.LANName(id); name != "" {
		return name
	}
	return fallback
}
