package trust

import (
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"errors"
	"net/netip"
	"slices"

	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

// "Identity changed" from proof, never from a name: the warning is raised
// when a LAN hub proves a key (discovery.PeerProven) at an address one of
// our contacts used (its saved LAN address, or the last address where its
// pinned key was proven) and that key is not the contact's. That is what
// a reinstall looks like from here: the same machine, the same port, a new
// key. Anyone can claim a name; taking over a contact's address and port
// and answering there with a key is much more, and the user still compares
// ids before accepting (docs/security/strangers-floods.md).
//
// While the contact is online anywhere (the LAN or a server) the proof is
// held, one per contact, and decided when it goes offline: its old key
// still answering elsewhere means whoever is at the address now is someone
// else (a DHCP lease handed on), and an old key still listed at the same
// address is stale and goes offline at the next probe, which the hub there
// now refuses.

// Match says what tied a new identity to a contact.
type Match struct {
	// By is "address": the hub at Addr, an address the contact used,
	// proved the new identity's key.
	By string
	// Addr is the address the new key was proven at.
	Addr netip.AddrPort
}

// MatchAddress is Match.By for a key proven at the contact's address.
const MatchAddress = "address"

// Onliner says whether a peer is online anywhere (presence.Tracker).
type Onliner interface {
	Online(id identity.PeerID) (online, lan bool)
}

// heldProof is a new key proven at a contact's address while the
// contact was still online.
type heldProof struct {
	key ed25519.PublicKey
	at  netip.AddrPort
}

// KeyProven hears that the hub at at proved key, the key of id
// (presence.Prover). If id is a contact with key pinned, at becomes the
// contact's last proven address. Else, if at is an address a contact used
// and id is not itself a known contact, id may be that contact's new
// identity: recorded and reported (Notifier.NewIdentity, matched by
// address) once the contact is offline everywhere.
func (g *Gate) KeyProven(ctx context.Context, id identity.PeerID, key ed25519.PublicKey, at netip.AddrPort) {
	if identity.IDFromKey(key) != id || !at.IsValid() {
		return // discovery hands on only checked keys; stay safe anyway
	}
	contacts, err := g.store.ListContacts(ctx)
	if err != nil {
		g.log.Warn("trust: key proven", "peer", id.Short(), "err", err)
		return
	}
	for _, c := range contacts {
		if c.ID != id {
			continue
		}
		if c.Key == nil {
			break // a contact added by id, not met yet: no identity to change from
		}
		if sameKey(c.Key, key) {
			g.mu.Lock()
			if _, ok := g.provenAt[id]; !ok {
				// Its first proof as a contact: the addresses it was proven
				// at before it became one are its addresses too (each is
				// proven on its own, so the next one may come later).
				for _, a := range slices.Backward(g.recent[id]) {
					g.provenAt[id] = addAddr(g.provenAt[id], a)
				}
			}
			g.provenAt[id] = addAddr(g.provenAt[id], at)
			delete(g.recent, id)
			delete(g.held, id) // back, with its own key
			g.mu.Unlock()
		}
		return // a known identity: it moved, it did not change
	}
	// Not a contact (yet): remember where it was proven, in case it
	// becomes one (most contacts are found on the LAN before they are
	// kept).
	g.rememberRecent(id, at)
	g.log.Debug("trust: key proven", "peer", id.Short(), "addr", at, "contacts", len(contacts))
	for _, c := range contacts {
		if c.Key == nil || c.Blocked || !g.usedAddr(c, at) || g.wasRejected(c.ID, id) {
			continue
		}
		g.decide(ctx, c.ID, heldProof{key: key, at: at})
		return // an identity is pending for one contact at most
	}
}

// Offline hears that id is offline everywhere (presence.Prover): a proof
// held for it is decided now.
func (g *Gate) Offline(ctx context.Context, id identity.PeerID) {
	g.mu.Lock()
	h, ok := g.held[id]
	delete(g.held, id)
	g.mu.Unlock()
	if ok {
		g.decide(ctx, id, h)
	}
}

// decide records h as contact's new identity, or holds it while the
// contact is online.
func (g *Gate) decide(ctx context.Context, contact identity.PeerID, h heldProof) {
	newID := identity.IDFromKey(h.key)
	if g.online != nil {
		if on, _ := g.online.Online(contact); on {
			g.mu.Lock()
			if len(g.held) < maxHeld || g.held[contact].key != nil {
				g.held[contact] = h
			}
			g.mu.Unlock()
			g.log.Info("trust: a new key at a contact's address; held while the contact is online", "contact", contact.Short(), "new", newID.Short(), "addr", h.at)
			return
		}
	}
	if g.wasRejected(contact, newID) {
		g.log.Debug("trust: a new key at a contact's address, rejected before", "contact", contact.Short(), "new", newID.Short())
		return
	}
	if _, err := g.store.GetContact(ctx, newID); err == nil {
		g.log.Debug("trust: a new key at a contact's address is a contact itself", "contact", contact.Short(), "new", newID.Short())
		return // became a contact of its own meanwhile
	}
	c, err := g.store.RecordNewIdentity(ctx, contact, h.key)
	switch {
	case errors.Is(err, store.ErrExists), errors.Is(err, store.ErrInvalid), errors.Is(err, store.ErrNotFound):
		g.log.Debug("trust: a new key at a contact's address not recorded", "contact", contact.Short(), "new", newID.Short(), "err", err)
		return // pending for another contact, or the contact changed
	case err != nil:
		g.log.Warn("trust: record new identity", "contact", contact.Short(), "new", newID.Short(), "err", err)
		return
	}
	g.log.Info("trust: a contact's address proves a new identity", "contact", contact.Short(), "new", newID.Short(), "addr", h.at)
	g.notify.NewIdentity(c, newID, Match{By: MatchAddress, Addr: h.at})
}

// maxHeld bounds the held proofs (one per contact anyway).
const maxHeld = 1024

// maxRecent bounds the addresses remembered for peers that are not
// contacts. Evicting one only loses a warning, never raises one.
const maxRecent = 256

// rememberRecent records that non-contact id was proven at at.
func (g *Gate) rememberRecent(id identity.PeerID, at netip.AddrPort) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.recent[id]; !ok {
		if len(g.recentOrder) >= maxRecent {
			delete(g.recent, g.recentOrder[0])
			g.recentOrder = g.recentOrder[1:]
		}
		g.recentOrder = append(g.recentOrder, id)
	}
	g.recent[id] = addAddr(g.recent[id], at)
}

// maxAddrs bounds the proven addresses kept per peer: enough for a
// machine's IPv4 and IPv6 addresses.
const maxAddrs = 4

// addAddr puts at first in list, keeping at most maxAddrs.
func addAddr(list []netip.AddrPort, at netip.AddrPort) []netip.AddrPort {
	out := []netip.AddrPort{at}
	for _, a := range list {
		if len(out) < maxAddrs && !sameAddr(a, at) {
			out = append(out, a)
		}
	}
	return out
}

// usedAddr reports whether at is c's saved LAN address or one of the last
// addresses its pinned key was proven at (IP without zone, and port).
func (g *Gate) usedAddr(c store.Contact, at netip.AddrPort) bool {
	if saved, err := netip.ParseAddrPort(c.LANAddr); err == nil && sameAddr(saved, at) {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	used, ok := g.provenAt[c.ID]
	if !ok {
		used = g.recent[c.ID] // proven before it became a contact
	}
	for _, a := range used {
		if sameAddr(a, at) {
			return true
		}
	}
	return false
}

func sameAddr(a, b netip.AddrPort) bool {
	return a.Port() == b.Port() && a.Addr().Unmap().WithZone("") == b.Addr().Unmap().WithZone("")
}

func sameKey(a, b []byte) bool { return len(a) == len(b) && subtle.ConstantTimeCompare(a, b) == 1 }
