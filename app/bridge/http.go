package bridge

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gorilla/websocket"
)

// Names on the wire of the bridge's credentials (see the package doc).
const (
	// Subprotocol is the WebSocket subprotocol of /api, selected whenever a
	// client offers it. A browser offering subprotocols must get one back.
	Subprotocol = "peerline.v1"
	// TokenProtocolPrefix, followed by the token, is the second subprotocol
	// a browser offers on /api: the one place a page can put a credential
	// on a WebSocket handshake (it can set no headers there). The token is
	// base64url, which a subprotocol name may hold.
	TokenProtocolPrefix = "peerline.token."
	// sessionPath trades a launch ticket for the token.
	sessionPath = "/api/session"
)

// ServeHTTP checks every request in this order, then routes it:
//
//  1. Host must be this bridge's 127.0.0.1:PORT or localhost:PORT, else 403
//     (DNS rebinding).
//  2. An Origin header, when present, must be this bridge's own origin,
//     else 403 (cross-site requests, WebSocket hijacking).
//  3. Only GET and HEAD, and POST to /api/session, else 405 (a
//     Config.Handlers path takes any method: it checks its own).
//  4. Outside /api: the frontend, with no credential (it is public).
//  5. POST /api/session: a launch ticket (Authorization: Ticket T), traded
//     for the token, else 401.
//  6. Other /api paths: the token (Authorization: Bearer T, or on the
//     WebSocket handshake the subprotocol peerline.token.T), else 401.
func (b *Bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", b.csp)

	if !b.hosts[strings.ToLower(r.Host)] {
		b.refuse(w, r, http.StatusForbidden, "forbidden: this server only answers to its own address (Host header "+quote(r.Host)+" refused)")
		return
	}
	if o := r.Header.Get("Origin"); o != "" && !b.origins[o] {
		b.refuse(w, r, http.StatusForbidden, "forbidden: requests from other origins are refused (Origin "+quote(o)+")")
		return
	}
	session := r.URL.Path == sessionPath
	handler := b.handlerFor(r.URL.Path)
	switch {
	case handler != nil:
		// It checks its own methods.
	case session && r.Method == http.MethodPost:
	case !session && (r.Method == http.MethodGet || r.Method == http.MethodHead):
	default:
		if session {
			h.Set("Allow", "POST")
		} else {
			h.Set("Allow", "GET, HEAD")
		}
		b.refuse(w, r, http.StatusMethodNotAllowed, "method not allowed: only GET and HEAD (POST for "+sessionPath+")")
		return
	}
	if !isAPI(r.URL.Path) {
		b.serveAsset(w, r)
		return
	}
	if session {
		b.serveSession(w, r)
		return
	}
	switch t, ok := credential(r); {
	case !ok:
		b.refuse(w, r, http.StatusUnauthorized, "unauthorized: no token (open the link the app gives you)")
		return
	case !b.tokenOK(t):
		b.refuse(w, r, http.StatusUnauthorized, "unauthorized: wrong token (each app launch has a new one; open the link the app gives you now)")
		return
	}

	if handler != nil {
		handler.ServeHTTP(w, r)
		return
	}
	switch r.URL.Path {
	case "/api":
		b.serveWebSocket(w, r)
	case "/api/info":
		b.serveInfo(w)
	default:
		http.Error(w, "not found", http.StatusNotFound)
	}
}

// handlerFor is the Config.Handlers entry whose prefix p starts with, or nil.
func (b *Bridge) handlerFor(p string) http.Handler {
	for prefix, h := range b.cfg.Handlers {
		if strings.HasPrefix(p, prefix) && len(p) > len(prefix) {
			return h
		}
	}
	return nil
}

// isAPI reports whether a path is under /api, which the frontend can't use.
func isAPI(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// credential is the token r presents: the Authorization header's Bearer
// value, else (browsers can't set headers on a WebSocket) a subprotocol
// TokenProtocolPrefix+token. ok is false when r presents none.
func credential(r *http.Request) (token string, ok bool) {
	if t, ok := authorization(r, "Bearer"); ok {
		return t, true
	}
	for _, p := range websocket.Subprotocols(r) {
		if t, ok := strings.CutPrefix(p, TokenProtocolPrefix); ok {
			return t, true
		}
	}
	return "", false
}

// authorization is the value of r's Authorization header for scheme
// (compared without case, as RFC 9110 says).
func authorization(r *http.Request, scheme string) (string, bool) {
	s, v, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(s, scheme) {
		return "", false
	}
	v = strings.TrimSpace(v)
	return v, v != ""
}

// tokenOK compares in constant time; hashing first makes the lengths equal.
func (b *Bridge) tokenOK(t string) bool {
	h := sha256.Sum256([]byte(t))
	return subtle.ConstantTimeCompare(h[:], b.tokenHash[:]) == 1
}

// session is the /api/session answer.
type session struct {
	Token string `json:"token"`
}

// serveSession trades a launch ticket for the token: the call window's
// page redeems the ticket its launch page handed it in the URL fragment.
func (b *Bridge) serveSession(w http.ResponseWriter, r *http.Request) {
	t, ok := authorization(r, "Ticket")
	if !ok || !b.launches.redeem(t) {
		b.refuse(w, r, http.StatusUnauthorized, "unauthorized: this call window's link has expired or was used already (open the call from the Peerline window again)")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(session{Token: b.token})
}

// info is the /api/info answer.
type info struct {
	Bridge          bool   `json:"bridge"`
	Protocol        int    `json:"protocol"`
	Version         string `json:"version"`
	MaxMessageBytes int64  `json:"maxMessageBytes"`
}

func (b *Bridge) serveInfo(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(info{
		Bridge:          true,
		Protocol:        ProtocolVersion,
		Version:         b.cfg.Version,
		MaxMessageBytes: b.cfg.MaxMessageBytes,
	})
}

// serveAsset serves the frontend. HTML and everything outside /assets/ is
// revalidated on every load; Vite's content-hashed /assets/ are immutable.
func (b *Bridge) serveAsset(w http.ResponseWriter, r *http.Request) {
	if b.cfg.Assets == nil {
		http.Error(w, "not found: this bridge serves no frontend", http.StatusNotFound)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/assets/") {
		w.Header().Set("Cache-Control", "private, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	http.FileServerFS(noListing{b.cfg.Assets}).ServeHTTP(w, r)
}

// refuse answers a refused request in plain text and logs why, with the
// path only: the query may hold a token.
func (b *Bridge) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	b.log.Warn("bridge: refused request", "status", status, "path", r.URL.Path, "remote", r.RemoteAddr, "why", msg)
	http.Error(w, msg, status)
}

// quote quotes an attacker-chosen header for a message, cut to 100 bytes.
func quote(s string) string {
	if len(s) > 100 {
		s = s[:100] + "…"
	}
	return `"` + strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return '?'
		}
		return r
	}, s) + `"`
}

// noListing hides directories without an index.html, so the file server
// never lists one.
type noListing struct{ fsys fs.FS }

func (n noListing) Open(name string) (fs.File, error) {
	f, err := n.fsys.Open(name)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if st.IsDir() {
		idx, err := n.fsys.Open(path.Join(name, "index.html"))
		if err != nil {
			f.Close()
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fs.ErrNotExist
			}
			return nil, err
		}
		idx.Close()
	}
	return f, nil
}
