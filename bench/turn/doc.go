//go:build linux

// Command turn is the relay benchmark: it measures peerline-signal's
// embedded TURN server and coturn under the same relayed load, side by
// side, in the same run, on loopback only.
//
//	go run ./bench/turn [-pairs 20] [-rate 2] [-size 1200] [-duration 10s]
//	                    [-runs 3] [-servers embedded,coturn] [-signal BIN]
//	                    [-signal-b BIN[,BIN...]]
//
// Each server runs as its own child process on a free 127.0.0.1 port with
// the same shared secret (coturn's use-auth-secret, the REST-API
// credentials peerline-signal hands out). For each run and server (the
// order alternates between runs) -pairs TURN clients each allocate a UDP
// relay (the real pion/turn client) and stream -size byte packets at -rate
// Mbit/s to a plain UDP peer on loopback, which echoes every packet back
// through the relay: a relayed call's two directions. It reports the
// relayed throughput (bytes the peers received plus bytes the clients got
// back, per second), the loss, and the server's CPU (utime+stime of its
// process from /proc/PID/stat over the measured window), as cores and as
// CPU milliseconds per second per relayed Mbit/s. The verdict is the
// median over runs of embedded ÷ coturn CPU per relayed Mbit/s (goal:
// ≤ 1.5x, issue 12).
//
// A run at -rate 0 offers as much as the clients can send (saturation):
// its throughput is the most each server relays on this machine with the
// load generator sharing its cores.
//
// Each packet carries the sender's clock in its first 8 bytes, so the
// client also reports the round trip client → relay → peer → relay →
// client (p50 and p99 over the measured window): what batching in the
// relay adds to a packet's latency shows there.
//
// -signal-b BIN,... measures more peerline-signal builds (or wrapper
// scripts that exec one with other settings) as "embedded-b",
// "embedded-c", … in the same runs, in the same alternating order, and
// prints the median of the per-run ratios to "embedded": an A/B of builds
// that the machine's drift between invocations does not blur.
//
// coturn is /usr/sbin/turnserver or /usr/bin/turnserver (Debian's coturn
// package); -servers embedded measures peerline-signal alone.
package main
