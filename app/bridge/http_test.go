package bridge

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestHTTPAccess(t *testing.T) {
	h := start(t, Config{Version: "1.2.3"})
	port := strings.Split(h.host, ":")[1]
	with := func(more ...string) http.Header {
		hd := http.Header{}
		for i := 0; i+1 < len(more); i += 2 {
			hd.Set(more[i], more[i+1])
		}
		return hd
	}
	bearer := with("Authorization", h.bearer())
	cases := []struct {
		name       string
		path       string
		header     http.Header
		wantStatus int
		wantBody   string // substring
	}{
		// The frontend is public: it holds no secret, and the page must load
		// before it can present the token it was given.
		{"page without token", "/", nil, 200, "<title>Peerline</title>"},
		{"asset without token", "/assets/app-123.js", nil, 200, "console.log"},
		{"page with a stale query token", "/?token=nope", nil, 200, "<title>Peerline</title>"},
		{"no token on info", "/api/info", nil, 401, "no token"},
		{"query token is no login", "/api/info?token=" + h.token, nil, 401, "no token"},
		{"cookie is no login", "/api/info", with("Cookie", "peerline_token_"+port+"="+h.token), 401, "no token"},
		{"wrong token", "/api/info", with("Authorization", "Bearer nope"), 401, "wrong token"},
		{"token as subprotocol outside a handshake", "/api/info", with("Sec-WebSocket-Protocol", h.protocols()), 200, `"bridge":true`},
		{"info", "/api/info", bearer, 200, `"version":"1.2.3"`},
		{"unknown api path", "/api/nope", bearer, 404, "not found"},
		{"unknown api path needs the token", "/api/nope", nil, 401, "no token"},
		{"no directory listing", "/empty/", nil, 404, "not found"},
		{"missing file", "/nope.js", nil, 404, "not found"},
		{"api without upgrade", "/api", with("Authorization", h.bearer(), "Origin", h.base), 400, "WebSocket endpoint"},
		{"foreign Host", "/", with("Host", "evil.example"), 403, "Host header"},
		{"foreign Host with its port", "/", with("Host", "evil.example:"+port), 403, "Host header"},
		{"foreign Host even with the token", "/api/info", with("Host", "evil.example", "Authorization", h.bearer()), 403, "Host header"},
		{"localhost Host", "/", with("Host", "localhost:"+port), 200, "Peerline"},
		{"foreign Origin", "/", with("Origin", "http://evil.example"), 403, "other origins"},
		{"null Origin", "/api/info", with("Origin", "null", "Authorization", h.bearer()), 403, "other origins"},
		{"own Origin", "/api/info", with("Origin", h.base, "Authorization", h.bearer()), 200, "bridge"},
		{"GET on the session endpoint", "/api/session", nil, 405, "method not allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := h.get(t, c.path, c.header)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.wantStatus || !strings.Contains(string(body), c.wantBody) {
				t.Errorf("GET %s = %d %q, want %d containing %q", c.path, resp.StatusCode, body, c.wantStatus, c.wantBody)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q", got)
			}
			// No ambient credential: the bridge never sets a cookie.
			if sc := resp.Header.Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("response sets cookies %q", sc)
			}
			if strings.Contains(string(body), h.token) {
				t.Errorf("the body holds the token")
			}
		})
	}
}

func TestHTTPMethods(t *testing.T) {
	h := start(t, Config{})
	cases := []struct {
		method, path, allow string
	}{
		{http.MethodPost, "/api/info", "GET, HEAD"},
		{http.MethodPost, "/", "GET, HEAD"},
		{http.MethodPut, "/api/session", "POST"},
		{http.MethodOptions, "/api/session", "POST"}, // no CORS preflight: no cross-origin caller
	}
	for _, c := range cases {
		req, _ := http.NewRequest(c.method, h.base+c.path, strings.NewReader("{}"))
		req.Header.Set("Authorization", h.bearer())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s = %d, Allow %q; want 405, %s", c.method, c.path, resp.StatusCode, resp.Header.Get("Allow"), c.allow)
		}
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := start(t, Config{})
	resp := h.get(t, "/", nil)
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-cache",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, part := range []string{
		"default-src 'self'",
		"script-src 'self'",
		"connect-src 'self' ws://" + h.host,
		"media-src 'self' blob:",
		"img-src 'self' data: blob:",
		"frame-ancestors 'none'",
	} {
		if !strings.Contains(csp, part) {
			t.Errorf("CSP %q lacks %q", csp, part)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("CSP %q allows script injection", csp)
	}
	asset := h.get(t, "/assets/app-123.js", nil)
	if got := asset.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("hashed asset Cache-Control = %q", got)
	}
}

func TestInfo(t *testing.T) {
	h := start(t, Config{MaxMessageBytes: 4096})
	resp := h.get(t, "/api/info", http.Header{"Authorization": {h.bearer()}})
	var got info
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	want := info{Bridge: true, Protocol: ProtocolVersion, Version: "dev", MaxMessageBytes: 4096}
	if got != want {
		t.Errorf("info = %+v, want %+v", got, want)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestNoAssets(t *testing.T) {
	b, err := New(Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	u, err := b.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || !strings.Contains(string(body), "no frontend") {
		t.Errorf("GET / = %d %q, want 404 no frontend", resp.StatusCode, body)
	}
}
