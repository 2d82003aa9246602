package presence

import (
	"context"

	"github.com/peerline/peerline/app/discovery"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

// Contacts is what the Resolver reads of the address book.
type Contacts interface {
	GetContact(ctx context.Context, id identity.PeerID) (store.Contact, error)
}

// LAN is what the Resolver reads of discovery (discovery.MDNS).
type LAN interface {
	Peers() []discovery.Peer
}

// Resolver tells the links where peers are (links.Resolver): LAN
// addresses from discovery and from contacts added by address; servers
// from contacts, else one reporting the peer online.
type Resolver struct {
	Ctx      context.Context // bounds the contact look-ups: the app's lifetime
	Contacts Contacts
	LAN      LAN // nil when discovery is off
	Tracker  *Tracker
}

// LANAddrs returns the host:port addresses peer's hub may answer on.
func (r *Resolver) LANAddrs(peer identity.PeerID) []string {
	var out []string
	if r.LAN != nil {
		for _, p := range r.LAN.Peers() {
			if p.ID == peer {
				for _, ap := range p.Addrs {
					out = append(out, ap.String())
				}
			}
		}
	}
	if c, err := r.Contacts.GetContact(r.Ctx, peer); err == nil && c.LANAddr != "" {
		out = append(out, c.LANAddr)
	}
	return out
}

// ServerFor returns the signaling server to reach peer through, or "".
func (r *Resolver) ServerFor(peer identity.PeerID) string {
	if c, err := r.Contacts.GetContact(r.Ctx, peer); err == nil && c.SignalURL != "" {
		return c.SignalURL
	}
	return r.Tracker.ServerOf(peer)
}
