// Package presence merges what LAN discovery and the signaling servers say
// about who is online, and where each peer can be reached. It owns that
// picture and nothing else: it tells a Listener when a peer comes or goes
// and when a server link changes, and the listener (the bound Peers
// service) turns that into UI events. It must not reach into the store,
// the call manager or the UI; the Resolver reads contacts through a small
// interface of its own.
package presence

import (
	"context"
	"crypto/ed25519"
	"net/netip"
	"sort"
	"sync"

	"github.com/peerline/peerline/app/discovery"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// Listener hears what changes. Its methods are called without the
// tracker's lock held and may call back into the tracker.
type Listener interface {
	// PresenceChanged: id came online (online true) or went offline,
	// merged over every source.
	PresenceChanged(id identity.PeerID, online bool)
	// ServersChanged: a signaling server link connected or dropped.
	ServersChanged()
	// NameHeard: a peer on the LAN announced name.
	NameHeard(ctx context.Context, id identity.PeerID, name string)
}

// Prover hears what discovery proved: the hub at address at proved key,
// id's key (discovery.PeerProven), and when a peer is offline everywhere
// again. The trust gate implements it; the tracker only passes it on, it
// decides nothing. Its methods are called without the tracker's lock held.
type Prover interface {
	KeyProven(ctx context.Context, id identity.PeerID, key ed25519.PublicKey, at netip.AddrPort)
	Offline(ctx context.Context, id identity.PeerID)
}

// ServerState is one signaling server link's state.
type ServerState struct {
	Connected bool                  `json:"connected"`
	Error     string                `json:"error,omitempty"`
	ICE       []signaling.ICEServer `json:"-"` // handed out at the last connect
}

// Tracker is the merged presence. Its methods are safe for concurrent use.
type Tracker struct {
	listener Listener
	prover   Prover

	mu sync.Mutex
	// lan holds peers found by mDNS, by id.
	lan map[identity.PeerID]discovery.Peer
	// remote maps peer → servers reporting it online.
	remote map[identity.PeerID]map[string]bool
	// servers holds each server link's state.
	servers map[string]ServerState
}

// New returns an empty Tracker; call Notify before it hears anything.
func New() *Tracker {
	return &Tracker{lan: map[identity.PeerID]discovery.Peer{},
		remote: map[identity.PeerID]map[string]bool{}, servers: map[string]ServerState{}}
}

// Notify sets the listener. It must be called before the tracker is fed
// (FromDiscovery, FromServer, ServerStatus): the listener reads the
// tracker, so the two are made one after the other.
func (t *Tracker) Notify(l Listener) { t.listener = l }

// NotifyProofs sets who hears discovery's proofs; like Notify, before the
// tracker is fed.
func (t *Tracker) NotifyProofs(p Prover) { t.prover = p }

// FromDiscovery applies discovery's events until ctx ends or evs closes.
func (t *Tracker) FromDiscovery(ctx context.Context, evs <-chan discovery.Event) {
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
			if ev.Kind == discovery.PeerProven {
				if t.prover != nil {
					t.prover.KeyProven(ctx, peer.ID, ev.Key, ev.At)
				}
				continue // a proof, not a change of presence
			}
			t.mu.Lock()
			before := t.onlineLocked(peer.ID)
			if ev.Kind == discovery.PeerForgotten {
				// Discovery no longer tracks it: neither do we, so that
				// forged announcements under ever new ids cannot grow
				// this map without bound.
				delete(t.lan, peer.ID)
			} else {
				t.lan[peer.ID] = peer
			}
			after := t.onlineLocked(peer.ID)
			t.mu.Unlock()
			if peer.Online && peer.Name != "" && t.listener != nil {
				t.listener.NameHeard(ctx, peer.ID, peer.Name)
			}
			t.announce(ctx, peer.ID, before, after)
		}
	}
}

// FromServer records that server url reports peer online or offline
// (links.Config.Presence).
func (t *Tracker) FromServer(peer identity.PeerID, online bool, url string) {
	t.mu.Lock()
	before := t.onlineLocked(peer)
	set := t.remote[peer]
	if set == nil {
		set = map[string]bool{}
		t.remote[peer] = set
	}
	if online {
		set[url] = true
	} else {
		delete(set, url)
	}
	after := t.onlineLocked(peer)
	t.mu.Unlock()
	t.announce(context.Background(), peer, before, after)
}

// ServerStatus records a server link's state (links.Config.ServerStatus).
func (t *Tracker) ServerStatus(url string, connected bool, ice []signaling.ICEServer, err error) {
	st := ServerState{Connected: connected, ICE: ice}
	if err != nil {
		st.Error = err.Error()
	}
	t.mu.Lock()
	if !connected {
		st.ICE = t.servers[url].ICE // keep the last credentials for calls in progress
	}
	t.servers[url] = st
	var changed []identity.PeerID
	if !connected {
		// A dropped server link says nothing about its peers any more.
		for id, set := range t.remote {
			if set[url] {
				before := t.onlineLocked(id)
				delete(set, url)
				if before != t.onlineLocked(id) {
					changed = append(changed, id)
				}
			}
		}
	}
	t.mu.Unlock()
	for _, id := range changed {
		t.announce(context.Background(), id, true, false)
	}
	if t.listener != nil {
		t.listener.ServersChanged()
	}
}

func (t *Tracker) onlineLocked(id identity.PeerID) bool {
	return t.lan[id].Online || len(t.remote[id]) > 0
}

// Online reports whether id is online anywhere, and whether on the LAN.
func (t *Tracker) Online(id identity.PeerID) (online, lan bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.onlineLocked(id), t.lan[id].Online
}

func (t *Tracker) announce(ctx context.Context, id identity.PeerID, before, after bool) {
	if before == after {
		return
	}
	if t.listener != nil {
		t.listener.PresenceChanged(id, after)
	}
	if !after && t.prover != nil {
		t.prover.Offline(ctx, id)
	}
}

// LANName returns the name id announced on the LAN, or "".
func (t *Tracker) LANName(id identity.PeerID) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lan[id].Name
}

// ServerOf returns a server reporting id online, if any.
func (t *Tracker) ServerOf(id identity.PeerID) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var urls []string
	for u := range t.remote[id] {
		urls = append(urls, u)
	}
	sort.Strings(urls)
	if len(urls) > 0 {
		return urls[0]
	}
	return ""
}

// LANPeers returns every peer discovery reported, online or not.
func (t *Tracker) LANPeers() []discovery.Peer {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]discovery.Peer, 0, len(t.lan))
	for _, peer := range t.lan {
		out = append(out, peer)
	}
	return out
}

// ServerStates returns each server link's state, by URL.
func (t *Tracker) ServerStates() map[string]ServerState {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]ServerState, len(t.servers))
	for k, v := range t.servers {
		out[k] = v
	}
	return out
}
