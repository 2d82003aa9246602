// Package cluster makes peerline-signal processes one service: nodes
// that share a core NATS (no JetStream) route messages to each other's
// peers and share presence. A Node implements hub.Remote for its hub:
// the hub consults it when a message's addressee is not connected here,
// and tells it of every local connection.
//
// Package clustertest runs a cluster inside tests (an embedded
// nats-server, in-process nodes, Kill for a node lost without goodbye).
//
// # Subjects
//
//	<prefix>.node.<node-id>      relayed frames for the peers of one node (each node subscribes to its own)
//	<prefix>.presence            every node's presence announcements (every node subscribes)
//	<prefix>.presence.<node-id>  snapshots and wants for one node only (each node subscribes to its own)
//
// prefix is Options.Prefix ("peerline"); node ids are 1 to 64 of
// [A-Za-z0-9_-] (one subject token). Nodes connect with NoEcho. A node
// reads its two presence subjects through one channel and one
// goroutine, so what another node published on either is applied in the
// order it was published (NATS keeps one publisher's order to one
// subscriber; nats.go would hand two subscriptions to two goroutines).
//
// # Messages
//
// Binary, each one NATS message:
//
//	header    version (1) | kind (1) | len(node) (1) | node | incarnation (uvarint)
//	frames    header | { to (32: raw peer id) | len (uvarint) | frame } ...
//	hello     header [| flags (1)]                    a node (re)connected: everyone sends it a snapshot
//	snapshot  header | gen (uvarint) | last (1) | entry ...  a node's whole list, in chunks of one gen
//	delta     header | entry ...                      peers that came or went, in order
//	beat      header | count (uvarint) | hash (8, LE) every Options.Heartbeat (2 s)
//	bye       header                                  the node leaves: its peers are gone
//	want      header | len (1) | node                 asks that node for a snapshot
//	entry     1 | peer (32) | stamp (uvarint)         online, with the connection's stamp
//	          0 | peer (32)                           offline
//
// hello's flags: bit 0, answer on the sender's presence subject (older
// nodes send no flags and are answered on the shared subject). A node
// that (re)connects publishes its own snapshot on the shared subject
// (every node needs it) and each other node answers its hello with a
// snapshot on <prefix>.presence.<its id>; a want goes to the asked
// node's presence subject and is answered on the asker's.
//
// The incarnation is random per process start: a node id heard with a
// new incarnation voids what the old one announced. hash is the XOR of
// the first 8 bytes (LE) of each peer id the node holds; a receiver
// whose view of that node disagrees with a beat's count or hash sends
// want, and the node answers with a snapshot. A frame is a complete
// envelope as the addressee receives it, "from" already stamped by the
// node that authenticated the sender; the receiving node writes it as
// it is.
//
// # Behaviour
//
//   - Routing: a node that does not hold the addressee looks it up in its
//     directory. Nowhere: unavailable at once, as on one node. Else the
//     frame goes to the newest connection's node, coalesced with other
//     frames for that node into one NATS message (a flusher goroutine
//     publishes whatever gathered while it was busy). At most once: no
//     retries, so never twice; a frame whose addressee left meanwhile is
//     dropped (counted in peerline_cluster_undelivered_total).
//   - Presence: a peer is online while it is connected on any node; the
//     hub hears the union (hub.SetElsewhere) and tells watchers of each
//     change once.
//   - Same peer on two nodes: each connection is stamped when its node
//     announces it, later than any stamp that node knows for the peer
//     (so the connection made last wins even with skewed clocks). The
//     larger stamp wins, then the larger node id; the node holding the
//     loser closes it with error replaced and close code 1000, as one
//     node does for a second connection.
//   - Leases: a node not heard from for Options.Lease (7 s) is dropped
//     with its peers, so a node killed with SIGKILL has its peers
//     offline within Lease + Heartbeat (9 s).
//   - NATS outages: while disconnected, Ready fails (/healthz 503) and
//     sends to peers elsewhere get unavailable; the others' leases run
//     out here and this node's there. On reconnect the node sends hello
//     and its snapshot; every node answers with its own, to
//     that node's presence subject, and the directories agree again.
//
// NATS is trusted: whoever may publish on these subjects can deliver any
// frame under any sender. Give the nodes their own NATS account or
// credentials limited to <prefix>.> (docs/security.md).
package cluster
