package bridge

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/peerline/peerline/internal/logbuf"

	"github.com/gorilla/websocket"
)

// greeting is the struct the test service returns.
type greeting struct {
	Text   string `json:"text"`
	Count  int    `json:"count"`
	HasCtx bool   `json:"hasCtx"`
}

// codedError chooses its own wire code.
type codedError struct{}

func (codedError) Error() string     { return "contact key changed" }
func (codedError) ErrorCode() string { return "key_changed" }

// testService has callable methods of every shape and some that must be
// skipped.
type testService struct {
	started  chan string   // Slow reports here when it starts
	release  chan struct{} // Slow returns when this closes
	canceled chan struct{} // Slow closes this if its ctx is canceled
}

func newTestService() *testService {
	return &testService{
		started:  make(chan string, 100),
		release:  make(chan struct{}),
		canceled: make(chan struct{}),
	}
}

func (s *testService) Greet(ctx context.Context, name string, n int) (greeting, error) {
	return greeting{Text: "hello " + name, Count: n, HasCtx: ctx != nil && ctx.Err() == nil}, nil
}
func (s *testService) Fail(msg string) error        { return errors.New(msg) }
func (s *testService) FailCoded() (int, error)      { return 0, codedError{} }
func (s *testService) Panic() (int, error)          { panic("kaboom") }
func (s *testService) Nothing() error               { return nil }
func (s *testService) NilSlice() ([]int, error)     { return nil, nil }
func (s *testService) BadResult() (chan int, error) { return make(chan int), nil }
func (s *testService) Echo(v any) (any, error)      { return v, nil }
func (s *testService) Sum(xs []int, p *greeting) (int, error) {
	t := 0
	for _, x := range xs {
		t += x
	}
	if p != nil {
		t += p.Count
	}
	return t, nil
}
func (s *testService) Fast() (string, error) { return "fast", nil }
func (s *testService) Slow(ctx context.Context, tag string) (string, error) {
	s.started <- tag
	select {
	case <-s.release:
		return "slow " + tag, nil
	case <-ctx.Done():
		close(s.canceled)
		return "", ctx.Err()
	}
}

// Not callable over the bridge:
func (s *testService) Startup(ctx context.Context)              {}
func (s *testService) NoError() int                             { return 1 }
func (s *testService) Three() (int, int, error)                 { return 0, 0, nil }
func (s *testService) Variadic(xs ...int) error                 { return nil }
func (s *testService) TakesChan(c chan int) error               { return nil }
func (s *testService) CtxSecond(a int, c context.Context) error { return nil }
func (s *testService) TakesError(e error) error                 { return nil }
func (s *testService) unexported() error                        { return nil }

// syncBuffer collects log output written from several goroutines.
type syncBuffer = logbuf.Buffer

var testAssets = fstest.MapFS{
	"index.html":        {Data: []byte("<!doctype html><title>Peerline</title>")},
	"assets/app-123.js": {Data: []byte("console.log('hi')")},
	"empty/.keep":       {Data: nil},
}

// harness is a started bridge with a test service and captured logs.
type harness struct {
	b     *Bridge
	svc   *testService
	url   string // as Start returned it
	base  string // http://127.0.0.1:PORT
	host  string // 127.0.0.1:PORT
	token string
	logs  *syncBuffer
}

func start(t *testing.T, cfg Config) *harness {
	t.Helper()
	h := &harness{svc: newTestService(), logs: &syncBuffer{}}
	cfg.Logger = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if cfg.Assets == nil {
		cfg.Assets = testAssets
	}
	cfg.Services = map[string]any{"Test": h.svc}
	b, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.b = b
	t.Cleanup(func() {
		b.Close()
		// The token must never reach the log, whatever the test did.
		if strings.Contains(h.logs.String(), h.token) {
			t.Errorf("token appears in the log:\n%s", h.logs)
		}
	})
	h.url, err = b.Start(t.Context())
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	u, err := url.Parse(h.url)
	if err != nil {
		t.Fatalf("Start returned %q: %v", h.url, err)
	}
	h.host = u.Host
	h.base = "http://" + u.Host
	frag, err := url.ParseQuery(u.Fragment)
	if err != nil || u.RawQuery != "" || u.Path != "/" {
		t.Fatalf("Start returned %q, want http://HOST:PORT/#token=T", h.url)
	}
	h.token = frag.Get("token")
	if h.token == "" {
		t.Fatalf("Start returned %q: no token in the fragment", h.url)
	}
	return h
}

// get makes one request without following redirects.
func (h *harness) get(t *testing.T, path string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		for _, v := range vs {
			if k == "Host" {
				req.Host = v
				continue
			}
			req.Header.Add(k, v)
		}
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// bearer is the Authorization header a non-browser client sends.
func (h *harness) bearer() string { return "Bearer " + h.token }

// protocols is the Sec-WebSocket-Protocol header the frontend sends.
func (h *harness) protocols() string { return Subprotocol + ", " + TokenProtocolPrefix + h.token }

// dial opens /api as the frontend does: the token as a subprotocol, the
// bridge's own Origin.
func (h *harness) dial(t *testing.T) *websocket.Conn {
	t.Helper()
	ws, resp, err := h.dialWith(t, "/api", http.Header{"Origin": {h.base}, "Sec-WebSocket-Protocol": {h.protocols()}})
	if err != nil {
		t.Fatalf("dial: %v (status %v)", err, status(resp))
	}
	return ws
}

func (h *harness) dialWith(t *testing.T, path string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial("ws://"+h.host+path, header)
	if err == nil {
		t.Cleanup(func() { ws.Close() })
	}
	return ws, resp, err
}

func status(resp *http.Response) int {
	if resp == nil {
		return 0
	}
	return resp.StatusCode
}

// waitFor polls cond for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) connCount() int {
	h.b.mu.Lock()
	defer h.b.mu.Unlock()
	return len(h.b.conns)
}
