// Package trust decides who may ring, from the contacts' pinned keys: the
// gate the call manager asks (calls.Gate), trust on first use, and
// spotting a known contact that calls under a new identity. It owns the
// rules and the short list of new identities the user rejected; the keys
// themselves live in the store. It must not send anything, end calls or
// build UI data: it reports contacts that changed to a Notifier.
package trust

import (
	"context"
	"crypto/ed25519"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"sync"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

// Store is the part of the store trust reads and writes.
type Store interface {
	Trust(ctx context.Context, id identity.PeerID, key ed25519.PublicKey) (store.TrustState, error)
	GetContact(ctx context.Context, id identity.PeerID) (store.Contact, error)
	ListContacts(ctx context.Context) ([]store.Contact, error)
	AddContact(ctx context.Context, c store.Contact) (store.Contact, error)
	PinKey(ctx context.Context, id identity.PeerID, key ed25519.PublicKey) (store.Contact, error)
	RecordNewIdentity(ctx context.Context, contactID identity.PeerID, newKey ed25519.PublicKey) (store.Contact, error)
}

// Notifier hears contacts that trust changed (api.ContactEvents).
type Notifier interface {
	// ContactChanged: c was added or got its key pinned.
	ContactChanged(c store.Contact)
	// NewIdentity: contact c now has newID pending as its new identity,
	// tied to it as m says (never by a name).
	NewIdentity(c store.Contact, newID identity.PeerID, m Match)
}

// Namer finds the best name for a peer (api.Names).
type Namer interface {
	NameOf(ctx context.Context, id identity.PeerID, fallback string) string
}

// Gate answers the call manager from the contacts' pinned keys
// (calls.Gate), and watches invites for a contact's new identity.
type Gate struct {
	store  Store
	names  Namer
	notify Notifier
	online Onliner // nil: every contact counts as offline
	log    *slog.Logger

	mu       sync.Mutex
	rejected map[[2]identity.PeerID]bool // (contact, new identity) pairs the user rejected
	// provenAt is, per contact, the last LAN addresses its pinned key was
	// proven at (at most maxAddrs, newest first; only contacts get one).
	provenAt map[identity.PeerID][]netip.AddrPort
	// recent is the same for peers that are not contacts, bounded
	// (maxRecent, oldest first in recentOrder).
	recent      map[identity.PeerID][]netip.AddrPort
	recentOrder []identity.PeerID
	// held are new keys proven at a contact's address while it was
	// online, by contact (proven.go).
	held map[identity.PeerID]heldProof
}

// New returns a Gate. online says who is online (presence.Tracker); nil
// treats everyone as offline.
func New(st Store, names Namer, notify Notifier, online Onliner, log *slog.Logger) *Gate {
	return &Gate{store: st, names: names, notify: notify, online: online, log: log,
		rejected: map[[2]identity.PeerID]bool{}, provenAt: map[identity.PeerID][]netip.AddrPort{},
		recent: map[identity.PeerID][]netip.AddrPort{},
		held:   map[identity.PeerID]heldProof{}}
}

// Admit says whether peer, presenting key, may ring or answer.
func (g *Gate) Admit(ctx context.Context, peer identity.PeerID, key ed25519.PublicKey) (calls.Admission, error) {
	st, err := g.store.Trust(ctx, peer, key)
	if err != nil {
		return calls.RefuseBlocked, err
	}
	switch st {
	case store.TrustPinned:
		return calls.AdmitVerified, nil
	case store.TrustChanged:
		return calls.HoldChanged, nil
	case store.TrustBlocked:
		return calls.RefuseBlocked, nil
	}
	return calls.AdmitUnknown, nil
}

// Pin keeps a peer met for the first time: it becomes a contact with the
// key pinned (trust on first use).
func (g *Gate) Pin(ctx context.Context, peer identity.PeerID, key ed25519.PublicKey, name string) error {
	c, err := g.store.GetContact(ctx, peer)
	if errors.Is(err, store.ErrNotFound) {
		c, err = g.store.AddContact(ctx, store.Contact{ID: peer, AnnouncedName: g.names.NameOf(ctx, peer, name)})
	}
	if err != nil {
		return err
	}
	if c.Key == nil {
		c, err = g.store.PinKey(ctx, peer, key)
		if err != nil {
			return err
		}
	}
	g.notify.ContactChanged(c)
	return nil
}

// Reject remembers that the user said newID is not contact: its calls
// ring as an unknown caller's from now on.
func (g *Gate) Reject(contact, newID identity.PeerID) {
	g.mu.Lock()
	g.rejected[[2]identity.PeerID{contact, newID}] = true
	g.mu.Unlock()
}

func (g *Gate) wasRejected(contact, newID identity.PeerID) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.rejected[[2]identity.PeerID{contact, newID}]
}

// SameNameAs returns the display name of the contact whose name an
// unknown caller announces (calls.NameMatcher), so the incoming call can
// say "someone using Grace's name". It changes nothing: a name is a claim
// anyone can make, so it never marks Grace's contact (before, it put Grace
// in the "identity changed" state, and any stranger could get a verified
// colleague flagged at will). A contact's identity changes only through
// RecordNewIdentity, from proof of the key, never from a name.
func (g *Gate) SameNameAs(ctx context.Context, peer identity.PeerID, name string) (string, bool) {
	if name == "" {
		return "", false
	}
	if _, err := g.store.GetContact(ctx, peer); err == nil {
		return "", false // a contact: its own name
	}
	contacts, err := g.store.ListContacts(ctx)
	if err != nil {
		return "", false
	}
	for _, c := range contacts {
		if c.ID == peer || c.Blocked {
			continue
		}
		if strings.EqualFold(c.DisplayName(), name) || strings.EqualFold(c.AnnouncedName, name) {
			return c.DisplayName(), true
		}
	}
	return "", false
}
