package cluster

// Relaying between nodes: Relay appends each frame to the outbox of the
// node where its addressee is; one flusher goroutine publishes every
// outbox that has frames as one NATS message. Frames that arrive while
// the flusher is busy or not yet scheduled coalesce, so under load one
// publish carries many frames, and at rest a frame waits only for one
// goroutine wake-up (docs/performance.md, "Cluster over NATS").

import (
	"slices"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/peerline/peerline/signaling/hub"
	"github.com/peerline/peerline/signaling/identity"
)

// outbox gathers frames for one other node.
type outbox struct {
	subject string
	mu      sync.Mutex
	buf     []byte  // the batch being filled, with its header; nil when empty
	count   int     // frames in buf
	full    []batch // batches that reached MaxBatchBytes, oldest first
	queued  bool    // on Node.pending
}

type batch struct {
	data  []byte
	count int
}

var batchPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// Relay implements hub.Remote.
func (n *Node) Relay(to identity.PeerID, frame []byte) bool {
	if !n.connected.Load() {
		return false
	}
	n.mu.RLock()
	locs := n.where[to]
	if len(locs) == 0 {
		n.mu.RUnlock()
		return false
	}
	best := locs[0]
	for _, l := range locs[1:] {
		if newer(l.stamp, l.node.id, best.stamp, best.node.id) {
			best = l
		}
	}
	ob := best.node.out
	n.mu.RUnlock()

	ob.mu.Lock()
	if ob.buf != nil && len(ob.buf)+len(frame)+48 > n.opts.MaxBatchBytes {
		ob.full = append(ob.full, batch{ob.buf, ob.count})
		ob.buf, ob.count = nil, 0
	}
	if ob.buf == nil {
		bp := batchPool.Get().(*[]byte)
		ob.buf = appendHeader((*bp)[:0], n.header(kindFrames))
	}
	ob.buf = appendFrame(ob.buf, to, frame)
	ob.count++
	was := ob.queued
	ob.queued = true
	ob.mu.Unlock()
	if !was {
		n.pendMu.Lock()
		n.pending = append(n.pending, ob)
		n.pendMu.Unlock()
		n.poke(n.flush)
	}
	return true
}

// flusher publishes the outboxes that have frames, until the node
// closes.
func (n *Node) flusher() {
	defer n.wg.Done()
	var list []*outbox
	var batches []batch
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-n.flush:
		}
		n.pendMu.Lock()
		list, n.pending = n.pending, list[:0]
		n.pendMu.Unlock()
		for i, ob := range list {
			ob.mu.Lock()
			batches = append(batches[:0], ob.full...)
			if ob.buf != nil {
				batches = append(batches, batch{ob.buf, ob.count})
			}
			clear(ob.full)
			ob.full = ob.full[:0]
			ob.buf, ob.count, ob.queued = nil, 0, false
			ob.mu.Unlock()
			for _, b := range batches {
				n.publishFrames(ob.subject, b)
			}
			list[i] = nil
		}
		clear(batches)
	}
}

func (n *Node) publishFrames(subject string, b batch) {
	if err := n.nc.Publish(subject, b.data); err != nil {
		n.m.undelivered.WithLabelValues("publish").Add(float64(b.count))
		n.opts.Logger.Debug("cluster: publish frames", "subject", subject, "err", err)
	} else {
		n.m.publishes.Inc()
		n.m.relayedOut.Add(float64(b.count))
	}
	if cap(b.data) <= 1<<20 {
		d := b.data[:0]
		batchPool.Put(&d)
	}
}

// onFrames delivers a batch of frames from another node to the peers
// connected here. A peer that left meanwhile loses its frame: relaying
// across nodes is at most once, like a send to a peer that disconnects
// as it arrives on one node (docs/decisions.md).
func (n *Node) onFrames(msg *nats.Msg) {
	h, body, err := parseHeader(msg.Data)
	if err != nil || h.kind != kindFrames {
		n.m.badMessages.Inc()
		return
	}
	delivered, gone, full := 0, 0, 0
	touched := n.touched[:0] // only this goroutine (the subscription's) uses it
	for len(body) > 0 {
		to, frame, rest, err := nextFrame(body)
		if err != nil {
			n.m.badMessages.Inc()
			break
		}
		body = rest
		c, ok := n.hub.Lookup(to)
		if !ok {
			gone++
			continue
		}
		switch s := c.(type) {
		case hub.DeferredSender:
			// frame aliases msg.Data, which is ours from here: no copy.
			if ok = s.SendLater(frame); ok && !slices.Contains(touched, s) {
				if len(touched) == maxTouched {
					flushAll(touched)
					touched = touched[:0]
				}
				touched = append(touched, s)
			}
		case hub.PooledSender:
			bp := hub.GetFrame()
			*bp = append((*bp)[:0], frame...)
			ok = s.SendPooled(bp)
		default:
			ok = c.Send(append([]byte(nil), frame...))
		}
		if ok {
			delivered++
		} else {
			full++
		}
	}
	flushAll(touched)
	clear(touched)
	n.touched = touched[:0]
	n.m.relayedIn.Add(float64(delivered))
	if gone > 0 {
		n.m.undelivered.WithLabelValues("gone").Add(float64(gone))
	}
	if full > 0 {
		n.m.undelivered.WithLabelValues("not_reading").Add(float64(full))
	}
}

// maxTouched bounds the destinations a batch holds back before it
// writes them (as the server's read batch does).
const maxTouched = 16

func flushAll(ds []hub.DeferredSender) {
	for _, d := range ds {
		d.Flush()
	}
}

// newer reports whether a connection stamped (s1 on node n1) is newer
// than one stamped (s2 on n2): the larger stamp, then the larger node id.
// Every node decides the same way, so two nodes never both keep a peer.
func newer(s1 int64, n1 string, s2 int64, n2 string) bool {
	if s1 != s2 {
		return s1 > s2
	}
	return n1 > n2
}
