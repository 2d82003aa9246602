package bridge

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestHandlers(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, r.Method+" "+r.URL.Path+" "+string(b))
	})
	h := start(t, Config{Handlers: map[string]http.Handler{"/api/up/": echo}})
	cases := []struct {
		name, method, path string
		header             http.Header
		wantStatus         int
		wantBody           string
	}{
		{"PUT with the token", http.MethodPut, "/api/up/x", http.Header{"Authorization": {h.bearer()}}, 200, "PUT /api/up/x hi"},
		{"no token", http.MethodPut, "/api/up/x", nil, 401, "no token"},
		{"wrong token", http.MethodPut, "/api/up/x", http.Header{"Authorization": {"Bearer nope"}}, 401, "wrong token"},
		{"foreign Origin", http.MethodPut, "/api/up/x", http.Header{"Authorization": {h.bearer()}, "Origin": {"http://evil.example"}}, 403, "other origins"},
		{"the prefix itself is no handler path", http.MethodPut, "/api/up/", http.Header{"Authorization": {h.bearer()}}, 405, "method not allowed"},
		{"PUT elsewhere", http.MethodPut, "/api/info", http.Header{"Authorization": {h.bearer()}}, 405, "method not allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, h.base+c.path, strings.NewReader("hi"))
			for k, v := range c.header {
				req.Header[k] = v
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.wantStatus || !strings.Contains(string(body), c.wantBody) {
				t.Errorf("%s %s = %d %q, want %d with %q", c.method, c.path, resp.StatusCode, body, c.wantStatus, c.wantBody)
			}
		})
	}
}

func TestHandlerPaths(t *testing.T) {
	for _, p := range []string{"/files/", "/api/files", "/api/session/", "/api/info/"} {
		_, err := New(Config{Handlers: map[string]http.Handler{p: http.NotFoundHandler()}})
		if !errors.Is(err, ErrBadConfig) {
			t.Errorf("handler path %q: %v, want ErrBadConfig", p, err)
		}
	}
}
