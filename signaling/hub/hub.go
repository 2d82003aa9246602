package hub

import (
	"fmt"
	"sync"
	"sync/atomic"

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

// DeferredSender is a Conn that can queue a frame without writing it
// yet. A caller delivering many frames at once (the cluster, with a batch
// from another node) queues each with SendLater and calls Flush once per
// destination, so each gets one write.
type DeferredSender interface {
	// SendLater is Send without starting the write: frame is kept (not
	// copied) until it is written.
	SendLater(frame []byte) bool
	// Flush writes what SendLater queued, without blocking.
	Flush()
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
	maxFrame int

	remote atomic.Pointer[remoteBox] // the cluster, when this hub is a node of one (Join)

	mu        sync.RWMutex
	conns     map[identity.PeerID]Conn
	elsewhere map[identity.PeerID]struct{}          // peers connected on other nodes only (SetElsewhere)
	watchers  map[identity.PeerID]map[Conn]struct{} // watched peer -> its watchers
	watching  map[Conn]map[identity.PeerID]struct{} // watcher -> its watched peers (at most signaling.MaxSubscribe)
	observer  func(peer identity.PeerID, online bool)
}

// Options configure a Hub; the zero value works.
type Options struct {
	// MaxFrameBytes bounds the frames the hub builds itself (the
	// presence_list answering a subscribe): the frame limit the server
	// announces. Default signaling.DefaultMaxMessageBytes.
	MaxFrameBytes int
}

// Observe registers fn to hear every peer that comes online or goes
// offline on this hub (the desktop app learns of dropped LAN links this
// way). fn runs with the hub locked: it must not block or call the hub.
func (h *Hub) Observe(fn func(peer identity.PeerID, online bool)) {
	h.mu.Lock()
	h.observer = fn
	h.mu.Unlock()
}

// New returns an empty hub with the default Options.
func New() *Hub { return NewWith(Options{}) }

// NewWith returns an empty hub.
func NewWith(o Options) *Hub {
	if o.MaxFrameBytes <= 0 {
		o.MaxFrameBytes = signaling.DefaultMaxMessageBytes
	}
	return &Hub{
		maxFrame:  o.MaxFrameBytes,
		conns:     make(map[identity.PeerID]Conn),
		elsewhere: make(map[identity.PeerID]struct{}),
		watchers:  make(map[identity.PeerID]map[Conn]struct{}),
		watching:  make(map[Conn]map[identity.PeerID]struct{}),
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
		old.Fail(Replaced())
	}
	if r := h.remote.Load(); r != nil && old != c {
		r.r.LocalChanged(c, true)
	}
	if _, far := h.elsewhere[id]; !wasOnline && !far {
		h.sendPresence(h.watchersOf(id), id, true)
		if h.observer != nil {
			h.observer(id, true)
		}
	}
}

// Replaced is the error a connection gets when a newer connection of the
// same peer takes its place, on this node or, in a cluster, on another
// one (close 1000 with reason "replaced").
func Replaced() *signaling.Error {
	return &signaling.Error{Code: signaling.CodeReplaced, Message: "this peer connected again from elsewhere"}
}

// Detach removes c and its subscriptions. If c is still the current
// connection of its peer, watchers learn the peer went offline.
func (h *Hub) Detach(c Conn) {
	id := c.Peer()
	h.mu.Lock()
	defer h.mu.Unlock()
	for p := range h.watching[c] {
		h.unwatchLocked(c, p)
	}
	delete(h.watching, c)
	if cur, ok := h.conns[id]; ok && cur == c {
		delete(h.conns, id)
		if r := h.remote.Load(); r != nil {
			r.r.LocalChanged(c, false)
		}
		if _, far := h.elsewhere[id]; !far {
			h.sendPresence(h.watchersOf(id), id, false)
			if h.observer != nil {
				h.observer(id, false)
			}
		}
	}
}

// Subscribe replaces the set of peers c watches and sends c their current
// presence as one presence_list (more only when the list does not fit in
// one frame of Options.MaxFrameBytes). Only the difference from the old
// set touches the table. The caller bounds peers
// (signaling.MaxSubscribeIDs) and charges c for their number.
func (h *Hub) Subscribe(c Conn, peers []identity.PeerID) {
	h.change(c, true, peers, nil) // a replace never grows past its ids
}

// Watch changes the set of peers c watches: it stops watching remove,
// then watches add, and sends c the current presence of add as Subscribe
// does. A change that would leave c watching more than
// signaling.MaxSubscribe peers is refused with too_many_peers, and
// nothing changes. The caller bounds the ids and charges for them, as for
// Subscribe.
func (h *Hub) Watch(c Conn, add, remove []identity.PeerID) *signaling.Error {
	return h.change(c, false, add, remove)
}

// Marks of the ids one change names (change).
const (
	markRemove int8 = iota + 1
	markAdd
)

func (h *Hub) change(c Conn, replace bool, add, remove []identity.PeerID) *signaling.Error {
	// What each named id ends as: removed, or added (add wins, as it is
	// applied last). Dedupes the answer too.
	mark := make(map[identity.PeerID]int8, len(add)+len(remove))
	for _, p := range remove {
		mark[p] = markRemove
	}
	uniq := make([]identity.PeerID, 0, len(add))
	for _, p := range add {
		if !p.IsZero() && mark[p] != markAdd {
			mark[p] = markAdd
			uniq = append(uniq, p)
		}
	}
	// The answer's ids are rendered before the lock is taken: under it,
	// only the table changes and bytes are copied.
	texts := make([]byte, 0, identity.TextLen*len(uniq))
	for _, p := range uniq {
		texts = p.AppendText(texts)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	set := h.watching[c]
	if replace {
		for p := range set {
			if mark[p] != markAdd {
				h.unwatchLocked(c, p)
				delete(set, p)
			}
		}
	} else {
		n := len(set)
		for p, m := range mark {
			_, had := set[p]
			switch {
			case m == markAdd && !had:
				n++
			case m == markRemove && had:
				n--
			}
		}
		if n > signaling.MaxSubscribe {
			return &signaling.Error{Code: signaling.CodeTooManyPeers,
				Message: fmt.Sprintf("a connection may watch at most %d peers: %d watched, this change would make %d", signaling.MaxSubscribe, len(set), n)}
		}
		for _, p := range remove {
			if _, had := set[p]; had && mark[p] == markRemove {
				h.unwatchLocked(c, p)
				delete(set, p)
			}
		}
	}
	for _, p := range uniq {
		if _, had := set[p]; had {
			continue
		}
		if set == nil {
			set = make(map[identity.PeerID]struct{}, len(uniq))
			h.watching[c] = set
		}
		set[p] = struct{}{}
		w := h.watchers[p]
		if w == nil {
			w = make(map[Conn]struct{}, 1)
			h.watchers[p] = w
		}
		w[c] = struct{}{}
	}
	if len(set) == 0 {
		delete(h.watching, c)
	}
	h.sendPresenceList(c, uniq, texts)
	return nil
}

// presenceListIDBytes is what one id adds to a presence_list: a canonical
// id (63 bytes), its quotes and a comma; presenceListOverhead is the rest
// of the frame, with room to spare.
const (
	presenceListIDBytes  = 66
	presenceListOverhead = 128
)

// sendPresenceList sends c the state of peers, in as few presence_list
// frames as the frame limit allows; texts holds their canonical text, one
// after the other. The caller holds h.mu, so no change notice can pass
// the answer.
func (h *Hub) sendPresenceList(c Conn, peers []identity.PeerID, texts []byte) {
	per := max(1, (h.maxFrame-presenceListOverhead)/presenceListIDBytes)
	for start := 0; ; start += per {
		end := min(start+per, len(peers))
		frame := make([]byte, 0, presenceListOverhead+presenceListIDBytes*(end-start))
		frame = append(frame, presenceListHead...)
		for pass, online := 0, true; pass < 2; pass, online = pass+1, false {
			if !online {
				frame = append(frame, presenceListMid...)
			}
			frame = append(frame, '[')
			first := true
			for i := start; i < end; i++ {
				if h.onlineLocked(peers[i]) != online {
					continue
				}
				if !first {
					frame = append(frame, ',')
				}
				first = false
				frame = append(frame, '"')
				frame = append(frame, texts[i*identity.TextLen:(i+1)*identity.TextLen]...)
				frame = append(frame, '"')
			}
			frame = append(frame, ']')
		}
		c.Send(append(frame, presenceListTail...))
		if end == len(peers) {
			return
		}
	}
}

// The fixed parts of a presence_list frame.
const (
	presenceListHead = `{"v":1,"type":"presence_list","body":{"online":`
	presenceListMid  = `,"offline":`
	presenceListTail = "}}"
)

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

// Route delivers env to env.To, on this node or, in a cluster, another.
// It returns signaling.ErrUnavailable (with a message) when the peer is
// not connected or not reading.
func (h *Hub) Route(env *signaling.Envelope) error {
	dst, ok := h.Lookup(env.To)
	if !ok {
		r := h.Remote()
		if r == nil {
			return NotConnected(env)
		}
		frame, err := env.Encode()
		if err != nil {
			return err
		}
		if !r.Relay(env.To, frame) {
			return NotConnected(env)
		}
		return nil
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

// Online reports whether id has a connection, here or (in a cluster) on
// another node.
func (h *Hub) Online(id identity.PeerID) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.onlineLocked(id)
}

func (h *Hub) onlineLocked(id identity.PeerID) bool {
	if _, ok := h.conns[id]; ok {
		return true
	}
	_, ok := h.elsewhere[id]
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

// unwatchLocked removes c from p's watchers; the caller updates
// h.watching.
func (h *Hub) unwatchLocked(c Conn, p identity.PeerID) {
	if w := h.watchers[p]; w != nil {
		delete(w, c)
		if len(w) == 0 {
			delete(h.watchers, p)
		}
	}
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
