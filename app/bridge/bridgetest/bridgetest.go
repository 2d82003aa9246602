// Package bridgetest is the client side of the loopback bridge's WebSocket
// protocol (app/bridge/doc.go), for tests: requests {id, method, args},
// responses {id, result|error}, pushed events {event, data}. It holds the
// one decoding of those frames that every test shares, at two levels:
//
//   - Send, Read and Call work frame by frame on a *websocket.Conn the test
//     dialed itself, for tests of the protocol (bad frames, ids, limits,
//     the order of answers): package bridge's own tests.
//   - Client correlates answers with calls and keeps every pushed event
//     with its arrival time, as the browser transport does, for tests that
//     drive a whole app through it (e2e).
//
// It speaks only the wire protocol and must not import package bridge (the
// bridge's own tests import this package) or anything of the app.
package bridgetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// ReadTimeout bounds Read: a bridge that says nothing for this long fails
// the test.
const ReadTimeout = 5 * time.Second

// Error is the error member of a response: {"code", "message"}.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Frame is any frame a bridge sends: a response (ID, with Result or Error;
// ID is nil when the request had no readable id) or an event (Event, Data).
type Frame struct {
	ID     *int64          `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *Error          `json:"error"`
	Event  string          `json:"event"`
	Data   json.RawMessage `json:"data"`
}

// Send writes frame as one text message, failing t on error.
func Send(t testing.TB, ws *websocket.Conn, frame string) {
	t.Helper()
	if err := ws.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		t.Fatalf("bridgetest: write: %v", err)
	}
}

// Read reads and decodes the next frame, failing t after ReadTimeout or on
// a frame that is not JSON.
func Read(t testing.TB, ws *websocket.Conn) Frame {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(ReadTimeout))
	_, data, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("bridgetest: read: %v", err)
	}
	var f Frame
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("bridgetest: bridge sent %q: %v", data, err)
	}
	return f
}

// Call sends the request {id, method, args} and reads the next frame,
// which must be its response.
func Call(t testing.TB, ws *websocket.Conn, id int64, method string, args ...any) Frame {
	t.Helper()
	if args == nil {
		args = []any{}
	}
	frame, err := json.Marshal(map[string]any{"id": id, "method": method, "args": args})
	if err != nil {
		t.Fatal(err)
	}
	Send(t, ws, string(frame))
	f := Read(t, ws)
	if f.ID == nil || *f.ID != id {
		t.Fatalf("bridgetest: %s: response id %v, want %d", method, f.ID, id)
	}
	return f
}
