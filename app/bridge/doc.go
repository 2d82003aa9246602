// Package bridge serves the Peerline frontend and the app's Go services to a
// plain browser over loopback, so the same frontend that runs in the Wails
// window runs in a browser tab: the same methods, the same events.
//
// Where the webview has no RTCPeerConnection (Debian's WebKitGTK), calls run
// in a browser window the app opens on the bridge's URL; end-to-end tests
// drive Chromium through it too.
//
// # Security
//
// The bridge exposes the whole app API, so it trusts nothing but its own
// page:
//
//   - It listens on a loopback address only (Config.Addr; anything else is
//     ErrNotLoopback), on a random port by default.
//   - Every launch makes a secret token: 32 random bytes, base64url. Start
//     returns http://127.0.0.1:PORT/#token=TOKEN: in the fragment, which a
//     browser never sends to a server. The token is compared in constant
//     time and never logged.
//   - No cookie, no ambient credential: a cookie for 127.0.0.1 would go to
//     every web server on every port of 127.0.0.1. The frontend keeps the
//     token in sessionStorage (per origin, so per port) and presents it
//     itself: on the WebSocket handshake as a second subprotocol,
//     "peerline.token.TOKEN" next to "peerline.v1" (a page can set no
//     headers there; the bridge selects peerline.v1), elsewhere as
//     Authorization: Bearer TOKEN (any client). ?token= is no login.
//   - The frontend's files (everything outside /api) are served without
//     a credential: they are public and hold no secret. Everything under
//     /api needs the token.
//   - LaunchURL hands another program (the call window's browser) a
//     file:/// URL of a launch page, never a secret: any local account can
//     read a command line. The page (mode 0600, in Config.LaunchDir, mode
//     0700) sends the browser on to /#ticket=T&FRAGMENT, a single-use
//     ticket good for TicketTTL, which the frontend trades for the token
//     at POST /api/session with Authorization: Ticket T. Any later use
//     gets 401. The page is deleted once its ticket is spent or expired,
//     at Close, and (left by a crash) at the next Start.
//   - On Linux, a connection whose other end is another account's socket
//     (its owner in /proc/net/tcp or tcp6) is closed before any HTTP: a
//     leaked token is no use to another account.
//   - Every request's Host must be 127.0.0.1:PORT or localhost:PORT (the
//     address listened on), which defeats DNS rebinding.
//   - An Origin header, on any request, must be http://127.0.0.1:PORT or
//     http://localhost:PORT. The WebSocket handshake must carry one:
//     browsers always send it, so a handshake without Origin is refused too
//     (a non-browser client sets it itself). This stops other web pages from
//     opening the socket (cross-site WebSocket hijacking).
//   - Only GET and HEAD are served, and POST at /api/session (and what
//     Config.Handlers choose, behind the token).
//   - Every response has Content-Security-Policy (scripts and styles from
//     self, inline styles allowed; images from self, data: and blob:; media
//     from self, blob: and mediastream:; connections to self and
//     ws://127.0.0.1:PORT, ws://localhost:PORT; no framing, no plugins),
//     X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer and
//     X-Frame-Options: DENY.
//
// Refusals are plain text, checked in this order: wrong Host → 403, foreign
// Origin → 403, other method → 405; under /api: no token → 401 "no token",
// wrong token → 401 "wrong token", and at /api/session a bad ticket → 401.
//
// # HTTP
//
//	GET /          the frontend (Config.Assets); index.html and other
//	               files outside /assets/ are Cache-Control: no-cache,
//	               /assets/* (content-hashed by Vite) immutable. No
//	               directory listings.
//	GET /api       the WebSocket below
//	GET /api/info  {"bridge":true,"protocol":1,"version":"…","maxMessageBytes":N}
//	               for the frontend's transport detection (needs the token)
//	POST /api/session  with Authorization: Ticket T → {"token":"…"}, once per
//	               ticket (Cache-Control: no-store)
//	/api/PREFIX/…  Config.Handlers (needs the token; the handler chooses
//	               its methods): the app mounts PUT /api/files/ID?offset=N,
//	               a received file's chunks as raw bytes (app/api FilesUpload)
//
// # WebSocket protocol, version 1
//
// The client opens ws://HOST:PORT/api (same origin as the page), offering
// the subprotocols peerline.v1 and peerline.token.TOKEN. Every frame is one JSON text message. Binary frames
// get a bad_request error.
//
// A call:
//
//	→ {"id":7,"method":"Contacts.Rename","args":["k3f…","Ada"]}
//	← {"id":7,"result":{"id":"k3f…","name":"Ada"}}
//	← {"id":7,"error":{"code":"failed","message":"store: no such contact"}}
//
// id is an integer from 0 to 2^53-1 chosen by the client and echoed in the
// response; the bridge doesn't require ids to be unique or ordered. method
// is "Service.Method". args is an array with one element per parameter (may
// be omitted or null when there are none). Unknown members are an error.
// result is the method's value as encoding/json writes it (null for methods
// that return only an error, or a nil value). Calls run concurrently:
// responses arrive in completion order, not request order.
//
// An event, pushed to every connected client unasked, with a name from
// package events:
//
//	← {"event":"call:state","data":{…}}
//
// There is no subscription: a client gets every event and ignores what it
// doesn't want. A client that reconnects has missed the events in between
// and should fetch the state it shows again.
//
// Error codes. id is null when the frame's id could not be read (for too
// large and rate-limited frames it is read only when "id" is the object's
// first member, as the clients write it). The connection stays open unless
// said otherwise.
//
//	bad_request   not a JSON object {id, method, args}; missing or bad id
//	              or method; args not an array; wrong number of arguments;
//	              an argument that doesn't decode into its parameter type
//	              (message names which); a binary frame
//	not_found     no such method
//	failed        the method returned an error; message is err.Error().
//	              A method's error can choose another code by implementing
//	              Coder (code [a-z][a-z0-9_]*, at most 64 bytes); the app's
//	              services choose theirs from package errcode, the table
//	              these codes belong to, so the Wails window sees the same.
//	internal      the method panicked (recovered and logged with its stack;
//	              the app keeps running) or its result can't be encoded
//	too_large     the frame is over Config.MaxMessageBytes (1 MiB): the
//	              bridge answers, then closes the connection with 1009
//	rate_limited  over Config.RatePerSecond sustained / Config.Burst at
//	              once (100/s, 200) on this connection; every frame counts
//	overloaded    Config.MaxInFlight (16) calls already running on this
//	              connection; the call was not started
//
// Close codes the bridge sends: 1001 the bridge is closing; 1008 the client
// isn't reading (256 frames queued for it: responses and events are never
// dropped silently, the connection is); 1009 a frame was too large; 1013
// too many connections (Config.MaxConnections, 32). The bridge pings every
// 25 s and drops a connection silent for 60 s (browsers answer pings
// themselves). Clients should reconnect after any close, with backoff, and
// treat calls without a response as failed: they may or may not have run.
//
// # Callable methods
//
// Register takes a service (normally a pointer to a struct, bound to Wails
// too) and a name (default: its type name, as Wails names it). Every
// exported method in its method set with one of these shapes becomes
// "Name.Method":
//
//	func (s *S) M(args...) error
//	func (s *S) M(args...) (T, error)
//	func (s *S) M(ctx context.Context, args...) error
//	func (s *S) M(ctx context.Context, args...) (T, error)
//
// Each argument is decoded with encoding/json into its parameter's type, as
// Wails does (so null leaves the zero value); the result is encoded with
// encoding/json. ctx is the connection's context: it is canceled when the
// WebSocket closes or the bridge closes. Other exported methods are skipped
// (logged at debug level): other result shapes (no results, like Wails'
// Startup/Shutdown hooks; a last result that isn't error; three results),
// variadic methods, and parameters encoding/json can't decode into
// (channels, funcs, complex numbers, interfaces other than any, a
// context.Context anywhere but first).
//
// Note that Wails v2 passes no context: a method bound to the window too
// must not take one, or the window's binding would expect it as a
// JavaScript argument. Methods taking ctx are for the bridge only.
//
// # Versions
//
//	1  this document. (The credential moved from a cookie and ?token= to a
//	   subprotocol and Authorization; the frames are unchanged.)
package bridge
