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

// maxBatch is the most a batch holds before it is written out: a writer
// takes queued frames up to this size at a time (conn.takeLocked).
const maxBatch = 64 << 10

var batchPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

// batchConn is the connection under gorilla's Conn. It batches writes:
// between begin and flush, frames (appendFrame) and gorilla's control
// frames land in a pooled buffer that goes out in one write system call.
// Outside a batch it passes writes through, so an idle connection holds
// no buffer. Where the platform allows (raw), a batch can also be written
// without blocking (tryWrite), by the read loop of the sending connection.
type batchConn struct {
	net.Conn
	raw syscall.RawConn // nil when the connection has no descriptor (TLS)

	mu  sync.Mutex
	buf *[]byte   // non-nil during a batch
	wdl time.Time // write deadline for the flush, set during a batch
	rw  *rawWrite // made at the first tryWrite

	rd batchReader
	// drained, when set, runs before a read that may wait for data: the
	// read loop's end of a batch (conn.endBatch).
	drained func()
}

func newBatchConn(nc net.Conn) *batchConn {
	b := &batchConn{Conn: nc}
	if sc, ok := nc.(syscall.Conn); ok && rawIO {
		if raw, err := sc.SyscallConn(); err == nil {
			b.raw = raw
		}
	}
	return b
}

// Write is how gorilla writes: the upgrade response and control frames.
// During a batch they join it (a batch stays near maxBatch: takeLocked
// bounds the frames, and control frames are at most 131 bytes).
func (b *batchConn) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf == nil {
		return b.Conn.Write(p)
	}
	*b.buf = append(*b.buf, p...)
	return len(p), nil
}

// SetWriteDeadline implements net.Conn. During a batch it only records
// the deadline for the flush: gorilla sets one per control frame, and
// each would otherwise reset a runtime timer.
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

// pending reports whether a batch is under way: what a tryWrite left.
func (b *batchConn) pending() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf != nil
}

// appendFrame adds p to the batch as one text frame.
func (b *batchConn) appendFrame(p []byte) {
	b.mu.Lock()
	*b.buf = appendTextFrame(*b.buf, p)
	b.mu.Unlock()
}

// maxFrameHeader is the longest header appendTextFrame writes.
const maxFrameHeader = 10

// appendTextFrame appends p as one final, unmasked WebSocket text frame
// (RFC 6455 section 5.2), byte for byte what gorilla's WriteMessage sends
// from a server without compression. Writing the header here saves
// gorilla's per-frame buffer pooling, copy, locking and deadline calls.
func appendTextFrame(dst, p []byte) []byte {
	const finText = 0x81
	switch n := len(p); {
	case n <= 125:
		dst = append(dst, finText, byte(n))
	case n <= 0xFFFF:
		dst = append(dst, finText, 126, byte(n>>8), byte(n))
	default:
		dst = append(dst, finText, 127, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32),
			byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	return append(dst, p...)
}

// flush writes the batch, blocking up to the recorded deadline, and ends
// it.
func (b *batchConn) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var err error
	if b.buf != nil && len(*b.buf) > 0 {
		if !b.wdl.IsZero() {
			b.Conn.SetWriteDeadline(b.wdl)
			b.wdl = time.Time{}
		}
		_, err = b.Conn.Write(*b.buf)
	}
	b.endLocked()
	return err
}

func (b *batchConn) endLocked() {
	b.wdl = time.Time{}
	if b.buf != nil {
		if cap(*b.buf) <= maxBatch {
			*b.buf = (*b.buf)[:0]
			batchPool.Put(b.buf)
		}
		b.buf = nil
	}
}

// rawWrite is tryWrite's callback for RawConn.Control, made once per
// connection rather than per write, and its results.
type rawWrite struct {
	fn  func(fd uintptr)
	n   int
	err error
}

// tryWrite results.
type writeState uint8

const (
	writeBusy    writeState = iota // not done: nothing was taken
	writeDone                      // everything went out
	writePending                   // taken; what the socket did not accept waits in the batch for flush
)

// tryWrite sends items as one batch without ever blocking: the read loop
// of another connection calls it. When the connection is busy (a control
// frame or a blocking flush under way) or has no descriptor, it takes
// nothing. When the socket takes only part, the rest stays in the batch
// (control frames queue behind it) for a writer goroutine's flush.
func (b *batchConn) tryWrite(items []outItem) (writeState, error) {
	if b.raw == nil || !b.mu.TryLock() {
		return writeBusy, nil
	}
	defer b.mu.Unlock()
	if b.buf == nil {
		b.buf = batchPool.Get().(*[]byte)
	}
	for i := range items {
		*b.buf = appendTextFrame(*b.buf, items[i].frame)
	}
	rw := b.rw
	if rw == nil {
		rw = new(rawWrite)
		rw.fn = func(fd uintptr) { rw.n, rw.err = writeFD(fd, *b.buf) }
		b.rw = rw
	}
	rw.n, rw.err = 0, nil
	// Control, not Write: the write must not wait, and it needs no
	// deadline. b.mu orders it with every other write of this connection.
	if err := b.raw.Control(rw.fn); err != nil {
		return writePending, err
	}
	if rw.err != nil {
		return writePending, rw.err
	}
	if rw.n == len(*b.buf) {
		b.endLocked()
		return writeDone, nil
	}
	*b.buf = (*b.buf)[:copy(*b.buf, (*b.buf)[rw.n:])]
	return writePending, nil
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
	h.conn = newBatchConn(nc)
	if brw.Reader.Buffered() == 0 {
		h.br = bufio.NewReaderSize(h.conn, readBufferSize)
		brw = bufio.NewReadWriter(h.br, brw.Writer)
	}
	return h.conn, brw, nil
}

// Reads: while data is waiting, one read system call takes up to
// readBatch bytes into a pooled buffer, and gorilla's small bufio.Reader
// is served from it; the buffer goes back to the pool as soon as it is
// drained, so a connection waiting for data holds none. Without raw
// reads, reads pass through.
const readBatch = 16 << 10

var readBatchPool = sync.Pool{New: func() any { b := make([]byte, readBatch); return &b }}

type batchReader struct {
	buf  *[]byte
	r, w int
	fn   func(fd uintptr) bool // readFD, made once rather than per read
	n    int                   // fn's result
	err  error                 // fn's result
}

func (b *batchConn) Read(p []byte) (int, error) {
	if b.raw == nil {
		if b.drained != nil {
			b.drained()
		}
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

// fill waits until data arrives and reads it into the pooled buffer,
// unless data is already waiting there. The read loop calls it at the top
// of its stack, so an idle connection parks in a shallow frame and the
// garbage collector can shrink its stack to the minimum. Without raw
// reads it returns at once.
func (b *batchConn) fill() error {
	br := &b.rd
	if br.buf != nil || b.raw == nil {
		return nil
	}
	if br.fn == nil {
		br.fn = br.readFD
	}
	if b.drained != nil {
		b.drained()
	}
	br.n, br.err = 0, nil
	err := b.raw.Read(br.fn)
	if err == nil {
		err = br.err
	}
	if err != nil || br.n <= 0 {
		if br.buf != nil {
			readBatchPool.Put(br.buf)
			br.buf = nil
		}
		if err == nil {
			err = io.EOF
		}
		return err
	}
	br.r, br.w = 0, br.n
	return nil
}
