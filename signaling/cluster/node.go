package cluster

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/peerline/peerline/signaling/hub"
	"github.com/peerline/peerline/signaling/identity"
)

// Node is one peerline-signal process in a cluster: it implements
// hub.Remote for its hub, relays frames to other nodes over NATS,
// delivers theirs, and keeps the cluster-wide directory of who is
// connected where. Create it with Start; stop it with Close.
type Node struct {
	opts        Options
	hub         *hub.Hub
	nc          *nats.Conn
	m           *metrics
	incarnation uint64
	subjNode    string // prefix.node.<id>, what this node hears frames on
	subjPrez    string // prefix.presence
	subjMine    string // prefix.presence.<id>: snapshots and wants for this node only

	// prez carries both presence subscriptions (subjPrez and subjMine) to
	// one goroutine, so another node's messages are applied in the order
	// it published them whichever subject each took: a delta published
	// after a snapshot sent to this node alone is applied after it.
	prez chan *nats.Msg

	connected atomic.Bool
	resync    atomic.Bool // announce hello and a snapshot (connected or reconnected)
	snapDue   atomic.Bool // publish a snapshot on the shared subject (this node (re)joined)

	// mu guards the directory: other nodes, where each remote peer is,
	// and this node's own peers as announced. Lock order: mu, then the
	// hub's lock (SetElsewhere); the hub calls LocalChanged with its lock
	// held, which only takes evMu.
	mu     sync.RWMutex
	nodes  map[string]*remoteNode
	where  map[identity.PeerID][]location
	local  map[identity.PeerID]localPeer
	hash   uint64   // setHash of local's peers
	wants  []string // nodes to ask for a snapshot (beat mismatch)
	snapTo []string // nodes that asked this node for a snapshot (hello, want)

	evMu   sync.Mutex
	events []localEvent // LocalChanged, for the announcer

	touched []hub.DeferredSender // onFrames' destinations of one batch

	pendMu  sync.Mutex
	pending []*outbox // outboxes with frames to publish

	wake  chan struct{} // announcer
	flush chan struct{} // flusher

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed atomic.Bool
}

// remoteNode is another node as the directory knows it.
type remoteNode struct {
	id          string
	incarnation uint64
	lastSeen    time.Time
	ids         map[identity.PeerID]int64 // its peers and their stamps
	hash        uint64
	pend        map[identity.PeerID]int64 // a snapshot being received, nil when none
	pendGen     uint64
	out         *outbox
	// private: the node takes snapshots and wants on its own presence
	// subject (its hello said so, or it sent one there). A node that
	// does not (an older version) is answered on the shared subject.
	private bool
}

// location is one node where a peer is connected.
type location struct {
	node  *remoteNode
	stamp int64
}

// localPeer is a connection of this node as announced.
type localPeer struct {
	c     hub.Conn
	stamp int64
}

type localEvent struct {
	c      hub.Conn
	online bool
}

// Start connects to NATS and joins h to the cluster (h.Join). It returns
// once the connection is set up; when no NATS server answers yet, it
// keeps trying in the background and the node is not Ready meanwhile
// (/healthz 503), as after a lost connection. ctx bounds only the start.
func Start(ctx context.Context, h *hub.Hub, o Options) (*Node, error) {
	opts, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	var inc [8]byte
	rand.Read(inc[:])
	n := &Node{
		opts:        opts,
		hub:         h,
		m:           newMetrics(opts.Registerer, opts.NodeID),
		incarnation: binary.LittleEndian.Uint64(inc[:]) >> 1,
		subjNode:    opts.Prefix + ".node." + opts.NodeID,
		subjPrez:    opts.Prefix + ".presence",
		subjMine:    opts.Prefix + ".presence." + opts.NodeID,
		prez:        make(chan *nats.Msg, presenceQueue),
		nodes:       make(map[string]*remoteNode),
		where:       make(map[identity.PeerID][]location),
		local:       make(map[identity.PeerID]localPeer),
		wake:        make(chan struct{}, 1),
		flush:       make(chan struct{}, 1),
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	nopts := []nats.Option{
		nats.Name("peerline-signal " + opts.NodeID),
		nats.NoEcho(), // a node never needs its own messages
		nats.MaxReconnects(-1),
		nats.ReconnectWait(opts.ReconnectWait),
		nats.RetryOnFailedConnect(true),
		nats.ConnectHandler(func(*nats.Conn) { n.up(false) }),
		nats.ReconnectHandler(func(*nats.Conn) { n.up(true) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { n.down(err) }),
		nats.ErrorHandler(func(_ *nats.Conn, s *nats.Subscription, err error) {
			n.opts.Logger.Warn("cluster: nats", "err", err)
		}),
	}
	nopts = append(nopts, opts.NATS...)
	nc, err := nats.Connect(strings.Join(opts.URLs, ","), nopts...)
	if err != nil {
		n.cancel()
		return nil, fmt.Errorf("cluster: connect: %w", err)
	}
	n.nc = nc
	sub, err := nc.Subscribe(n.subjNode, n.onFrames)
	if err == nil {
		// Room for bursts: a slow consumer here drops relayed messages.
		err = sub.SetPendingLimits(1<<20, 256<<20)
	}
	for _, subj := range []string{n.subjPrez, n.subjMine} {
		if err == nil {
			_, err = nc.ChanSubscribe(subj, n.prez)
		}
	}
	if err != nil {
		nc.Close()
		n.cancel()
		return nil, fmt.Errorf("cluster: subscribe: %w", err)
	}
	if nc.IsConnected() {
		// The subscriptions reach the server before Start returns: what
		// anyone publishes from then on, this node hears.
		if err := nc.FlushWithContext(ctx); err != nil {
			opts.Logger.Warn("cluster: start: flush subscriptions", "err", err)
		}
	}
	h.Join(n)
	if nc.IsConnected() {
		n.up(false)
	}
	n.wg.Add(3)
	go n.announcer()
	go n.flusher()
	go n.presenceReader()
	if err := ctx.Err(); err != nil {
		n.Close(context.Background())
		return nil, fmt.Errorf("cluster: start: %w", err)
	}
	opts.Logger.Info("cluster: node started", "node", opts.NodeID, "nats", redactURLs(opts.URLs), "connected", nc.IsConnected())
	return n, nil
}

// redactURLs lists urls without their passwords, for logs.
func redactURLs(urls []string) string {
	out := make([]string, len(urls))
	for i, s := range urls {
		if u, err := url.Parse(s); err == nil {
			out[i] = u.Redacted()
		} else {
			out[i] = "(unparsable)"
		}
	}
	return strings.Join(out, ",")
}

// ID returns the node's id.
func (n *Node) ID() string { return n.opts.NodeID }

// Ready implements hub.Remote: nil while connected to NATS.
func (n *Node) Ready() error {
	if n.closed.Load() {
		return ErrClosed
	}
	if !n.connected.Load() {
		return ErrDisconnected
	}
	return nil
}

// up runs on NATS (re)connect: the node announces itself and asks every
// node for a snapshot, so directories agree again after an outage.
func (n *Node) up(reconnect bool) {
	if n.connected.Swap(true) {
		return
	}
	if reconnect {
		n.m.reconnects.Inc()
		n.opts.Logger.Info("cluster: nats reconnected", "url", n.nc.ConnectedUrlRedacted())
	}
	n.m.connected.Set(1)
	n.resync.Store(true)
	n.poke(n.wake)
}

func (n *Node) down(err error) {
	if !n.connected.Swap(false) {
		return
	}
	n.m.disconnects.Inc()
	n.m.connected.Set(0)
	if !n.closed.Load() {
		n.opts.Logger.Warn("cluster: nats disconnected", "err", err)
	}
}

func (n *Node) poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Close leaves the cluster: it tells the other nodes this node's peers
// are gone (they need not wait for the lease), flushes within ctx, and
// closes the NATS connection. Call it after the server's Shutdown, so
// clients were told to reconnect elsewhere first.
func (n *Node) Close(ctx context.Context) error {
	if n.closed.Swap(true) {
		return nil
	}
	n.hub.Join(nil)
	n.cancel()
	n.wg.Wait()
	var err error
	if n.connected.Load() {
		n.publishPresence(n.subjPrez, appendHeader(nil, n.header(kindBye)), kindBye)
		if ferr := n.nc.FlushWithContext(ctx); ferr != nil {
			err = fmt.Errorf("cluster: close: flush: %w", ferr)
		}
	}
	n.nc.Close()
	n.m.connected.Set(0)
	return err
}

// Kill stops the node the way SIGKILL would, as the other nodes see it:
// no goodbye, no more heartbeats; its peers expire with the lease. For
// tests and benchmarks; Close is the way to leave.
func (n *Node) Kill() {
	if n.closed.Swap(true) {
		return
	}
	n.hub.Join(nil)
	n.cancel()
	n.wg.Wait()
	n.nc.Close()
}

func (n *Node) header(k kind) header {
	return header{kind: k, node: n.opts.NodeID, incarnation: n.incarnation}
}

// RemotePeers returns how many peers this node knows to be connected on
// other nodes (tests and benchmarks wait on it).
func (n *Node) RemotePeers() int {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return len(n.where)
}

// NATS returns the node's NATS connection (metrics, tests).
func (n *Node) NATS() *nats.Conn { return n.nc }
