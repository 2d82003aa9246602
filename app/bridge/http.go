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
)

// ServeHTTP checks every request in this order, then routes it:
//
//  1. Host must be this bridge's 127.0.0.1:PORT or localhost:PORT, else 403
//     (DNS rebinding).
//  2. An Origin header, when present, must be this bridge's own origin,
//     else 403 (cross-site requests, WebSocket hijacking).
//  3. Only GET and HEAD, else 405.
//  4. The token, from ?token= or the cookie, or a launch ticket from
//     ?ticket= (page loads only), else 401.
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
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		b.refuse(w, r, http.StatusMethodNotAllowed, "method not allowed: only GET and HEAD")
		return
	}
	viaQuery := r.URL.Query().Has("token")
	if r.URL.Query().Has("ticket") && !isAPI(r.URL.Path) {
		// Redeemed even when the cookie is there already: a ticket is spent
		// by its first use, whatever that use is.
		if !b.tickets.redeem(r.URL.Query().Get("ticket")) {
			b.refuse(w, r, http.StatusUnauthorized, "unauthorized: this link has expired or was used already (open the call from the Peerline window again)")
			return
		}
		b.setCookieAndRedirect(w, r)
		return
	}
	switch ok, inQuery := b.authorized(r); {
	case !ok && viaQuery:
		b.refuse(w, r, http.StatusUnauthorized, "unauthorized: wrong token (each app launch has a new one; open the URL the app gives you now)")
		return
	case !ok:
		b.refuse(w, r, http.StatusUnauthorized, "unauthorized: no token (open the URL the app gives you; it carries ?token=)")
		return
	case inQuery && !isAPI(r.URL.Path):
		b.setCookieAndRedirect(w, r)
		return
	}

	switch r.URL.Path {
	case "/api":
		b.serveWebSocket(w, r)
	case "/api/info":
		b.serveInfo(w)
	default:
		if isAPI(r.URL.Path) {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		b.serveAsset(w, r)
	}
}

// isAPI reports whether a path is under /api, which the frontend can't use.
func isAPI(p string) bool { return p == "/api" || strings.HasPrefix(p, "/api/") }

// authorized reports whether r carries the token, and whether it came in
// the query (a query token is checked first; a wrong one falls back to the
// cookie).
func (b *Bridge) authorized(r *http.Request) (ok, inQuery bool) {
	if t := r.URL.Query().Get("token"); t != "" && b.tokenOK(t) {
		return true, true
	}
	if c, err := r.Cookie(b.cookieName); err == nil && b.tokenOK(c.Value) {
		return true, false
	}
	return false, false
}

// tokenOK compares in constant time; hashing first makes the lengths equal.
func (b *Bridge) tokenOK(t string) bool {
	h := sha256.Sum256([]byte(t))
	return subtle.ConstantTimeCompare(h[:], b.tokenHash[:]) == 1
}

// setCookieAndRedirect trades a query token for a cookie and sends the
// browser to the same URL without it, so the token stays out of history,
// the address bar and screenshots.
func (b *Bridge) setCookieAndRedirect(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     b.cookieName,
		Value:    b.token,
		Path:     "/",
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	})
	q := r.URL.Query()
	q.Del("token")
	q.Del("ticket")
	// Clean the path so "//host/x" can't become a redirect off this server.
	target := "/" + strings.TrimLeft(path.Clean("/"+r.URL.Path), "/\\")
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
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
