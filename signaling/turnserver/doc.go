// Package turnserver is peerline-signal's embedded TURN relay (RFC 8656),
// built on pion/turn: UDP and TCP on one address, TLS on its own, with
// coturn REST-API credentials ("expiry:user", base64 HMAC-SHA1 of the
// shared secret) so the credentials package server already hands out work
// here and at an external coturn alike.
//
// It owns what a public relay must refuse: expired or forged credentials,
// allocations over the per-user and total quotas, relayed traffic over the
// per-allocation bandwidth, and peers in private, loopback, link-local,
// multicast, unspecified and CGNAT ranges (unless allowed) — except the
// relay's own addresses, so two clients relayed by this server reach each
// other. It counts allocations, relayed bytes and auth failures on the
// Prometheus registry it is given.
//
// Files: server.go is Server (listeners, auth, lifecycle); config.go
// Config and its defaults; relay.go the relay sockets (port range, quotas,
// bandwidth, per-packet peer check); peerfilter.go the peer-address rule;
// metrics.go the series; pionlog.go pion's logging on slog;
// reuseport_*.go the SO_REUSEPORT socket option.
package turnserver
