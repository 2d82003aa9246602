package server

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// recordConn is a net.Conn that keeps what is written to it.
type recordConn struct {
	net.Conn // nil: only the methods below are used
	mu       sync.Mutex
	out      bytes.Buffer
}

func (r *recordConn) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.Write(p)
}
func (r *recordConn) Read([]byte) (int, error)         { return 0, io.EOF }
func (r *recordConn) Close() error                     { return nil }
func (r *recordConn) SetDeadline(time.Time) error      { return nil }
func (r *recordConn) SetReadDeadline(time.Time) error  { return nil }
func (r *recordConn) SetWriteDeadline(time.Time) error { return nil }
func (r *recordConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (r *recordConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }

// hijackRecorder lets gorilla's Upgrader hijack a recordConn.
type hijackRecorder struct {
	*httptest.ResponseRecorder
	conn *recordConn
}

func (h hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return h.conn, bufio.NewReadWriter(bufio.NewReader(h.conn), bufio.NewWriter(h.conn)), nil
}

// TestAppendTextFrameMatchesGorilla checks the frames the server writes
// itself against gorilla's own server-side WriteMessage, at every header
// size boundary.
func TestAppendTextFrameMatchesGorilla(t *testing.T) {
	rec := &recordConn{}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(hijackRecorder{httptest.NewRecorder(), rec}, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 1, 125, 126, 127, 1024, 65535, 65536, 70000} {
		p := []byte(strings.Repeat("x", n))
		rec.mu.Lock()
		rec.out.Reset()
		rec.mu.Unlock()
		if err := ws.WriteMessage(websocket.TextMessage, p); err != nil {
			t.Fatal(err)
		}
		want := rec.out.Bytes()
		if got := appendTextFrame([]byte("prefix"), p); !bytes.Equal(got[6:], want) || string(got[:6]) != "prefix" {
			t.Errorf("%d bytes: header %x, gorilla writes %x", n, got[6:min(len(got), 16)], want[:min(len(want), 10)])
		}
	}
}
