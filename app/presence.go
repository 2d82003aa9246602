package app

import (
	"context"
	"sort"
	"sync"

	"github.com/peerline/peerline/app/discovery"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// presence merges what LAN discovery and signaling servers say about who
// is online, and tells the UI when that changes.
type presence struct {
	a  *App
	mu sync.Mutex
	// lan holds peers found by mDNS, by id.
	lan map[identity.PeerID]discovery.Peer
	// remote maps peer → servers reporting it online.
	remote map[identity.PeerID]map[string]bool
	// servers holds each server link's state.
	servers map[string]serverState
}

type serverState struct {
	Connected bool                  `json:"connected"`
	Error     string                `json:"error,omitempty"`
	ICE       []signaling.ICEServer `json:"-"` // handed out at the last connect
}

func newPresence(a *App) *presence {
	return &presence{a: a, lan: map[identity.PeerID]discovery.Peer{},
		remote: map[identity.PeerID]map[string]bool{}, servers: map[string]serverState{}}
}

// PeerOffline is the data of peer:offline.
type peerOffline struct {
	ID string `json:"id"`
}

func (p *presence) fromDiscovery(ctx context.Context, evs <-chan discovery.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-evs:
			if !ok {
				return
			}
			peer := ev.Peer
			if peer.ID.IsZero() {
				continue // a static address whose id we do not know yet
			}
			p.mu.Lock()
			before := p.onlineLocked(peer.ID)
			p.lan[peer.ID] = peer
			after := p.onlineLocked(peer.ID)
			p.mu.Unlock()
			if peer.Online && peer.Name != "" {
				p.noteName(ctx, peer.ID, peer.Name)
			}
			p.announce(peer.ID, before, after)
		}
	}
}

func (p *presence) fromServer(peer identity.PeerID, online bool, url string) {
	p.mu.Lock()
	before := p.onlineLocked(peer)
	set := p.remote[peer]
	if set == nil {
		set = map[string]bool{}
		p.remote[peer] = set
	}
	if online {
		set[url] = true
	} else {
		delete(set, url)
	}
	after := p.onlineLocked(peer)
	p.mu.Unlock()
	p.announce(peer, before, after)
}

func (p *presence) serverStatus(url string, connected bool, ice []signaling.ICEServer, err error) {
	st := serverState{Connected: connected, ICE: ice}
	if err != nil {
		st.Error = err.Error()
	}
	p.mu.Lock()
	if !connected {
		st.ICE = p.servers[url].ICE // keep the last credentials for calls in progress
	}
	p.servers[url] = st
	var changed []identity.PeerID
	if !connected {
		// A dropped server link says nothing about its peers any more.
		for id, set := range p.remote {
			if set[url] {
				before := p.onlineLocked(id)
				delete(set, url)
				if before != p.onlineLocked(id) {
					changed = append(changed, id)
				}
			}
		}
	}
	p.mu.Unlock()
	for _, id := range changed {
		p.announce(id, true, false)
	}
	p.a.bus.Emit(events.DiscoveryStatus, p.a.Peers.diagnosis())
}

func (p *presence) onlineLocked(id identity.PeerID) bool {
	return p.lan[id].Online || len(p.remote[id]) > 0
}

func (p *presence) online(id identity.PeerID) (online, lan bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.onlineLocked(id), p.lan[id].Online
}

func (p *presence) announce(id identity.PeerID, before, after bool) {
	if before == after {
		return
	}
	if after {
		if v, ok := p.a.Peers.view(id); ok {
			p.a.bus.Emit(events.PeerOnline, v)
		}
		return
	}
	p.a.bus.Emit(events.PeerOffline, peerOffline{ID: id.String()})
}

// noteName records the name a contact announces on the LAN.
func (p *presence) noteName(ctx context.Context, id identity.PeerID, name string) {
	c, err := p.a.store.GetContact(ctx, id)
	if err != nil || c.AnnouncedName == name {
		return
	}
	if c, err := p.a.store.SetAnnouncedName(ctx, id, name); err == nil {
		p.a.bus.Emit(events.ContactChanged, contactView(c, p))
	}
}

// nameOf returns the best known name for id, or fallback.
func (p *presence) nameOf(id identity.PeerID, fallback string) string {
	if c, err := p.a.store.GetContact(p.a.ctx, id); err == nil && c.DisplayName() != "" {
		return c.DisplayName()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := p.lan[id].Name; n != "" {
		return n
	}
	return fallback
}

// serverOf returns a server reporting id online, if any.
func (p *presence) serverOf(id identity.PeerID) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var urls []string
	for u := range p.remote[id] {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	if len(urls) > 0 {
		return urls[0]
	}
	return ""
}

func (p *presence) lanPeers() []discovery.Peer {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]discovery.Peer, 0, len(p.lan))
	for _, peer := range p.lan {
		out = append(out, peer)
	}
	return out
}

func (p *presence) serverStates() map[string]serverState {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]serverState, len(p.servers))
	for k, v := range p.servers {
		out[k] = v
	}
	return out
}
