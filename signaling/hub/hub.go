package hub

import (
	"sync"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// Conn is one authenticated connection as the hub needs it.
type Conn interface {
	// Peer is the authenticated peer id.
	Peer() identity.PeerID
	// Send queues one encoded frame without blocking. It returns false
	// when the connection is closed or its queue is full (the connection
	// then closes itself as a slow consumer).
	Send(frame []byte) bool
	// Fail sends e and closes the connection, without blocking.
	Fail(e *signaling.Error)
}

// PooledSender is a Conn that takes relayed frames in buffers from the
// hub's pool and gives them back with PutFrame once written, so relaying
// allocates nothing per message.
type PooledSender interface {
	// SendPooled is Send for a pooled frame; the Conn owns *bp from then
	// on, also when it returns false.
	SendPooled(bp *[]byte) bool
}

var framePool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// GetFrame returns an empty frame buffer from the pool that PutFrame fills,
// for a caller that encodes relayed frames itself (see Lookup).
func GetFrame() *[]byte { return framePool.Get().(*[]byte) }

// PutFrame gives back a frame buffer that SendPooled received.
func PutFrame(bp *[]byte) {
	if cap(*bp) <= 64<<10 {
		*bp = (*bp)[:0]
		framePool.Put(bp)
	}
}

// Hub is the routing table. The zero value is not usable; call New.
//
// Presence notices are queued while the table lock is held (Conn.Send
// never blocks), so watchers see changes in the order they happened even
// when a peer's old connection ends while its new one arrives.
type Hub struct {
	mu       sync.RWMutex
	conns    map[identity.PeerID]Conn
	watchers map[identity.PeerID]map[Conn]struct{} // watched peer -> its watchers
	watching map[Conn][]identity.PeerID            // watcher -> its watched peers
	observer func(peer identity.PeerID, online bool)
}

// Observe registers fn to hear every peer that comes online or goes
// offline on this hub (the desktop app learns of dropped LAN links this
// way). fn runs with the hub locked: it must not block or call the hub.
func (h *Hub) Observe(fn func(peer identity.PeerID, online bool)) {
	h.mu.Lock()
	h.observer = fn
	h.mu.Unlock()
}

// New returns an empty hub.
func New() *Hub {
	return &Hub{
		conns:    make(map[identity.PeerID]Conn),
		watchers: make(map[identity.PeerID]map[Conn]struct{}),
		watching: make(map[Conn][]identity.PeerID),
	}
}

// Attach registers c under its peer id. An earlier connection of the same
// peer is replaced: it gets a replaced error and is closed. Watchers learn
// the peer is online (not again on a replacement).
func (h *Hub) Attach(c Conn) {
	id := c.Peer()
	h.mu.Lock()
	defer h.mu.Unlock()
	old, wasOnline := h.conns[id]
	h.conns[id] = c
	if wasOnline && old != c {
		old.Fail(&signaling.Error{Code: signaling.CodeReplaced, Message: "this peer connected again from elsewhere"})
	}
	if !wasOnline {
		h.sendPresence(h.watchersOf(id), id, true)
		if h.observer != nil {
			h.observer(id, true)
		}
	}
}

// Detach removes c and its subscriptions. If c is still the current
// connection of its peer, watchers learn the peer went offline.
func (h *Hub) Detach(c Conn) {
	id := c.Peer()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unwatchLocked(c)
	if cur, ok := h.conns[id]; ok && cur == c {
		delete(h.conns, id)
		h.sendPresence(h.watchersOf(id), id, false)
		if h.observer != nil {
			h.observer(id, false)
		}
	}
}

// Subscribe replaces the set of peers c watches and sends c the current
// presence of each.
func (h *Hub) Subscribe(c Conn, peers []identity.PeerID) {
	// Dedupe while keeping order, so the answer lists each peer once.
	uniq := make([]identity.PeerID, 0, len(peers))
	seen := make(map[identity.PeerID]bool, len(peers))
	for _, p := range peers {
		if !seen[p] && !p.IsZero() {
			seen[p] = true
			uniq = append(uniq, p)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.unwatchLocked(c)
	if len(uniq) > 0 {
		h.watching[c] = uniq
	}
	for _, p := range uniq {
		w := h.watchers[p]
		if w == nil {
			w = make(map[Conn]struct{})
			h.watchers[p] = w
		}
		w[c] = struct{}{}
		_, online := h.conns[p]
		h.sendPresence([]Conn{c}, p, online)
	}
}

// Lookup returns the connection of id, for a caller that delivers
// messages itself (the server, which encodes and batches its own frames);
// others use Route.
func (h *Hub) Lookup(id identity.PeerID) (Conn, bool) {
	h.mu.RLock()
	c, ok := h.conns[id]
	h.mu.RUnlock()
	return c, ok
}

// NotConnected is the error Route returns when env's addressee has no
// connection.
func NotConnected(env *signaling.Envelope) *signaling.Error {
	return &signaling.Error{Code: signaling.CodeUnavailable, Message: "peer " + env.To.Short() + " is not connected", Ref: env.ID}
}

// NotReading is the error Route returns when env's addressee does not take
// it (closed, or its queue is full).
func NotReading(env *signaling.Envelope) *signaling.Error {
	return &signaling.Error{Code: signaling.CodeUnavailable, Message: "peer " + env.To.Short() + " is not reading", Ref: env.ID}
}

// Route delivers env to env.To. It returns signaling.ErrUnavailable (with
// a message) when the peer is not connected or not reading.
func (h *Hub) Route(env *signaling.Envelope) error {
	dst, ok := h.Lookup(env.To)
	if !ok {
		return NotConnected(env)
	}
	if pc, pooled := dst.(PooledSender); pooled {
		bp := framePool.Get().(*[]byte)
		frame, err := env.AppendEncode((*bp)[:0])
		if err != nil {
			framePool.Put(bp)
			return err
		}
		*bp = frame
		ok = pc.SendPooled(bp)
	} else {
		frame, err := env.Encode()
		if err != nil {
			return err
		}
		ok = dst.Send(frame)
	}
	if !ok {
		return NotReading(env)
	}
	return nil
}

// Online reports whether id has a connection.
func (h *Hub) Online(id identity.PeerID) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	_, ok := h.conns[id]
	return ok
}

// Len returns the number of connected peers.
func (h *Hub) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.conns)
}

// Conns returns a snapshot of the connections (for shutdown).
func (h *Hub) Conns() []Conn {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]Conn, 0, len(h.conns))
	for _, c := range h.conns {
		out = append(out, c)
	}
	return out
}

func (h *Hub) watchersOf(id identity.PeerID) []Conn {
	w := h.watchers[id]
	out := make([]Conn, 0, len(w))
	for c := range w {
		out = append(out, c)
	}
	return out
}

func (h *Hub) unwatchLocked(c Conn) {
	for _, p := range h.watching[c] {
		if w := h.watchers[p]; w != nil {
			delete(w, c)
			if len(w) == 0 {
				delete(h.watchers, p)
			}
		}
	}
	delete(h.watching, c)
}

func (h *Hub) sendPresence(to []Conn, peer identity.PeerID, online bool) {
	if len(to) == 0 {
		return
	}
	env, err := signaling.New(signaling.TypePresence, signaling.Presence{Peer: peer, Online: online})
	if err != nil {
		return // cannot happen: Presence always marshals
	}
	frame, err := env.Encode()
	if err != nil {
		return
	}
	for _, c := range to {
		c.Send(frame)
	}
}
