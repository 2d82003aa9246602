//go:build unix

package server

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection; small sets
// small socket buffers (before connecting: set later, Linux can stall a
// loopback transfer).
func tcpPair(t *testing.T, small bool) (server, client *net.TCPConn) {
	t.Helper()
	var lc net.ListenConfig
	var d net.Dialer
	if small {
		lc.Control = func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, 16<<10) })
		}
		d.Control = func(_, _ string, rc syscall.RawConn) error {
			return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10) })
		}
	}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { s.Close(); c.Close() })
	return s.(*net.TCPConn), c.(*net.TCPConn)
}

func framesOf(items []outItem) []byte {
	var b []byte
	for _, it := range items {
		b = appendTextFrame(b, it.frame)
	}
	return b
}

func TestTryWrite(t *testing.T) {
	if !rawIO {
		t.Skip("no raw writes on this platform")
	}
	t.Run("done", func(t *testing.T) {
		s, c := tcpPair(t, false)
		b := newBatchConn(s)
		items := []outItem{{frame: []byte(`{"a":1}`)}, {frame: []byte(strings.Repeat("y", 300))}}
		state, err := b.tryWrite(items)
		if err != nil || state != writeDone {
			t.Fatalf("tryWrite = %v, %v; want done", state, err)
		}
		want := framesOf(items)
		got := make([]byte, len(want))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("peer read %q, %v; want %q", got, err, want)
		}
		if b.buf != nil {
			t.Fatal("the batch buffer is kept after a complete write")
		}
	})
	t.Run("busy", func(t *testing.T) {
		s, _ := tcpPair(t, false)
		b := newBatchConn(s)
		b.mu.Lock() // a control frame or a blocking flush under way
		state, err := b.tryWrite([]outItem{{frame: []byte("x")}})
		b.mu.Unlock()
		if err != nil || state != writeBusy || b.buf != nil {
			t.Fatalf("tryWrite on a busy connection = %v, %v (buffer %v); want busy, nothing taken", state, err, b.buf != nil)
		}
	})
	t.Run("pending then flush", func(t *testing.T) {
		s, c := tcpPair(t, true)
		b := newBatchConn(s)
		var items []outItem
		for i := range 32 {
			items = append(items, outItem{frame: []byte(strings.Repeat(string(rune('a'+i%26)), 16<<10))})
		}
		state, err := b.tryWrite(items)
		if err != nil || state != writePending {
			t.Fatalf("tryWrite of 512 KiB to a peer that does not read = %v, %v; want pending", state, err)
		}
		// A control frame written meanwhile queues behind the rest.
		b.Write([]byte("ctl"))
		want := append(framesOf(items), "ctl"...)
		got := make(chan []byte)
		go func() {
			buf := make([]byte, len(want))
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			n, _ := io.ReadFull(c, buf)
			got <- buf[:n]
		}()
		b.SetWriteDeadline(time.Now().Add(10 * time.Second))
		err = b.flush()
		if g := <-got; err != nil {
			t.Fatalf("flush: %v (peer read %d of %d bytes, first difference at %d)", err, len(g), len(want), firstDiff(g, want))
		} else if !bytes.Equal(g, want) {
			t.Fatalf("peer read %d bytes, want %d in order (first difference at %d)", len(g), len(want), firstDiff(g, want))
		}
	})
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
