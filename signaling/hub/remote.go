package hub

import (
	"github.com/peerline/peerline/signaling/identity"
)

// Remote is the rest of a cluster as the hub needs it: when this hub is
// one node of several (package cluster), messages for peers connected
// elsewhere go through it, and it hears of every local connection so it
// can tell the other nodes.
type Remote interface {
	// Relay hands frame, a complete encoded envelope with its sender
	// already stamped, to the node where peer to is connected. It
	// reports false when to is connected on no node (or the cluster is
	// unreachable), so the sender gets the offline error at once. It
	// copies frame and does not block.
	Relay(to identity.PeerID, frame []byte) bool
	// LocalChanged hears every connection that attaches (online) and
	// every current connection that detaches (offline), in order. It runs
	// with the hub locked: it must not block nor call the hub.
	LocalChanged(c Conn, online bool)
	// Ready returns nil while the node is connected to the cluster, else
	// why not (health checks).
	Ready() error
}

type remoteBox struct{ r Remote }

// Join makes h one node of a cluster: messages for peers that are not
// connected here go to r, and r hears of local connections. Join(nil)
// leaves it. Call it before connections attach: connections attached
// earlier are not announced.
func (h *Hub) Join(r Remote) {
	if r == nil {
		h.remote.Store(nil)
		return
	}
	h.remote.Store(&remoteBox{r})
}

// Remote returns the cluster h joined, or nil for a single node.
func (h *Hub) Remote() Remote {
	if b := h.remote.Load(); b != nil {
		return b.r
	}
	return nil
}

// SetElsewhere records whether id is connected on another node of the
// cluster. Watchers hear of a change of id's presence as a whole: a peer
// connected here and elsewhere stays online while either holds.
func (h *Hub) SetElsewhere(id identity.PeerID, online bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, was := h.elsewhere[id]
	if was == online {
		return
	}
	if online {
		h.elsewhere[id] = struct{}{}
	} else {
		delete(h.elsewhere, id)
	}
	if _, local := h.conns[id]; local {
		return
	}
	h.sendPresence(h.watchersOf(id), id, online)
	if h.observer != nil {
		h.observer(id, online)
	}
}
