package cluster

// The cluster-wide directory. Each node announces its own peers on the
// presence subject (deltas as they come and go, a heartbeat with their
// count and set hash, its snapshot when it (re)joins), answers another
// node's hello or want with a snapshot on that node's own presence
// subject, and keeps what the others announce, with a lease: a node
// silent for Options.Lease is dropped with its peers. Only the announcer
// goroutine publishes presence, and one goroutine (presenceReader)
// applies both presence subjects, so a node's messages are applied
// everywhere in the order it sent them.

import (
	"slices"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/peerline/peerline/signaling/hub"
	"github.com/peerline/peerline/signaling/identity"
)

// presenceChunk bounds one presence message (a snapshot of many peers
// takes several).
const presenceChunk = 64 << 10

// presenceQueue is the room in the presence channel. nats.go drops a
// message that finds it full (a slow consumer; the next beat's hash
// then disagrees and a want repairs the view), so it is generous: a
// snapshot of 1,000,000 peers is about 650 chunks. 512 KiB per node.
const presenceQueue = 1 << 16

// helloPrivate in a hello's flags byte: answer this node's hello and
// wants on its own presence subject. A node without it (an older
// version, whose hello has no body) is answered on the shared subject.
const helloPrivate = 1

// presenceReader applies the presence messages of both subscriptions in
// the order NATS delivered them, until the node closes.
func (n *Node) presenceReader() {
	defer n.wg.Done()
	for {
		select {
		case <-n.ctx.Done():
			return
		case msg := <-n.prez:
			n.onPresence(msg)
		}
	}
}

// LocalChanged implements hub.Remote: it queues the change for the
// announcer (it runs under the hub's lock, so it only appends).
func (n *Node) LocalChanged(c hub.Conn, online bool) {
	n.evMu.Lock()
	n.events = append(n.events, localEvent{c, online})
	first := len(n.events) == 1
	n.evMu.Unlock()
	if first {
		n.poke(n.wake)
	}
}

// announcer publishes this node's presence and expires silent nodes,
// until the node closes.
func (n *Node) announcer() {
	defer n.wg.Done()
	tick := time.NewTicker(n.opts.Heartbeat)
	defer tick.Stop()
	var spare []localEvent
	for {
		beat := false
		select {
		case <-n.ctx.Done():
			return
		case <-n.wake:
		case <-tick.C:
			beat = true
		}
		if n.connected.Load() && n.resync.Swap(false) {
			n.publishPresence(n.subjPrez, append(appendHeader(nil, n.header(kindHello)), helloPrivate), kindHello)
			n.snapDue.Store(true)
		}
		spare = n.announceEvents(spare)
		if n.connected.Load() {
			for _, subj := range n.snapshotSubjects() {
				n.publishSnapshot(subj)
			}
		}
		if beat {
			n.expire(time.Now())
			if n.connected.Load() {
				n.publishBeat()
			}
		}
	}
}

// announceEvents applies the queued local changes to the directory and
// publishes them as deltas. A new connection's stamp is later than any
// this node knows for the peer, so the connection made last wins even
// between nodes whose clocks differ.
func (n *Node) announceEvents(spare []localEvent) []localEvent {
	n.evMu.Lock()
	evs := n.events
	n.events = spare[:0]
	n.evMu.Unlock()
	if len(evs) == 0 {
		return evs
	}
	var msgs [][]byte
	msg := appendHeader(make([]byte, 0, 256), n.header(kindDelta))
	head := len(msg)
	now := time.Now().UnixNano()
	n.mu.Lock()
	for _, ev := range evs {
		id := ev.c.Peer()
		var e entry
		if ev.online {
			stamp := now
			for _, l := range n.where[id] {
				stamp = max(stamp, l.stamp+1)
			}
			old, had := n.local[id]
			if had {
				stamp = max(stamp, old.stamp+1)
			} else {
				n.hash ^= setHash(id)
			}
			n.local[id] = localPeer{ev.c, stamp}
			e = entry{peer: id, online: true, stamp: stamp}
		} else {
			cur, had := n.local[id]
			if !had || cur.c != ev.c {
				continue
			}
			delete(n.local, id)
			n.hash ^= setHash(id)
			e = entry{peer: id}
		}
		if len(msg)+entryMax > presenceChunk {
			msgs = append(msgs, msg)
			msg = appendHeader(make([]byte, 0, 256), n.header(kindDelta))
		}
		msg = appendEntry(msg, e)
	}
	n.mu.Unlock()
	if len(msg) > head {
		msgs = append(msgs, msg)
	}
	if n.connected.Load() {
		for _, m := range msgs {
			n.publishPresence(n.subjPrez, m, kindDelta)
		}
	}
	clear(evs)
	return evs[:0]
}

// snapshotSubjects returns where snapshots are due: the shared subject
// when this node (re)joined (every node needs its list) or when a node
// that asked takes no private answers, else the presence subject of
// each node that asked. One snapshot on the shared subject answers
// every request.
func (n *Node) snapshotSubjects() []string {
	shared := n.snapDue.Swap(false)
	n.mu.Lock()
	to := n.snapTo
	n.snapTo = nil
	var subjs []string
	for _, id := range to {
		rn := n.nodes[id]
		if rn == nil {
			continue // gone meanwhile
		}
		if !rn.private {
			shared = true
			break
		}
		subjs = append(subjs, n.nodeSubject(id))
	}
	n.mu.Unlock()
	if shared {
		return []string{n.subjPrez}
	}
	return subjs
}

// nodeSubject is the presence subject of node id.
func (n *Node) nodeSubject(id string) string { return n.subjPrez + "." + id }

// publishSnapshot publishes every local peer on subj, in chunks of one
// generation; receivers replace what they hold for this node when the
// last chunk arrives.
func (n *Node) publishSnapshot(subj string) {
	n.mu.Lock()
	gen := uint64(time.Now().UnixNano())
	var msgs [][]byte
	start := func() []byte {
		return appendHeader(make([]byte, 0, 1024), n.header(kindSnapshot))
	}
	msg := start()
	var entries []byte
	for id, lp := range n.local {
		if len(msg)+len(entries)+entryMax+16 > presenceChunk {
			msgs = append(msgs, append(appendSnapshotHead(msg, gen, false), entries...))
			msg, entries = start(), entries[:0]
		}
		entries = appendEntry(entries, entry{peer: id, online: true, stamp: lp.stamp})
	}
	msgs = append(msgs, append(appendSnapshotHead(msg, gen, true), entries...))
	n.mu.Unlock()
	for _, m := range msgs {
		n.publishPresence(subj, m, kindSnapshot)
	}
}

func (n *Node) publishBeat() {
	n.mu.Lock()
	bt := beat{count: uint64(len(n.local)), hash: n.hash}
	wants := n.wants
	n.wants = nil
	subjs := make([]string, len(wants))
	for i, w := range wants {
		subjs[i] = n.subjPrez
		if rn := n.nodes[w]; rn != nil && rn.private {
			subjs[i] = n.nodeSubject(w)
		}
	}
	n.mu.Unlock()
	n.publishPresence(n.subjPrez, appendBeat(appendHeader(nil, n.header(kindBeat)), bt), kindBeat)
	for i, w := range wants {
		n.publishPresence(subjs[i], appendWant(appendHeader(nil, n.header(kindWant)), w), kindWant)
	}
}

func (n *Node) publishPresence(subj string, msg []byte, k kind) {
	if err := n.nc.Publish(subj, msg); err != nil {
		n.opts.Logger.Debug("cluster: publish presence", "kind", k.String(), "err", err)
		return
	}
	n.m.presenceOut.WithLabelValues(k.String()).Inc()
}

// expire drops the nodes not heard from within the lease.
func (n *Node) expire(now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for id, rn := range n.nodes {
		if now.Sub(rn.lastSeen) > n.opts.Lease {
			n.opts.Logger.Info("cluster: node expired", "node", id, "peers", len(rn.ids))
			n.dropNodeLocked(rn)
			n.m.expiredNodes.Inc()
		}
	}
}

// onPresence applies another node's presence message.
func (n *Node) onPresence(msg *nats.Msg) {
	h, body, err := parseHeader(msg.Data)
	if err != nil || h.kind == kindFrames {
		n.m.badMessages.Inc()
		return
	}
	if h.node == n.opts.NodeID {
		return
	}
	n.m.presenceIn.WithLabelValues(h.kind.String()).Inc()
	var evict []hub.Conn
	n.mu.Lock()
	rn := n.nodes[h.node]
	if rn != nil && rn.incarnation != h.incarnation {
		// The node restarted: what its last life announced is void.
		n.dropNodeLocked(rn)
		rn = nil
	}
	if rn == nil {
		if h.kind == kindBye {
			n.mu.Unlock()
			return
		}
		rn = &remoteNode{id: h.node, incarnation: h.incarnation,
			ids: make(map[identity.PeerID]int64),
			out: &outbox{subject: n.opts.Prefix + ".node." + h.node}}
		n.nodes[h.node] = rn
		n.m.nodes.Set(float64(len(n.nodes)))
		if h.kind != kindHello && h.kind != kindSnapshot {
			// Joined mid-stream (this node started or reconnected
			// later): ask for the whole list.
			n.wants = append(n.wants, rn.id)
		}
	}
	rn.lastSeen = time.Now()
	if msg.Subject == n.subjMine {
		rn.private = true
	}
	switch h.kind {
	case kindHello:
		rn.private = len(body) > 0 && body[0]&helloPrivate != 0
		n.askedLocked(rn.id)
		defer n.poke(n.wake)
	case kindBye:
		n.dropNodeLocked(rn)
	case kindDelta:
		for len(body) > 0 {
			var e entry
			if e, body, err = nextEntry(body); err != nil {
				n.m.badMessages.Inc()
				break
			}
			if rn.pend != nil {
				if e.online {
					rn.pend[e.peer] = e.stamp
				} else {
					delete(rn.pend, e.peer)
				}
			}
			if e.online {
				evict = n.addLocked(rn, e.peer, e.stamp, evict)
			} else {
				n.removeLocked(rn, e.peer)
			}
		}
	case kindSnapshot:
		gen, last, rest, err := parseSnapshotHead(body)
		if err != nil {
			n.m.badMessages.Inc()
			break
		}
		if rn.pend == nil || rn.pendGen != gen {
			rn.pend, rn.pendGen = make(map[identity.PeerID]int64), gen
		}
		for len(rest) > 0 {
			var e entry
			if e, rest, err = nextEntry(rest); err != nil {
				n.m.badMessages.Inc()
				break
			}
			if e.online {
				rn.pend[e.peer] = e.stamp
			}
		}
		if last {
			for id := range rn.ids {
				if _, keep := rn.pend[id]; !keep {
					n.removeLocked(rn, id)
				}
			}
			for id, s := range rn.pend {
				evict = n.addLocked(rn, id, s, evict)
			}
			rn.pend = nil
		}
	case kindBeat:
		bt, err := parseBeat(body)
		if err != nil {
			n.m.badMessages.Inc()
			break
		}
		if rn.pend == nil && (bt.count != uint64(len(rn.ids)) || bt.hash != rn.hash) {
			n.wants = append(n.wants, rn.id)
		}
	case kindWant:
		if w, err := parseWant(body); err == nil && w == n.opts.NodeID {
			n.askedLocked(rn.id)
			defer n.poke(n.wake)
		}
	}
	n.m.remotePeers.Set(float64(len(n.where)))
	n.mu.Unlock()
	for _, c := range evict {
		// Newest wins: the same peer connected later on rn.
		n.m.replaced.Inc()
		c.Fail(hub.Replaced())
	}
}

// askedLocked records that node id asked for this node's snapshot.
func (n *Node) askedLocked(id string) {
	if !slices.Contains(n.snapTo, id) {
		n.snapTo = append(n.snapTo, id)
	}
}

// addLocked records peer on rn with its stamp. A local connection of the
// same peer that is older is returned in evict, to be closed.
func (n *Node) addLocked(rn *remoteNode, peer identity.PeerID, stamp int64, evict []hub.Conn) []hub.Conn {
	if _, had := rn.ids[peer]; had {
		locs := n.where[peer]
		for i := range locs {
			if locs[i].node == rn {
				locs[i].stamp = stamp
			}
		}
	} else {
		rn.hash ^= setHash(peer)
		n.where[peer] = append(n.where[peer], location{rn, stamp})
		if len(n.where[peer]) == 1 {
			n.hub.SetElsewhere(peer, true)
		}
	}
	rn.ids[peer] = stamp
	if lp, ok := n.local[peer]; ok && newer(stamp, rn.id, lp.stamp, n.opts.NodeID) {
		evict = append(evict, lp.c)
	}
	return evict
}

func (n *Node) removeLocked(rn *remoteNode, peer identity.PeerID) {
	if _, had := rn.ids[peer]; !had {
		return
	}
	delete(rn.ids, peer)
	rn.hash ^= setHash(peer)
	locs := n.where[peer]
	for i := range locs {
		if locs[i].node == rn {
			locs[i] = locs[len(locs)-1]
			locs[len(locs)-1] = location{}
			locs = locs[:len(locs)-1]
			break
		}
	}
	if len(locs) == 0 {
		delete(n.where, peer)
		n.hub.SetElsewhere(peer, false)
	} else {
		n.where[peer] = locs
	}
}

func (n *Node) dropNodeLocked(rn *remoteNode) {
	for id := range rn.ids {
		n.removeLocked(rn, id)
	}
	rn.pend = nil
	delete(n.nodes, rn.id)
	n.m.nodes.Set(float64(len(n.nodes)))
	n.m.remotePeers.Set(float64(len(n.where)))
}
