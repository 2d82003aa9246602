package bridge

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/app/bridge/bridgetest"
	"github.com/peerline/peerline/app/events"
)

func TestWebSocketHandshake(t *testing.T) {
	h := start(t, Config{})
	port := h.host[strings.LastIndex(h.host, ":")+1:]
	cases := []struct {
		name       string
		path       string
		header     http.Header
		wantStatus int // 101 for success
	}{
		{"token as subprotocol, own origin", "/api", http.Header{"Origin": {h.base}, "Sec-WebSocket-Protocol": {h.protocols()}}, 101},
		{"bearer token", "/api", http.Header{"Origin": {h.base}, "Authorization": {h.bearer()}}, 101},
		{"bearer scheme in any case", "/api", http.Header{"Origin": {h.base}, "Authorization": {"bEaReR " + h.token}}, 101},
		{"localhost origin", "/api", http.Header{"Origin": {"http://localhost:" + port}, "Authorization": {h.bearer()}}, 101},
		{"no token", "/api", http.Header{"Origin": {h.base}}, 401},
		{"token in query is no login", "/api?token=" + h.token, http.Header{"Origin": {h.base}}, 401},
		{"token cookie is no login", "/api", http.Header{"Origin": {h.base}, "Cookie": {"peerline_token_" + port + "=" + h.token}}, 401},
		{"wrong token", "/api", http.Header{"Origin": {h.base}, "Authorization": {"Bearer x" + h.token}}, 401},
		{"wrong token as subprotocol", "/api", http.Header{"Origin": {h.base}, "Sec-WebSocket-Protocol": {Subprotocol + ", " + TokenProtocolPrefix + "x"}}, 401},
		{"ticket scheme is not the token", "/api", http.Header{"Origin": {h.base}, "Authorization": {"Ticket " + h.token}}, 401},
		{"evil origin", "/api", http.Header{"Origin": {"http://evil.example"}, "Authorization": {h.bearer()}}, 403},
		{"own host, other port", "/api", http.Header{"Origin": {"http://127.0.0.1:1"}, "Authorization": {h.bearer()}}, 403},
		{"https origin", "/api", http.Header{"Origin": {"https://" + h.host}, "Authorization": {h.bearer()}}, 403},
		{"no origin", "/api", http.Header{"Authorization": {h.bearer()}}, 403},
		{"evil host", "/api", http.Header{"Origin": {h.base}, "Authorization": {h.bearer()}, "Host": {"evil.example:" + port}}, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ws, resp, err := h.dialWith(t, c.path, c.header)
			if got := status(resp); got != c.wantStatus {
				t.Fatalf("status %d (err %v), want %d", got, err, c.wantStatus)
			}
			if c.wantStatus == 101 {
				wantProto := ""
				if len(c.header["Sec-WebSocket-Protocol"]) > 0 {
					wantProto = Subprotocol // a browser fails a handshake that selects none
				}
				if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != wantProto {
					t.Errorf("selected subprotocol %q, want %q", got, wantProto)
				}
				if r := bridgetest.Call(t, ws, 1, "Test.Fast"); string(r.Result) != `"fast"` {
					t.Errorf("call over the socket: %+v", r)
				}
			}
		})
	}
}

func TestCalls(t *testing.T) {
	h := start(t, Config{})
	ws := h.dial(t)
	cases := []struct {
		name       string
		frame      string
		wantID     any    // int64, or nil for a null id
		wantResult string // exact JSON when no error is wanted
		wantCode   Code
		wantMsg    string // substring
	}{
		{"round trip with ctx", `{"id":1,"method":"Test.Greet","args":["Ada",3]}`, int64(1), `{"text":"hello Ada","count":3,"hasCtx":true}`, "", ""},
		{"slice and struct pointer args", `{"id":2,"method":"Test.Sum","args":[[1,2,3],{"count":10}]}`, int64(2), `16`, "", ""},
		{"null arg is the zero value", `{"id":3,"method":"Test.Sum","args":[null,null]}`, int64(3), `0`, "", ""},
		{"any arg", `{"id":4,"method":"Test.Echo","args":[{"a":[1,"x",null]}]}`, int64(4), `{"a":[1,"x",null]}`, "", ""},
		{"error only, success", `{"id":5,"method":"Test.Nothing","args":[]}`, int64(5), `null`, "", ""},
		{"args omitted", `{"id":6,"method":"Test.Nothing"}`, int64(6), `null`, "", ""},
		{"args null", `{"id":7,"method":"Test.Nothing","args":null}`, int64(7), `null`, "", ""},
		{"nil slice result", `{"id":8,"method":"Test.NilSlice"}`, int64(8), `null`, "", ""},
		{"largest id", `{"id":9007199254740991,"method":"Test.Fast"}`, int64(9007199254740991), `"fast"`, "", ""},
		{"id zero", `{"id":0,"method":"Test.Fast"}`, int64(0), `"fast"`, "", ""},
		{"error return", `{"id":10,"method":"Test.Fail","args":["store: no such contact"]}`, int64(10), "", CodeFailed, "store: no such contact"},
		{"coded error", `{"id":11,"method":"Test.FailCoded"}`, int64(11), "", "key_changed", "contact key changed"},
		{"panic", `{"id":12,"method":"Test.Panic"}`, int64(12), "", CodeInternal, "internal error in Test.Panic"},
		{"unencodable result", `{"id":13,"method":"Test.BadResult"}`, int64(13), "", CodeInternal, "cannot encode"},
		{"unknown method", `{"id":14,"method":"Test.Nope"}`, int64(14), "", CodeNotFound, `"Test.Nope"`},
		{"unknown service", `{"id":15,"method":"Nope.Fast"}`, int64(15), "", CodeNotFound, "no method"},
		{"skipped method", `{"id":16,"method":"Test.Startup","args":[null]}`, int64(16), "", CodeNotFound, "no method"},
		{"unexported method", `{"id":17,"method":"Test.unexported"}`, int64(17), "", CodeNotFound, "no method"},
		{"too few args", `{"id":18,"method":"Test.Greet","args":["Ada"]}`, int64(18), "", CodeBadRequest, "Test.Greet takes 2 argument(s) (string, int), got 1"},
		{"too many args", `{"id":19,"method":"Test.Fast","args":[1]}`, int64(19), "", CodeBadRequest, "takes 0 argument(s)"},
		{"wrong arg type", `{"id":20,"method":"Test.Greet","args":["Ada","three"]}`, int64(20), "", CodeBadRequest, "argument 2 of Test.Greet (int)"},
		{"float for int", `{"id":21,"method":"Test.Greet","args":["Ada",1.5]}`, int64(21), "", CodeBadRequest, "argument 2"},
		{"args not an array", `{"id":22,"method":"Test.Fast","args":{"a":1}}`, int64(22), "", CodeBadRequest, `"args" must be an array`},
		{"missing method", `{"id":23}`, int64(23), "", CodeBadRequest, `needs a "method"`},
		{"empty method", `{"id":24,"method":""}`, int64(24), "", CodeBadRequest, `needs a "method"`},
		{"method not a string", `{"id":25,"method":5}`, int64(25), "", CodeBadRequest, "JSON object"},
		{"unknown member", `{"id":26,"method":"Test.Fast","jsonrpc":"2.0"}`, int64(26), "", CodeBadRequest, "jsonrpc"},
		{"trailing data", `{"id":27,"method":"Test.Fast"} {}`, int64(27), "", CodeBadRequest, "after the request"},
		{"missing id", `{"method":"Test.Fast"}`, nil, "", CodeBadRequest, `needs an "id"`},
		{"null id", `{"id":null,"method":"Test.Fast"}`, nil, "", CodeBadRequest, `needs an "id"`},
		{"string id", `{"id":"1","method":"Test.Fast"}`, nil, "", CodeBadRequest, `needs an "id"`},
		{"negative id", `{"id":-1,"method":"Test.Fast"}`, nil, "", CodeBadRequest, `needs an "id"`},
		{"fractional id", `{"id":1.5,"method":"Test.Fast"}`, nil, "", CodeBadRequest, `needs an "id"`},
		{"id over 2^53-1", `{"id":9007199254740992,"method":"Test.Fast"}`, nil, "", CodeBadRequest, `needs an "id"`},
		{"garbage", `hello?`, nil, "", CodeBadRequest, "JSON object"},
		{"empty frame", ``, nil, "", CodeBadRequest, "JSON object"},
		{"array", `[1,"Test.Fast"]`, nil, "", CodeBadRequest, "JSON object"},
		{"truncated", `{"id":28,"method":"Test.Fa`, int64(28), "", CodeBadRequest, "JSON object"},
		{"invalid utf-8", "{\"id\":29,\"method\":\"Test.\xff\"}", int64(29), "", CodeNotFound, "no method"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			bridgetest.Send(t, ws, c.frame)
			r := bridgetest.Read(t, ws)
			switch want := c.wantID.(type) {
			case nil:
				if r.ID != nil {
					t.Errorf("id %d, want null", *r.ID)
				}
			case int64:
				if r.ID == nil || *r.ID != want {
					t.Errorf("id %v, want %d", r.ID, want)
				}
			}
			if c.wantCode == "" {
				if r.Error != nil || string(r.Result) != c.wantResult {
					t.Errorf("got result %s error %+v, want result %s", r.Result, r.Error, c.wantResult)
				}
				return
			}
			if r.Error == nil || Code(r.Error.Code) != c.wantCode || !strings.Contains(r.Error.Message, c.wantMsg) {
				t.Errorf("got result %s error %+v, want code %s containing %q", r.Result, r.Error, c.wantCode, c.wantMsg)
			}
			if r.Result != nil {
				t.Errorf("error response also has a result: %s", r.Result)
			}
		})
	}

	// After all that, the same connection still works.
	if r := bridgetest.Call(t, ws, 99, "Test.Greet", "Bob", 1); r.Error != nil {
		t.Errorf("connection broken after bad input: %+v", r.Error)
	}
	if !strings.Contains(h.logs.String(), "kaboom") {
		t.Errorf("panic not logged")
	}
}

func TestBinaryFrame(t *testing.T) {
	h := start(t, Config{})
	ws := h.dial(t)
	if err := ws.WriteMessage(websocket.BinaryMessage, []byte(`{"id":1,"method":"Test.Fast"}`)); err != nil {
		t.Fatal(err)
	}
	r := bridgetest.Read(t, ws)
	if r.Error == nil || Code(r.Error.Code) != CodeBadRequest || !strings.Contains(r.Error.Message, "binary") {
		t.Errorf("got %+v", r)
	}
	if r := bridgetest.Call(t, ws, 2, "Test.Fast"); r.Error != nil {
		t.Errorf("connection broken: %+v", r.Error)
	}
}

func TestOversizeFrameClosesWith1009(t *testing.T) {
	h := start(t, Config{MaxMessageBytes: 1024})
	ws := h.dial(t)

	// Exactly the limit is fine.
	pad := 1024 - len(`{"id":1,"method":"Test.Echo","args":[""]}`)
	if r := bridgetest.Call(t, ws, 1, "Test.Echo", strings.Repeat("x", pad)); r.Error != nil {
		t.Fatalf("frame at the limit: %+v", r.Error)
	}

	bridgetest.Send(t, ws, `{"id":7,"method":"Test.Echo","args":["`+strings.Repeat("x", 1<<20)+`"]}`)
	r := bridgetest.Read(t, ws)
	if r.ID == nil || *r.ID != 7 || r.Error == nil || Code(r.Error.Code) != CodeTooLarge || !strings.Contains(r.Error.Message, "1024 bytes") {
		t.Fatalf("got %+v, want too_large for id 7", r)
	}
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := ws.ReadMessage()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("after too_large: %v, want close 1009", err)
	}
	waitFor(t, "connection to be dropped", func() bool { return h.connCount() == 0 })

	// The bridge itself is fine.
	ws2 := h.dial(t)
	if r := bridgetest.Call(t, ws2, 1, "Test.Fast"); r.Error != nil {
		t.Errorf("new connection: %+v", r.Error)
	}
}

func TestFloodIsRateLimited(t *testing.T) {
	h := start(t, Config{RatePerSecond: 20, Burst: 5})
	ws := h.dial(t)
	const n = 100
	for i := range n {
		bridgetest.Send(t, ws, `{"id":`+itoa(i)+`,"method":"Test.Fast"}`)
	}
	ok, limited := 0, 0
	for range n {
		r := bridgetest.Read(t, ws)
		switch {
		case r.Error == nil:
			ok++
		case Code(r.Error.Code) == CodeRateLimited && r.ID != nil:
			limited++
		default:
			t.Fatalf("unexpected %+v", r)
		}
	}
	if limited == 0 || ok < 5 || ok > n/2 {
		t.Errorf("%d answered, %d rate_limited; want the burst of 5 (and a few refills) answered, the rest limited", ok, limited)
	}
	if !strings.Contains(h.logs.String(), "rate limit") {
		t.Errorf("flood not logged")
	}
	// The connection survives; once the bucket refills, calls work again.
	time.Sleep(300 * time.Millisecond)
	if r := bridgetest.Call(t, ws, 1000, "Test.Fast"); r.Error != nil {
		t.Errorf("after the flood: %+v", r.Error)
	}
}

func TestConcurrentCalls(t *testing.T) {
	h := start(t, Config{MaxInFlight: 2})
	ws := h.dial(t)
	bridgetest.Send(t, ws, `{"id":1,"method":"Test.Slow","args":["a"]}`)
	bridgetest.Send(t, ws, `{"id":2,"method":"Test.Slow","args":["b"]}`)
	for range 2 {
		<-h.svc.started
	}
	// Both slots are taken: a third call is refused, not queued.
	if r := bridgetest.Call(t, ws, 3, "Test.Fast"); r.Error == nil || Code(r.Error.Code) != CodeOverloaded {
		t.Fatalf("third call = %+v, want overloaded", r)
	}
	close(h.svc.release)
	got := map[int64]string{}
	for range 2 {
		r := bridgetest.Read(t, ws)
		got[*r.ID] = string(r.Result)
	}
	if got[1] != `"slow a"` || got[2] != `"slow b"` {
		t.Errorf("slow results %v", got)
	}
	if r := bridgetest.Call(t, ws, 4, "Test.Fast"); r.Error != nil {
		t.Errorf("after the slow calls: %+v", r.Error)
	}
}

func TestSlowCallDoesNotBlockOthers(t *testing.T) {
	h := start(t, Config{})
	ws := h.dial(t)
	bridgetest.Send(t, ws, `{"id":1,"method":"Test.Slow","args":["a"]}`)
	<-h.svc.started
	for i := range 10 {
		if r := bridgetest.Call(t, ws, int64(10+i), "Test.Fast"); string(r.Result) != `"fast"` {
			t.Fatalf("fast call behind a slow one: %+v", r)
		}
	}
	close(h.svc.release)
	if r := bridgetest.Read(t, ws); *r.ID != 1 || string(r.Result) != `"slow a"` {
		t.Errorf("slow call: %+v", r)
	}
}

func TestManyConnectionsInParallel(t *testing.T) {
	h := start(t, Config{})
	var wg sync.WaitGroup
	for c := range 4 {
		ws := h.dial(t)
		wg.Go(func() {
			// Windows of 8 pipelined calls, under MaxInFlight (16).
			for w := range 10 {
				for i := range 8 {
					id := w*8 + i
					frame, _ := json.Marshal(map[string]any{"id": id, "method": "Test.Greet", "args": []any{"p", c*1000 + id}})
					if err := ws.WriteMessage(websocket.TextMessage, frame); err != nil {
						t.Error(err)
						return
					}
				}
				seen := map[int]bool{}
				for range 8 {
					ws.SetReadDeadline(time.Now().Add(5 * time.Second))
					var r struct {
						ID     int               `json:"id"`
						Result greeting          `json:"result"`
						Error  *bridgetest.Error `json:"error"`
					}
					if err := ws.ReadJSON(&r); err != nil {
						t.Error(err)
						return
					}
					if r.Error != nil || r.Result.Count != c*1000+r.ID {
						t.Errorf("conn %d id %d got %+v: answers crossed", c, r.ID, r)
					}
					seen[r.ID] = true
				}
				if len(seen) != 8 {
					t.Errorf("conn %d: %d distinct answers in a window of 8", c, len(seen))
				}
			}
		})
	}
	wg.Wait()
}

func TestCallContextEndsWithConnection(t *testing.T) {
	h := start(t, Config{})
	ws := h.dial(t)
	bridgetest.Send(t, ws, `{"id":1,"method":"Test.Slow","args":["a"]}`)
	<-h.svc.started
	ws.Close()
	select {
	case <-h.svc.canceled:
	case <-time.After(5 * time.Second):
		t.Fatal("the call's context was not canceled when its connection closed")
	}
}

func TestEventsReachClients(t *testing.T) {
	h := start(t, Config{})
	ws1, ws2 := h.dial(t), h.dial(t)
	// A round trip makes sure the bridge has registered each connection.
	bridgetest.Call(t, ws1, 1, "Test.Fast")
	bridgetest.Call(t, ws2, 1, "Test.Fast")

	bus := events.NewBus(events.BusConfig{})
	defer bus.Close()
	bus.Subscribe(h.b)
	bus.Emit(events.CallState, map[string]string{"state": "ringing"})
	h.b.Emit(events.PeerOnline, struct {
		ID string `json:"id"`
	}{"k3f"})

	for _, ws := range []*websocket.Conn{ws1, ws2} {
		got := map[string]string{}
		for range 2 {
			r := bridgetest.Read(t, ws)
			if r.ID != nil {
				t.Fatalf("event frame has an id: %+v", r)
			}
			got[r.Event] = string(r.Data)
		}
		want := map[string]string{"call:state": `{"state":"ringing"}`, "peer:online": `{"id":"k3f"}`}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("events %v, want %v", got, want)
			}
		}
	}

	// An event that can't be encoded is logged and dropped; the stream goes on.
	h.b.Emit(events.CallState, make(chan int))
	h.b.Emit(events.PeerOffline, "k3f")
	if r := bridgetest.Read(t, ws1); r.Event != "peer:offline" || string(r.Data) != `"k3f"` {
		t.Errorf("after a bad event got %+v", r)
	}
	if !strings.Contains(h.logs.String(), "cannot encode event") {
		t.Errorf("bad event not logged")
	}
}

func TestClientNotReadingIsDropped(t *testing.T) {
	h := start(t, Config{})
	ws := h.dial(t)
	bridgetest.Call(t, ws, 1, "Test.Fast")
	big := strings.Repeat("x", 64<<10)
	start := time.Now()
	// Far more than the socket buffers and the queue hold, never read.
	for range 1000 {
		h.b.Emit(events.CallState, big)
		if h.connCount() == 0 {
			break
		}
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Emit blocked on a client that isn't reading: %v", took)
	}
	waitFor(t, "the stuck client to be dropped", func() bool { return h.connCount() == 0 })
	if !strings.Contains(h.logs.String(), "outbound queue full") {
		t.Errorf("drop not logged")
	}
	ws2 := h.dial(t)
	if r := bridgetest.Call(t, ws2, 1, "Test.Fast"); r.Error != nil {
		t.Errorf("new connection: %+v", r.Error)
	}
}

func TestMaxConnections(t *testing.T) {
	h := start(t, Config{MaxConnections: 2})
	a, b := h.dial(t), h.dial(t)
	bridgetest.Call(t, a, 1, "Test.Fast")
	bridgetest.Call(t, b, 1, "Test.Fast")
	_, resp, err := h.dialWith(t, "/api", http.Header{"Origin": {h.base}, "Authorization": {h.bearer()}})
	if status(resp) != http.StatusServiceUnavailable {
		t.Fatalf("third connection: status %d, err %v; want 503", status(resp), err)
	}
	a.Close()
	waitFor(t, "a slot to free", func() bool { return h.connCount() < 2 })
	c := h.dial(t)
	if r := bridgetest.Call(t, c, 1, "Test.Fast"); r.Error != nil {
		t.Errorf("after a slot freed: %+v", r.Error)
	}
}

func TestCloseEndsConnections(t *testing.T) {
	h := start(t, Config{})
	ws := h.dial(t)
	bridgetest.Call(t, ws, 1, "Test.Fast")
	if err := h.b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, _, err := ws.ReadMessage(); !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Errorf("after Close: %v, want close 1001", err)
	}
	if _, _, err := h.dialWith(t, "/api", http.Header{"Origin": {h.base}, "Authorization": {h.bearer()}}); err == nil {
		t.Errorf("dial after Close succeeded")
	}
	if err := h.b.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := h.b.Start(t.Context()); !errors.Is(err, ErrClosed) {
		t.Errorf("Start after Close = %v, want ErrClosed", err)
	}
	h.b.Emit(events.CallState, "after close") // no panic, no effect
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}
