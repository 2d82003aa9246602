// Package signaling is Peerline's signaling protocol: the wire format, the
// key-based handshake and a reconnecting Go client. Package identity holds
// keys and peer ids, hub routes messages and fans out presence, server is
// the WebSocket end, cluster makes servers one service over NATS, and
// signalingtest (clustertest) runs servers (clusters) in tests. This comment
// is the protocol in brief; docs/protocol.md is the full reference.
//
// It owns the protocol and its client end: envelopes and bodies with their
// limits, the signed byte strings, error codes, server URLs (ServerURL,
// one parser and one canonical form) and Dial/Client. It knows nothing of
// the desktop app — no calls' state, contacts, storage or UI — and
// imports nothing from app/. It checks signatures against the keys its
// caller passes in; which key to trust, and whether to ring, is the app's
// decision.
//
// # Wire format
//
// A client opens one WebSocket to Path (/v1/signal), over HTTP/1.1 only
// (browsers that negotiated HTTP/2 send RFC 8441 extended CONNECT, which
// the server does not speak), and exchanges text frames, each one JSON
// object, the envelope:
//
//	{
//	  "v":    1,            // required: Version
//	  "type": "invite",     // required: a Type's wire name
//	  "id":   "m-17",       // optional: ≤ 64 of [A-Za-z0-9._:-]; errors echo a valid one as "ref"
//	  "from": "OMFF5XB-…",  // the sender's peer id; the server sets it on routed types
//	  "to":   "GNG3URR-…",  // the addressee's peer id; required on routed types
//	  "call": "c-1",        // the call id, same rule as "id"; required on routed types
//	  "body": {…}           // optional: a JSON object, per type
//	}
//
// A frame holds at most max_message_bytes (64 KiB by default, announced in
// welcome); its first byte other than space, tab, CR or LF must be '{'.
// In bodies, byte strings are standard base64, times Unix milliseconds,
// peer ids the canonical text of identity.PeerID. Unknown fields are
// ignored.
//
// # Messages
//
//	handshake     challenge           server → client  nonce, audience, listener's id
//	              auth                client → server  signed answer
//	              welcome             server → client  peer, ICE servers, limits, listener proof
//	presence      subscribe           client → server  replaces the set of watched peers (≤ 512)
//	              presence_list       server → client  the answer to subscribe: online and offline peers
//	              presence            server → client  a watched peer's change
//	call control  invite              peer → peer      signed offer and its time, media, key, name
//	              ringing             callee → caller
//	              accept              callee → caller  signed answer and its time, media, key
//	              reject              callee → caller  reason, detail (do_not_disturb; unknown details read as none)
//	              cancel              caller → callee  before an answer
//	              hangup              peer → peer      ends an established call
//	trickle       candidate           peer → peer      one ICE candidate
//	              end_of_candidates   peer → peer
//	renegotiation renegotiate         peer → peer      signed offer or answer and its time, in a call
//	liveness      ping, pong          client → server, server → client
//	error         error               server → client  code, message, ref, retry_ms
//
// A call always carries audio: media is ["audio"] or ["audio","video"].
//
// The peer → peer ("routed") types need "to" and "call". The server checks
// their envelope, sets "from" to the authenticated sender (a different
// "from" is forbidden) and forwards them without reading the body;
// receivers validate bodies with Envelope.DecodeBody. An addressee with no
// connection, or one too far behind, makes the error unavailable. A second
// connection of the same peer replaces the first, which gets replaced;
// the server ignores whatever a replaced or failing connection sends
// afterwards.
//
// A personal hub (server.Config.Personal: the desktop app's LAN hub, named
// by its owner's peer id) carries messages to and from its owner only: a
// routed message for anyone else, and subscribe, are forbidden.
//
// subscribe replaces the set of peers a client watches (at most 512, or
// too_many_peers); it costs a rate-limit token per KiB of ids beyond the
// frame's own. The server answers with one presence_list, then sends one
// presence per change. A replaced connection does not make its peer go
// offline. Presence is a hint, never proof of identity; the Go Client
// reports it (EventPresence) for watched peers only.
//
// The Go Client reconnects: after a shutting_down error it waits retry_ms;
// otherwise it waits a jittered delay that doubles while dials keep
// failing, and a connection that dies within 10 s counts as a failure too.
// It sends its subscribe again on every connect. After a replaced error it
// stops (another instance has the identity) and Run returns an error
// matching ErrReplaced. It skips server frames of an unknown type or
// version, and refuses frames over 64 KiB + 1 KiB (or the welcome's limit
// + 1 KiB).
//
// # Handshake
//
//  1. After the upgrade the server sends challenge: a 32-byte nonce, its
//     audience (its public URL, or a LAN hub's own peer id) and, if it has
//     an identity, its peer id.
//  2. The client checks the audience: the URL it dialed (SameEndpoint), or
//     the peer id it means to reach on the LAN (DialConfig.ExpectPeer). It
//     sends auth: peer id, Ed25519 public key, time, the echoed nonce and
//     audience, sig over AuthMessage, optionally an access token and a
//     nonce of its own ("challenge").
//  3. The server checks the token, nonce, audience, time (±MaxClockSkew),
//     that the peer id is the key's, and the signature. Any other first
//     message is auth_required; a failed check, or no auth within the auth
//     timeout (10 s), is auth_failed. Both close the connection.
//  4. The server sends welcome: the peer id, ICE servers (STUN, and TURN
//     with coturn REST-API credentials), limits and, if the client sent a
//     challenge and the server has an identity, a listener proof signed
//     over ListenerMessage. A client dialing a LAN peer requires the proof
//     (both sides have now shown their keys).
//
// Signed byte strings are a domain string followed by length-prefixed
// fields (4-byte big-endian length, then the bytes): see AuthMessage,
// ListenerMessage and DescriptionMessage. invite, accept and renegotiate
// sign their SDP with DescriptionMessage, which binds it to the kind, the
// call, the sender, the addressee and the signing time (the body's "time",
// decimal Unix ms in the signed string). Receivers refuse a description
// signed more than MaxClockSkew from their clock, and an invite whose call
// id they have already seen (a replay). The SDP carries the DTLS
// fingerprint, so a relay cannot put itself into the media path.
//
// # Errors
//
// An error message carries a Code; the codes marked with a close code end
// the connection: the server sends the error, then a WebSocket close frame
// with that code and the error's wire name as the reason.
//
//	bad_json       not a JSON object, or an envelope field of the wrong JSON type
//	bad_version    "v" missing or not 1
//	unknown_type   "type" not known
//	bad_message    a field missing, malformed or too long (an invalid "id" is not echoed)
//	too_large      frame over max_message_bytes              close 1009
//	binary_frame   a binary frame, which is dropped
//	auth_required  the first frame is not an auth             close 1008
//	auth_failed    the handshake failed                       close 1008
//	forbidden      a type clients may not send, a forged "from", or a personal hub's rule
//	unavailable    the addressee is not connected or not reading
//	rate_limited   a frame was dropped; on a flood            close 1008
//	replaced       the same peer connected again              close 1000
//	slow_consumer  never sent: the server cuts the TCP connection without a close frame (1006)
//	shutting_down  reconnect after retry_ms                   close 1012
//	internal       a server fault (reserved)                  close 1011
//
// # Limits
//
// Defaults of package server, per connection: 64 KiB frames; 50 messages
// per second with a burst of 200, charged for every frame after the
// welcome (binary ones too) before anything else is done with it (more are
// dropped unread, and a client more than 4×burst dropped frames ahead of
// its accepted ones is disconnected); 256 KiB (4 × the frame size) of
// queued outgoing frames (a client that falls further behind is cut off); a
// WebSocket ping every 25 s (PingInterval must be under 45 s) and a
// disconnect after three intervals without a pong; 64 connections per IP
// (more get HTTP 429; behind a trusted proxy the IP is the rightmost
// X-Forwarded-For entry). By the protocol: ids and call ids 64 characters,
// subscribe 512 peers, display names 128 bytes, nonces 32 bytes, clock
// skew 2 minutes, audience and token 512 bytes.
//
// # Version history
//
//	1  2026-11  first version
package signaling
