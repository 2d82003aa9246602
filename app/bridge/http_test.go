package bridge

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
)

func TestHTTPAccess(t *testing.T) {
	h := start(t, Config{Version: "1.2.3"})
	withCookie := func(more ...string) http.Header {
		hd := http.Header{"Cookie": {h.cookie()}}
		for i := 0; i+1 < len(more); i += 2 {
			hd.Set(more[i], more[i+1])
		}
		return hd
	}
	cases := []struct {
		name       string
		path       string
		header     http.Header
		wantStatus int
		wantBody   string // substring
	}{
		{"no token", "/", nil, 401, "no token"},
		{"no token on an asset", "/assets/app-123.js", nil, 401, "no token"},
		{"no token on info", "/api/info", nil, 401, "no token"},
		{"wrong token", "/?token=nope", nil, 401, "wrong token"},
		{"wrong cookie", "/", http.Header{"Cookie": {"peerline_token_1=" + h.token, strings.Split(h.cookie(), "=")[0] + "=nope"}}, 401, "no token"},
		{"cookie", "/", withCookie(), 200, "<title>Peerline</title>"},
		{"asset with cookie", "/assets/app-123.js", withCookie(), 200, "console.log"},
		{"token in query on info", "/api/info?token=" + h.token, nil, 200, `"bridge":true`},
		{"info", "/api/info", withCookie(), 200, `"version":"1.2.3"`},
		{"unknown api path", "/api/nope", withCookie(), 404, "not found"},
		{"no directory listing", "/empty/", withCookie(), 404, "not found"},
		{"missing file", "/nope.js", withCookie(), 404, "not found"},
		{"api without upgrade", "/api", withCookie("Origin", h.base), 400, "WebSocket endpoint"},
		{"foreign Host", "/", withCookie("Host", "evil.example"), 403, "Host header"},
		{"foreign Host with its port", "/", withCookie("Host", "evil.example:"+strings.Split(h.host, ":")[1]), 403, "Host header"},
		{"foreign Host even with the token", "/?token=" + h.token, http.Header{"Host": {"evil.example"}}, 403, "Host header"},
		{"localhost Host", "/", withCookie("Host", "localhost:"+strings.Split(h.host, ":")[1]), 200, "Peerline"},
		{"foreign Origin", "/", withCookie("Origin", "http://evil.example"), 403, "other origins"},
		{"null Origin", "/api/info", withCookie("Origin", "null"), 403, "other origins"},
		{"own Origin", "/api/info", withCookie("Origin", h.base), 200, "bridge"},
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
			if resp.StatusCode == 401 && strings.Contains(resp.Header.Get("Set-Cookie"), h.token) {
				t.Errorf("refusal set the token cookie")
			}
		})
	}
}

func TestHTTPMethods(t *testing.T) {
	h := start(t, Config{})
	req, _ := http.NewRequest(http.MethodPost, h.base+"/api/info", strings.NewReader("{}"))
	req.Header.Set("Cookie", h.cookie())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST = %d, Allow %q; want 405, GET, HEAD", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestTokenRedirectSetsCookie(t *testing.T) {
	h := start(t, Config{})
	cases := []struct {
		name, path, wantLocation string
	}{
		{"root", "/?token=" + h.token, "/"},
		{"other params kept", "/?call=abc&token=" + h.token + "&x=1", "/?call=abc&x=1"},
		{"deeper path", "/assets/app-123.js?token=" + h.token, "/assets/app-123.js"},
		{"no open redirect", "//evil.example/?token=" + h.token, "/evil.example"},
		{"no open redirect with backslash", "/\\evil.example?token=" + h.token, "/evil.example"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := h.get(t, c.path, nil)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("status %d, want 303", resp.StatusCode)
			}
			if loc := resp.Header.Get("Location"); loc != c.wantLocation {
				t.Errorf("Location %q, want %q", loc, c.wantLocation)
			}
			cookies := resp.Cookies()
			if len(cookies) != 1 {
				t.Fatalf("cookies %v, want one", cookies)
			}
			ck := cookies[0]
			if ck.Value != h.token || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.MaxAge != 0 || !ck.Expires.IsZero() {
				t.Errorf("cookie %+v: want the token, HttpOnly, SameSite=Strict, Path=/, session", ck)
			}
		})
	}

	// A browser: first load with the token, then everything by cookie.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(h.url)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Peerline") {
		t.Fatalf("browser load = %d %q", resp.StatusCode, body)
	}
	if strings.Contains(resp.Request.URL.String(), "token") {
		t.Errorf("browser ended on %s, still carrying the token", resp.Request.URL)
	}
	resp, err = browser.Get(h.base + "/assets/app-123.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("asset by cookie = %d", resp.StatusCode)
	}
}

func TestSecurityHeaders(t *testing.T) {
	h := start(t, Config{})
	resp := h.get(t, "/", http.Header{"Cookie": {h.cookie()}})
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
	asset := h.get(t, "/assets/app-123.js", http.Header{"Cookie": {h.cookie()}})
	if got := asset.Header.Get("Cache-Control"); !strings.Contains(got, "immutable") {
		t.Errorf("hashed asset Cache-Control = %q", got)
	}
}

func TestInfo(t *testing.T) {
	h := start(t, Config{MaxMessageBytes: 4096})
	resp := h.get(t, "/api/info", http.Header{"Cookie": {h.cookie()}})
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
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || !strings.Contains(string(body), "no frontend") {
		t.Errorf("GET / = %d %q, want 404 no frontend", resp.StatusCode, body)
	}
}
