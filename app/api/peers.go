package api

import (
	"context"
	"sort"
	"strings"

	"github.com/peerline/peerline/app/discovery"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/presence"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

// contactLister lists the address book.
type contactLister interface {
	ListContacts(ctx context.Context) ([]store.Contact, error)
}

// blockedLister lists blocked strangers (the store), so a blocked LAN
// stranger shows as blocked.
type blockedLister interface {
	ListBlockedStrangers(ctx context.Context) ([]store.BlockedStranger, error)
}

// peerPresence is what Peers reads of presence (presence.Tracker).
type peerPresence interface {
	onliner
	LANPeers() []discovery.Peer
	ServerStates() map[string]presence.ServerState
}

// diagnoser is LAN discovery's self-check (discovery.MDNS).
type diagnoser interface {
	Diagnose() discovery.Diagnosis
}

// Peers is the bound service for the people list.
type Peers struct {
	ctx      context.Context
	self     identity.PeerID
	contacts contactLister
	presence peerPresence
	lan      diagnoser // nil when discovery is off
}

// NewPeers returns the Peers service of install self; lan is nil when
// discovery is off.
func NewPeers(ctx context.Context, self identity.PeerID, contacts contactLister, p peerPresence, lan diagnoser) *Peers {
	return &Peers{ctx: ctx, self: self, contacts: contacts, presence: p, lan: lan}
}

// List returns contacts and LAN peers with presence: favorites first, then
// online, then by name.
func (s *Peers) List() ([]PeerView, error) {
	contacts, err := s.contacts.ListContacts(s.ctx)
	if err != nil {
		return nil, coded(err)
	}
	blocked := map[identity.PeerID]bool{}
	if bl, ok := s.contacts.(blockedLister); ok {
		list, err := bl.ListBlockedStrangers(s.ctx)
		if err != nil {
			return nil, coded(err)
		}
		for _, b := range list {
			blocked[b.ID] = true
		}
	}
	byID := map[identity.PeerID]*PeerView{}
	var out []*PeerView
	for _, c := range contacts {
		online, lan := s.presence.Online(c.ID)
		v := &PeerView{ID: c.ID.String(), Name: c.DisplayName(), Online: online, LAN: lan, Contact: true,
			Favorite: c.Favorite, Blocked: c.Blocked, Verified: c.Key != nil, KeyChanged: c.KeyChanged()}
		byID[c.ID] = v
		out = append(out, v)
	}
	for _, p := range s.presence.LANPeers() {
		if p.ID.IsZero() || p.ID == s.self {
			continue
		}
		if v, ok := byID[p.ID]; ok {
			if v.Name == "" {
				v.Name = p.Name
			}
			continue
		}
		if !p.Online {
			continue // strangers are listed only while they are around
		}
		v := &PeerView{ID: p.ID.String(), Name: p.Name, Online: true, LAN: true, Blocked: blocked[p.ID]}
		byID[p.ID] = v
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.Favorite != y.Favorite {
			return x.Favorite
		}
		if x.Online != y.Online {
			return x.Online
		}
		return strings.ToLower(x.Name) < strings.ToLower(y.Name)
	})
	res := make([]PeerView, len(out))
	for i, v := range out {
		res[i] = *v
	}
	return res, nil
}

func (s *Peers) view(id identity.PeerID) (PeerView, bool) {
	list, err := s.List()
	if err != nil {
		return PeerView{}, false
	}
	for _, v := range list {
		if v.ID == id.String() {
			return v, true
		}
	}
	return PeerView{}, false
}

// Diagnosis says why the people list may be empty.
type Diagnosis struct {
	// LAN is discovery's own diagnosis; nil when discovery is off.
	LAN *discovery.Diagnosis `json:"lan"`
	// Servers is each signaling server's link state.
	Servers map[string]presence.ServerState `json:"servers"`
}

// Diagnose reports on LAN discovery and server links.
func (s *Peers) Diagnose() (Diagnosis, error) { return s.diagnosis(), nil }

func (s *Peers) diagnosis() Diagnosis {
	d := Diagnosis{Servers: s.presence.ServerStates()}
	if s.lan != nil {
		diag := s.lan.Diagnose()
		d.LAN = &diag
	}
	return d
}

// peerOffline is the data of peer:offline.
type peerOffline struct {
	ID string `json:"id"`
}

// PresenceEvents turns what presence hears into UI events
// (presence.Listener): peer:online with the peer's list entry,
// peer:offline, discovery:status, and contact:changed when a contact
// announces a new name on the LAN. Not bound.
type PresenceEvents struct {
	Peers    *Peers
	Contacts *ContactEvents
	Events   Emitter
}

// PresenceChanged announces a peer coming or going.
func (p *PresenceEvents) PresenceChanged(id identity.PeerID, online bool) {
	if !online {
		p.Events.Emit(events.PeerOffline, peerOffline{ID: id.String()})
		return
	}
	if v, ok := p.Peers.view(id); ok {
		p.Events.Emit(events.PeerOnline, v)
	}
}

// ServersChanged announces the new diagnosis.
func (p *PresenceEvents) ServersChanged() { p.Events.Emit(events.DiscoveryStatus, p.Peers.diagnosis()) }

// NameHeard records the name a contact announces on the LAN.
func (p *PresenceEvents) NameHeard(ctx context.Context, id identity.PeerID, name string) {
	p.Contacts.nameHeard(ctx, id, name)
}
