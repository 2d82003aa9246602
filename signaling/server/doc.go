// Package server is the WebSocket end of the signaling protocol: it
// upgrades HTTP requests, runs the auth handshake, enforces limits, and
// hands authenticated connections to a hub.Hub. peerline-signal serves it
// on the internet; the desktop app serves it on the LAN with its own
// identity (Config.Identity) so callers can check whom they reached.
//
// It owns each connection from the upgrade to the close: the handshake,
// read deadlines and pings, the rate and size limits, batched writes,
// error replies and close codes, and the metrics. It does not route or
// track presence (package hub does), passes routed messages' bodies on
// unread, and keeps nothing beyond its live connections: no disk, no
// contacts, no trust decisions.
//
// Files: server.go is the HTTP side (Server, upgrade, origin, per-IP
// limits, shutdown); conn.go one connection and its lifecycle;
// conn_handshake.go its handshake and liveness; conn_read.go its read
// loop, limits and relaying; conn_write.go its write queue and batching;
// batchconn.go the net.Conn wrapper that batches and buffers reads and
// writes; config.go, metrics.go and turn.go what their names say.
package server
