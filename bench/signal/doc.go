//go:build linux

// Command signal is the signaling-server load benchmark: it measures
// peerline-signal and the PeerJS server (npm package "peer") under the same
// load, side by side, in the same run, on loopback only.
//
//	go run ./bench/signal [-pairs 50] [-msgs 200000] [-size 1024] [-window 32]
//	                      [-idle 2000] [-runs 3] [-starts 5] [-servers peerline,peerjs]
//
// Each server runs as its own child process on a free 127.0.0.1 port. Every
// run measures, for each server in turn (the order alternates between
// runs):
//
//   - Throughput. -pairs pairs of authenticated clients (Peerline: the real
//     signaling.Dial with an Ed25519 identity each; PeerJS: its WebSocket
//     protocol, /peerjs?key=peerjs&id=ID&token=TOKEN and the OPEN reply).
//     In each pair one side streams -size byte messages to the other with
//     at most -window in flight, and the other side echoes each one back,
//     so every message crosses the server once. -msgs is the number of
//     relayed messages per run over all pairs, after a warm-up of a tenth
//     of that. It reports relayed messages per wall second, per second of
//     server CPU (utime+stime of the server process from /proc/PID/stat),
//     and the p50/p99 relay latency (sender's clock in the payload to
//     receipt).
//   - Idle memory. A fresh server, -idle authenticated clients that then
//     stay silent, and the growth of the server's VmRSS
//     (/proc/PID/status) divided by -idle.
//   - Startup. Time from exec of the server to the first successful
//     WebSocket upgrade, dialed every millisecond (for Peerline the full
//     auth handshake, for PeerJS the OPEN reply). Every server start in a
//     run counts, topped up to -starts starts.
//
// It prints one line per server per run, then the medians over runs, the
// Peerline/PeerJS ratios (median of the per-run ratios, which cancels most
// of a noisy machine's drift) and whether each target of
// docs/performance.md is met.
//
// Limits are opened up on both servers so that neither drops messages:
// Peerline gets a rate limit far above the load and no per-IP connection
// cap; PeerJS gets a concurrent_limit of a million (its default is 5000)
// and already has neither a rate nor a practical size limit. See
// peerjs/server.js.
//
// With -attack it measures peerline-signal alone, with its default limits,
// under the attacks of issue 11, each on a fresh server for
// -attack-phase while -attack-pairs honest pairs send each other
// -attack-honest-rate messages a second (latency p50/p99 against a
// baseline phase without attackers):
//
//   - slow-readers: -attackers senders, each feeding a receiver that never
//     reads (4 KiB receive buffer) with ~64 KiB frames at the full allowed
//     rate (burst 200, then 50 a second); a receiver the server cuts is
//     replaced by a fresh one at once.
//   - subscribe-512 and subscribe-15: -attackers clients sending
//     subscribes of 512 (or 15) ids, two sets alternating, paced to exactly
//     the tokens the server charges (1 + 1 per KiB of body).
//   - idle-unauth: -attack-idle WebSocket connections that read their
//     challenge and never authenticate, opened within the 10 s auth
//     timeout from distinct loopback source addresses (127.15.x.y, 50 per
//     address, under the 64 per IP limit: Linux answers all of 127/8 on
//     lo), and how many the server holds at once.
//
// Attackers run in a child process of their own (-attack-worker), so their
// client-side CPU does not slow the honest clients; attacker connections
// come from 127.10.0.0/16 and up. It reports the server's RSS growth (peak
// during the phase), its CPU per attacker frame and per rate-limit token
// over the baseline's, relative to an honest message's, and the honest
// latency. make bench-signal-attack runs it.
//
// It measures only: it changes neither server, talks to them only as
// their clients do (and reads /proc for the server processes' CPU and
// memory), and never leaves loopback.
package main
