package api

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/netip"

	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/app/trust"
	"github.com/peerline/peerline/signaling/identity"
)

// contactStore is the address-book part of the store.
type contactStore interface {
	contactLister
	contactGetter
	AddContact(ctx context.Context, c store.Contact) (store.Contact, error)
	Rename(ctx context.Context, id identity.PeerID, name string) (store.Contact, error)
	SetFavorite(ctx context.Context, id identity.PeerID, favorite bool) (store.Contact, error)
	SetBlocked(ctx context.Context, id identity.PeerID, blocked bool) (store.Contact, error)
	DeleteContact(ctx context.Context, id identity.PeerID) error
	AcceptNewKey(ctx context.Context, id identity.PeerID, key ed25519.PublicKey) (store.Contact, error)
	RejectNewKey(ctx context.Context, id identity.PeerID) (store.Contact, error)
	SetAnnouncedName(ctx context.Context, id identity.PeerID, name string) (store.Contact, error)
	BlockStranger(ctx context.Context, id identity.PeerID, name string) (store.BlockedStranger, error)
	UnblockStranger(ctx context.Context, id identity.PeerID) error
	ListBlockedStrangers(ctx context.Context) ([]store.BlockedStranger, error)
}

// ServerLinks keeps the signaling server links watching the contacts
// (the app's server list over links.Router).
type ServerLinks interface {
	// Add links to server url (a no-op when linked already).
	Add(url, token string)
	// Resubscribe tells server url the contacts to watch now.
	Resubscribe(ctx context.Context, url string)
	// URLs lists the servers in use.
	URLs() []string
	// Prune ends the link to url if nothing uses it any more.
	Prune(ctx context.Context, url string)
}

// staticAdder probes a LAN address like a discovered peer (discovery.MDNS).
type staticAdder interface {
	AddStatic(ap netip.AddrPort) error
}

// rejecter remembers that the user said a new identity is not a contact
// (trust.Watcher).
type rejecter interface {
	Reject(contact, newID identity.PeerID)
}

// ContactsDeps are what the Contacts service uses.
type ContactsDeps struct {
	Self     identity.PeerID
	Store    contactStore
	Servers  ServerLinks
	Statics  staticAdder // nil when discovery is off
	Presence onliner
	Names    *Names
	Rejected rejecter
	Events   *ContactEvents
}

// Contacts is the bound service for the address book.
type Contacts struct {
	ctx context.Context
	d   ContactsDeps
}

// NewContacts returns the Contacts service.
func NewContacts(ctx context.Context, d ContactsDeps) *Contacts { return &Contacts{ctx: ctx, d: d} }

// ContactInput adds a contact by hand.
type ContactInput struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Server  string `json:"server"`
	Address string `json:"address"`
}

// List returns every contact.
func (s *Contacts) List() ([]ContactView, error) {
	cs, err := s.d.Store.ListContacts(s.ctx)
	if err != nil {
		return nil, coded(err)
	}
	out := make([]ContactView, len(cs))
	for i, c := range cs {
		out[i] = contactView(c, s.d.Presence)
	}
	return out, nil
}

// Add adds a contact by peer id, with a signaling server URL or a LAN
// address (host:port) for networks without multicast.
func (s *Contacts) Add(in ContactInput) (ContactView, error) {
	id, err := parsePeer(in.ID)
	if err != nil {
		return ContactView{}, err
	}
	if id == s.d.Self {
		return ContactView{}, errOwnID
	}
	c, err := s.d.Store.AddContact(s.ctx, store.Contact{ID: id, Name: in.Name, SignalURL: in.Server, LANAddr: in.Address})
	if err != nil {
		return ContactView{}, coded(err)
	}
	if c.SignalURL != "" {
		// The stored (canonical) form: the links and peers() compare it.
		s.d.Servers.Add(c.SignalURL, "")
		s.d.Servers.Resubscribe(s.ctx, c.SignalURL)
	} else {
		for _, url := range s.d.Servers.URLs() {
			s.d.Servers.Resubscribe(s.ctx, url)
		}
	}
	if in.Address != "" && s.d.Statics != nil {
		if ap, err := netip.ParseAddrPort(in.Address); err == nil {
			s.d.Statics.AddStatic(ap)
		}
	}
	return s.d.Events.changed(c), nil
}

// AddFromLAN keeps a peer found on the LAN as a contact.
func (s *Contacts) AddFromLAN(id string) (ContactView, error) {
	pid, err := parsePeer(id)
	if err != nil {
		return ContactView{}, err
	}
	if _, lan := s.d.Presence.Online(pid); !lan {
		return ContactView{}, errcode.New(errcode.Offline, "that peer is not on your network now: add it by id with a server or an address instead")
	}
	c, err := s.d.Store.AddContact(s.ctx, store.Contact{ID: pid, AnnouncedName: s.d.Names.NameOf(s.ctx, pid, "")})
	if err != nil {
		return ContactView{}, coded(err)
	}
	return s.d.Events.changed(c), nil
}

// Rename sets the user's own name for a contact ("" shows the announced one).
func (s *Contacts) Rename(id, name string) (ContactView, error) {
	return s.edit(id, func(pid identity.PeerID) (store.Contact, error) { return s.d.Store.Rename(s.ctx, pid, name) })
}

// SetFavorite marks a contact as a favorite (listed first).
func (s *Contacts) SetFavorite(id string, favorite bool) (ContactView, error) {
	return s.edit(id, func(pid identity.PeerID) (store.Contact, error) {
		return s.d.Store.SetFavorite(s.ctx, pid, favorite)
	})
}

// SetBlocked blocks or unblocks anyone; a blocked peer cannot ring. A
// contact stays a contact, blocked; a stranger is kept on the blocked
// list (not in the contacts), under the name it is known by here.
func (s *Contacts) SetBlocked(id string, blocked bool) (ContactView, error) {
	pid, err := parsePeer(id)
	if err != nil {
		return ContactView{}, err
	}
	if _, err := s.d.Store.GetContact(s.ctx, pid); errors.Is(err, store.ErrNotFound) {
		return s.setStrangerBlocked(pid, s.d.Names.NameOf(s.ctx, pid, ""), blocked)
	}
	return s.edit(id, func(pid identity.PeerID) (store.Contact, error) { return s.d.Store.SetBlocked(s.ctx, pid, blocked) })
}

// Block blocks anyone, as SetBlocked, with name the name it called with
// (for a stranger the app may know no other: a caller through a server).
// The incoming-call screen's Block button uses it.
func (s *Contacts) Block(id, name string) (ContactView, error) {
	pid, err := parsePeer(id)
	if err != nil {
		return ContactView{}, err
	}
	if _, err := s.d.Store.GetContact(s.ctx, pid); errors.Is(err, store.ErrNotFound) {
		return s.setStrangerBlocked(pid, s.d.Names.NameOf(s.ctx, pid, name), true)
	}
	return s.SetBlocked(id, true)
}

func (s *Contacts) setStrangerBlocked(pid identity.PeerID, name string, blocked bool) (ContactView, error) {
	if pid == s.d.Self {
		return ContactView{}, errcode.New(errcode.OwnID, "you cannot block yourself")
	}
	if blocked {
		if _, err := s.d.Store.BlockStranger(s.ctx, pid, name); err != nil {
			return ContactView{}, coded(err)
		}
	} else if err := s.d.Store.UnblockStranger(s.ctx, pid); err != nil && !errors.Is(err, store.ErrNotFound) {
		return ContactView{}, coded(err)
	}
	v := ContactView{ID: pid.String(), Name: name, Blocked: blocked}
	s.d.Events.Events.Emit(events.ContactChanged, v)
	return v, nil
}

// BlockedView is one blocked person, for the list they are unblocked
// from (Settings).
type BlockedView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Contact: a blocked contact (else a stranger kept only as blocked).
	Contact bool `json:"contact"`
	// BlockedAt is when a stranger was blocked, Unix ms; 0 for contacts.
	BlockedAt int64 `json:"blockedAt,omitempty"`
}

// Blocked lists everyone blocked: contacts, then strangers, newest first.
func (s *Contacts) Blocked() ([]BlockedView, error) {
	contacts, err := s.d.Store.ListContacts(s.ctx)
	if err != nil {
		return nil, coded(err)
	}
	out := []BlockedView{}
	for _, c := range contacts {
		if c.Blocked {
			out = append(out, BlockedView{ID: c.ID.String(), Name: c.DisplayName(), Contact: true})
		}
	}
	strangers, err := s.d.Store.ListBlockedStrangers(s.ctx)
	if err != nil {
		return nil, coded(err)
	}
	for _, b := range strangers {
		out = append(out, BlockedView{ID: b.ID.String(), Name: b.Name, BlockedAt: b.BlockedAt.UnixMilli()})
	}
	return out, nil
}

// Delete removes a contact.
func (s *Contacts) Delete(id string) error {
	pid, err := parsePeer(id)
	if err != nil {
		return err
	}
	old, _ := s.d.Store.GetContact(s.ctx, pid)
	if err := s.d.Store.DeleteContact(s.ctx, pid); err != nil {
		return coded(err)
	}
	s.d.Servers.Prune(s.ctx, old.SignalURL)
	s.d.Events.Events.Emit(events.ContactChanged, ContactView{ID: pid.String()})
	return nil
}

// AcceptNewKey trusts the new identity newID that contact id called with:
// the contact moves to it (name, favorite and settings kept). newID must be
// the one the user was shown (ContactView.NewID), so a later claim cannot
// slip in between.
func (s *Contacts) AcceptNewKey(id, newID string) (ContactView, error) {
	pid, err := parsePeer(id)
	if err != nil {
		return ContactView{}, err
	}
	c, err := s.d.Store.GetContact(s.ctx, pid)
	if err != nil {
		return ContactView{}, coded(err)
	}
	if c.PendingKey == nil {
		return ContactView{}, errcode.New(errcode.WrongState, "this contact has no new identity to accept")
	}
	if identity.IDFromKey(c.PendingKey).String() != newID {
		return ContactView{}, errcode.New(errcode.Stale, "the contact's new identity changed since it was shown: check it again")
	}
	moved, err := s.d.Store.AcceptNewKey(s.ctx, pid, ed25519.PublicKey(c.PendingKey))
	if err != nil {
		return ContactView{}, coded(err)
	}
	return s.d.Events.changed(moved), nil
}

// RejectNewKey says the new identity is not this contact: it is dropped,
// and the same identity using the contact's name is not flagged again
// (it rings as an unknown caller).
func (s *Contacts) RejectNewKey(id string) (ContactView, error) {
	return s.edit(id, func(pid identity.PeerID) (store.Contact, error) {
		if c, err := s.d.Store.GetContact(s.ctx, pid); err == nil && c.PendingKey != nil {
			s.d.Rejected.Reject(pid, identity.IDFromKey(c.PendingKey))
		}
		return s.d.Store.RejectNewKey(s.ctx, pid)
	})
}

func (s *Contacts) edit(id string, f func(identity.PeerID) (store.Contact, error)) (ContactView, error) {
	pid, err := parsePeer(id)
	if err != nil {
		return ContactView{}, err
	}
	c, err := f(pid)
	if err != nil {
		return ContactView{}, coded(err)
	}
	return s.d.Events.changed(c), nil
}

// ContactEvents tells the UI about contacts that changed outside a
// Contacts call: a key pinned on first use, a contact calling with a new
// identity (trust.Notifier), a name announced on the LAN. Not bound.
type ContactEvents struct {
	Store    contactStore
	Presence onliner
	Events   Emitter
}

func (e *ContactEvents) changed(c store.Contact) ContactView {
	v := contactView(c, e.Presence)
	e.Events.Emit(events.ContactChanged, v)
	return v
}

// ContactChanged emits contact:changed for c.
func (e *ContactEvents) ContactChanged(c store.Contact) { e.changed(c) }

// IdentityChanged is the data of identity:changed: a contact's new
// identity is pending. Only proof ties it to the contact, never a name:
// the Peerline at an address the contact used now proves the new key.
// The UI still lets the user compare ids before accepting.
type IdentityChanged struct {
	Contact ContactView `json:"contact"`
	NewID   string      `json:"newId"`
	// MatchedBy says what tied the new identity to the contact:
	// "address" (trust.MatchAddress).
	MatchedBy string `json:"matchedBy"`
	// Address is the LAN address (host:port) where the new identity's key
	// was proven, for "address".
	Address string `json:"address,omitempty"`
}

// NewIdentity emits identity:changed: contact c has newID pending, tied
// to it as m says (trust.Notifier).
func (e *ContactEvents) NewIdentity(c store.Contact, newID identity.PeerID, m trust.Match) {
	ev := IdentityChanged{Contact: contactView(c, e.Presence), NewID: newID.String(), MatchedBy: m.By}
	if m.Addr.IsValid() {
		// Without the IPv6 zone (the local interface): a person reads it.
		ev.Address = netip.AddrPortFrom(m.Addr.Addr().WithZone(""), m.Addr.Port()).String()
	}
	e.Events.Emit(events.IdentityChanged, ev)
}

// nameHeard records the name a contact announces on the LAN.
func (e *ContactEvents) nameHeard(ctx context.Context, id identity.PeerID, name string) {
	c, err := e.Store.GetContact(ctx, id)
	if err != nil || c.AnnouncedName == name {
		return
	}
	if c, err := e.Store.SetAnnouncedName(ctx, id, name); err == nil {
		e.changed(c)
	}
}
