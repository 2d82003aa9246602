//go:build linux

// Command cluster benchmarks peerline-signal as a cluster over NATS
// (issue 14) against one node without NATS, in the same run, with every
// server a separate process on loopback:
//
//	go run ./bench/cluster [-pairs 20] [-msgs 200000] [-size 1024] [-window 32]
//	                       [-idle 2000] [-watchers 100] [-flappers 100] [-cycles 5] [-runs 5]
//	                       [-systems local,cluster] [-thin] [-server-env GOGC=400] [-peerline-bin FILE]
//	                       [-base-bin FILE] [-base-env GOMAXPROCS=1]
//
// It builds peerline-signal (./signaling/cmd/peerline-signal) and
// nats-server (github.com/nats-io/nats-server/v2, from the module cache:
// nothing is downloaded) into a temporary directory. The two systems:
//
//   - local: one peerline-signal, no --nats.
//   - cluster: one nats-server and three peerline-signal --nats nodes
//     (n1, n2, n3).
//
// Every run measures both, one after the other, the order alternating
// between runs so a shared machine's drift hits both:
//
//   - Relay. -pairs pairs of clients (the real signaling.Dial, an Ed25519
//     identity each). In each pair one side streams -size byte candidate
//     messages to the other with at most -window in flight and the other
//     echoes each back, so every message crosses the system once (as
//     bench/signal does). cluster: the streaming side of every pair is on
//     n1, the echoing side on n3, so every message crosses NATS (n1 → n3,
//     and the echo n3 → n1). The figure is relayed messages per CPU-second
//     of ALL the system's processes (utime+stime from /proc/PID/stat of
//     every peerline-signal and of nats-server), and its ratio cluster /
//     local per run; the target is CPU per message at most 2x one node's,
//     that is a ratio of msgs/CPU-s of at least 0.5.
//     With -thin the relay is one way with thin clients instead: after the
//     real handshake, prebuilt frames are written raw in bulk and received
//     frames are counted undecoded (as BenchmarkRelay does), so the load
//     generator takes less of the machine and the servers see more
//     messages per wake-up; it reports no latency.
//   - Idle memory. A fresh system, -idle authenticated silent clients on
//     one node (cluster: on n1), and the growth of that node's VmRSS per
//     connection; for cluster also the growth of n2's and n3's VmRSS per
//     peer they learnt of (the presence directory's cost of a remote
//     peer) and of nats-server's.
//   - Presence fan-out (-watchers > 0). A fresh system; -watchers clients
//     each watch the same -flappers peers (cluster: watchers split between
//     n1 and n2), then for -cycles cycles the -flappers peers connect
//     (cluster: on n3), every watcher sees every one online, they
//     disconnect, every watcher sees every one offline. It reports the
//     presence messages delivered to watchers per wall second and per
//     CPU-second of all processes; the connections' own cost (a
//     WebSocket upgrade and the Ed25519 handshake per flap) is part of
//     it, as it is of every real presence change.
//
// -systems measures one system alone (to profile it); -server-env adds
// environment to every server process (GOGC, GOMAXPROCS experiments).
// -base-bin FILE and -base-env add a third system, "base": the cluster
// on that build or with that environment (or both), measured in every
// run next to this build's cluster, the order alternating, with the
// per-run ratios cluster / base (A/B in one invocation).
//
// The idle phase also measures a join (cluster only): a fourth node
// starts while n1 holds the idle clients, and the bytes and messages
// nats-server delivers (its /varz) until the newcomer knows every node
// and peer: the cost of the snapshots a hello brings.
//
// It prints one line per system per run, then the medians and the median
// of the per-run ratios. It only measures: it talks to the servers as
// their clients do, reads /proc and /metrics, and never leaves loopback.
// make bench-cluster runs it.
package main
