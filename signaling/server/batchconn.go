package server

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// maxBatch is the most a batch holds before it is written out.
const maxBatch = 64 << 10

var batchPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// batchConn lets the writer send a whole batch of queued frames with one
// write system call: between begin and flush, gorilla's per-frame writes
// land in a pooled buffer. Outside a batch it passes writes through, so
// an idle connection holds no buffer.
type batchConn struct {
	net.Conn
	mu  sync.Mutex
	buf *[]byte   // non-nil during a batch
	wdl time.Time // write deadline for the flush, set during a batch
	rd  batchReader
}

func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf == nil {
		return b.Conn.Write(p)
	}
	if len(*b.buf)+len(p) > maxBatch {
		if err := b.flushLocked(); err != nil {
			return 0, err
		}
		if len(p) > maxBatch {
			return b.Conn.Write(p)
		}
	}
	*b.buf = append(*b.buf, p...)
	return len(p), nil
}

// SetWriteDeadline implements net.Conn. During a batch it only records
// the deadline for the flush: gorilla sets one per frame, and each would
// otherwise reset a runtime timer.
func (b *batchConn) SetWriteDeadline(t time.Time) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf != nil {
		b.wdl = t
		return nil
	}
	return b.Conn.SetWriteDeadline(t)
}

func (b *batchConn) begin() {
	b.mu.Lock()
	if b.buf == nil {
		b.buf = batchPool.Get().(*[]byte)
	}
	b.mu.Unlock()
}

// flush writes the batch and ends it.
func (b *batchConn) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	err := b.flushLocked()
	if b.buf != nil {
		if cap(*b.buf) <= maxBatch {
			batchPool.Put(b.buf)
		}
		b.buf = nil
	}
	return err
}

func (b *batchConn) flushLocked() error {
	if b.buf == nil || len(*b.buf) == 0 {
		return nil
	}
	if !b.wdl.IsZero() {
		b.Conn.SetWriteDeadline(b.wdl)
		b.wdl = time.Time{}
	}
	_, err := b.Conn.Write(*b.buf)
	*b.buf = (*b.buf)[:0]
	return err
}

// hijacker hands gorilla a batchConn in place of the raw connection, and
// a small bufio.Reader on it whose fill level the read loop can see.
type hijacker struct {
	http.ResponseWriter
	conn *batchConn
	br   *bufio.Reader // nil when the client sent data early (gorilla refuses it)
}

// readBufferSize is gorilla's read buffer per connection; the pooled batch
// buffer does the bulk reading.
const readBufferSize = 512

func (h *hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	h.conn = &batchConn{Conn: nc}
	if brw.Reader.Buffered() == 0 {
		h.br = bufio.NewReaderSize(h.conn, readBufferSize)
		brw = bufio.NewReadWriter(h.br, brw.Writer)
	}
	return h.conn, brw, nil
}

// Reads: while data is waiting, one read system call takes up to
// readBatch bytes into a pooled buffer, and gorilla's small bufio.Reader
// is served from it; the buffer goes back to the pool as soon as it is
// drained, so a connection waiting for data holds none. Where the
// platform has no raw reads (readRaw reports !ok), reads pass through.
const readBatch = 16 << 10

var readBatchPool = sync.Pool{New: func() any { b := make([]byte, readBatch); return &b }}

type batchReader struct {
	raw  syscall.RawConn // nil until the first read, or when unavailable
	none bool            // no raw reads here: pass through
	buf  *[]byte
	r, w int
}

func (b *batchConn) Read(p []byte) (int, error) {
	if b.rd.buf == nil && !b.rawReady() {
		return b.Conn.Read(p)
	}
	if err := b.fill(); err != nil {
		return 0, err
	}
	br := &b.rd
	n := copy(p, (*br.buf)[br.r:br.w])
	br.r += n
	if br.r == br.w {
		readBatchPool.Put(br.buf)
		br.buf = nil
	}
	return n, nil
}

func (b *batchConn) rawReady() bool {
	br := &b.rd
	if br.raw != nil || br.none {
		return br.raw != nil
	}
	if sc, ok := b.Conn.(syscall.Conn); ok && rawReads {
		if raw, err := sc.SyscallConn(); err == nil {
			br.raw = raw
			return true
		}
	}
	br.none = true
	return false
}

// fill waits until data arrives and reads it into the pooled buffer,
// unless data is already waiting there. The read loop calls it at the top
// of its stack, so an idle connection parks in a shallow frame and the
// garbage collector can shrink its stack to the minimum. Without raw
// reads it returns at once.
func (b *batchConn) fill() error {
	br := &b.rd
	if br.buf != nil || !b.rawReady() {
		return nil
	}
	buf, n, err := readRaw(br.raw, &readBatchPool)
	if err != nil {
		return err
	}
	if n == 0 {
		return io.EOF
	}
	br.buf, br.r, br.w = buf, 0, n
	return nil
}
