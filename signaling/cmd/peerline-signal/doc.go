// Peerline-signal is Peerline's internet signaling server: the WebSocket
// endpoint of package signaling/server at /v1/signal, GET /healthz (200
// when ready, 503 while shutting down) and Prometheus metrics at GET
// /metrics (the server's series plus go_* and process_*).
//
// It owns the process: flags and their environment variables, secrets
// from files, TLS, logging, signals and exit codes. The protocol, the
// connections and the routing belong to packages signaling, server and
// hub; this command only configures and starts them, and keeps no state
// of its own (no database: presence lives in memory and ends with the
// process).
//
// Usage:
//
//	peerline-signal [flags]
//
// Every flag has an environment variable fallback (PEERLINE_SIGNAL_ and the
// flag's name in upper snake case); a flag on the command line wins. The
// access token and the TURN secret are read from files or the environment,
// never from the command line, and are never logged. Run with --help for
// the flags and their defaults.
//
// Once the socket is bound the server prints one line to stdout,
//
//	listening on 127.0.0.1:8443
//
// which scripts and tests read to learn the port when --listen ends in :0.
// Logs go to stderr (log/slog, text or JSON).
//
// SIGTERM or SIGINT shuts down gracefully: /healthz turns 503, every client
// gets error shutting_down with a jittered retry_ms and close 1012 (the Go
// client reconnects after retry_ms), then the HTTP server stops, all within
// --shutdown-timeout. A second signal ends the process at once.
//
// Exit status: 0 after a clean shutdown (or --help, --version), 1 when
// serving fails (for example the address is in use), 2 on a usage error.
//
// TLS: with --tls-cert and --tls-key the server speaks wss:// and https://
// on HTTP/1.1 only (WebSocket upgrades need HTTP/1.1; see tls.go). The
// files are checked for changes at most every 10 s and reloaded, so a
// renewed certificate takes effect without a restart.
package main
