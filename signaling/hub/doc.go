// Package hub routes signaling messages between authenticated connections
// by peer id and fans out presence. It knows nothing of WebSockets: the
// server (and the desktop app's LAN hub) hand it Conns.
//
// It owns the table of connected peers (one Conn per peer id; a second
// one replaces the first) and who watches whose presence. It does no I/O
// of its own and no authentication: a Conn arrives already authenticated,
// and writing frames, timeouts and close codes are the Conn's business
// (package server). It never reads a routed message's body.
package hub
