package turnserver

import (
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/ipv4"
)

// Batched UDP I/O. Go's UDP path costs one syscall and one netpoller round
// per datagram, which is most of the relay's CPU (docs/performance.md,
// TURN). batchConn reads with recvmmsg: one syscall takes every datagram
// the kernel holds, up to a batch, and ReadFrom hands them out one by one.
// It writes with sendmmsg: a datagram written while a reader that promised
// to flush this socket still holds datagrams of the same burst is queued,
// and the reader sends the queue in one syscall before it next blocks;
// otherwise the writer sends at once, taking along whatever other
// goroutines queued meanwhile. So a datagram waits at most for the rest of
// one read batch to be handled, never for a timer.
//
// pion reads each socket from one goroutine; relay sockets are written by
// the goroutine that reads their listener, listeners by every
// allocation's goroutine. batchConn is safe for any of that.
type batchConn struct {
	*net.UDPConn
	pc *ipv4.PacketConn // recvmmsg/sendmmsg; its framing is the same for IPv6 sockets

	closed atomic.Bool

	rmu      sync.Mutex // one reader at a time: the batch below is its state
	rms      []ipv4.Message
	next, n  int
	deadline atomic.Pointer[time.Time] // the read deadline, for datagrams already read

	// burst is set while the reader holds datagrams it has not handed out
	// yet; dirty are the sockets written meanwhile that queued for it.
	// The writer locks hmu across its check of burst and its enqueue, and
	// the reader clears burst under hmu, so nothing is queued after the
	// reader's last flush.
	hmu   sync.Mutex
	burst bool
	dirty []*batchConn
	owner *batchConn // a relay socket's listener: its bursts hold this socket's writes

	// holds counts the readers in a burst that will flush this socket when
	// they drain (a listener: its own reader and its relays' readers).
	holds atomic.Int32
	// holding is the socket this one's bursts hold (a relay: its listener;
	// a listener: itself).
	holding *batchConn

	wmu      sync.Mutex
	queue    []ipv4.Message // waiting to be sent; buffers owned (copied)
	spare    [][]byte       // buffers of sent datagrams, for reuse
	flushing bool           // a goroutine is sending the queue
}

// batchBufferBytes is each datagram slot: larger than pion's 1600-byte
// read buffer, so a datagram pion would call truncated still reads whole.
const batchBufferBytes = 2048

// newBatchConn wraps c with batches of up to size datagrams. It returns c
// unchanged when c is not a UDP socket.
func newBatchConn(c net.PacketConn, size int) net.PacketConn {
	u, ok := c.(*net.UDPConn)
	if !ok {
		return c
	}
	b := &batchConn{UDPConn: u, pc: ipv4.NewPacketConn(u), rms: make([]ipv4.Message, size)}
	for i := range b.rms {
		b.rms[i].Buffers = [][]byte{make([]byte, batchBufferBytes)}
	}
	b.holding = b
	return b
}

// ownedBy makes l's read bursts hold this relay socket's writes, and this
// socket's read bursts hold l's writes.
func (c *batchConn) ownedBy(l *batchConn) {
	c.owner, c.holding = l, l
}

func (c *batchConn) ReadFrom(p []byte) (int, net.Addr, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if c.next == c.n {
		c.drain()
		if c.closed.Load() {
			return 0, nil, c.opError("read", net.ErrClosed)
		}
		n, err := c.pc.ReadBatch(c.rms, 0)
		if err != nil {
			return 0, nil, err
		}
		c.next, c.n = 0, n
		if n > 1 {
			c.hmu.Lock()
			c.burst = true
			c.hmu.Unlock()
			c.holding.holds.Add(1)
		}
	} else {
		if c.closed.Load() {
			return 0, nil, c.opError("read", net.ErrClosed)
		}
		if d := c.deadline.Load(); d != nil && !d.IsZero() && !time.Now().Before(*d) {
			return 0, nil, c.opError("read", os.ErrDeadlineExceeded)
		}
	}
	m := &c.rms[c.next]
	c.next++
	n := copy(p, m.Buffers[0][:m.N])
	return n, m.Addr, nil
}

// drain ends a burst: the sockets written during it send their queues.
func (c *batchConn) drain() {
	c.hmu.Lock()
	if !c.burst {
		c.hmu.Unlock()
		return
	}
	c.burst = false
	dirty := c.dirty
	c.dirty = nil
	c.hmu.Unlock()
	for _, d := range dirty {
		d.flush()
	}
	h := c.holding
	h.wmu.Lock()
	h.holds.Add(-1)
	h.wmu.Unlock()
	h.flush()
}

func (c *batchConn) SetReadDeadline(t time.Time) error {
	c.deadline.Store(&t)
	return c.UDPConn.SetReadDeadline(t)
}

func (c *batchConn) SetDeadline(t time.Time) error {
	c.deadline.Store(&t)
	return c.UDPConn.SetDeadline(t)
}

func (c *batchConn) WriteTo(p []byte, to net.Addr) (int, error) {
	if c.closed.Load() {
		return 0, c.opError("write", net.ErrClosed)
	}
	if o := c.owner; o != nil {
		o.hmu.Lock()
		if o.burst {
			c.wmu.Lock()
			first := len(c.queue) == 0
			full := c.enqueue(p, to)
			c.wmu.Unlock()
			if first {
				o.dirty = append(o.dirty, c)
			}
			o.hmu.Unlock()
			if full {
				c.flush()
			}
			return len(p), nil
		}
		o.hmu.Unlock()
	}
	c.wmu.Lock()
	if c.holds.Load() > 0 || c.flushing {
		// A burst's reader, or the goroutine now sending, sends it.
		full := c.enqueue(p, to)
		c.wmu.Unlock()
		if full {
			c.flush()
		}
		return len(p), nil
	}
	if len(c.queue) == 0 {
		// Nothing to batch with: the plain write keeps its error.
		c.flushing = true
		c.wmu.Unlock()
		n, err := c.UDPConn.WriteTo(p, to)
		c.wmu.Lock()
		c.flushing = false
		more := len(c.queue) > 0
		c.wmu.Unlock()
		if more {
			c.flush()
		}
		return n, err
	}
	c.enqueue(p, to)
	c.wmu.Unlock()
	c.flush()
	return len(p), nil
}

// enqueue copies p, as the caller reuses it; it reports whether the queue
// holds a whole batch. The caller holds wmu.
func (c *batchConn) enqueue(p []byte, to net.Addr) bool {
	var buf []byte
	if k := len(c.spare); k > 0 && cap(c.spare[k-1]) >= len(p) {
		buf, c.spare = c.spare[k-1][:len(p)], c.spare[:k-1]
	} else {
		buf = make([]byte, len(p), max(len(p), batchBufferBytes))
	}
	copy(buf, p)
	c.queue = append(c.queue, ipv4.Message{Buffers: [][]byte{buf}, Addr: to})
	return len(c.queue) >= len(c.rms)
}

// flush sends the queue unless another goroutine is sending it (that one
// loops until the queue is empty). A datagram the kernel refuses is
// dropped, as a lossy link would; the writer was told it was sent.
func (c *batchConn) flush() {
	c.wmu.Lock()
	if c.flushing {
		c.wmu.Unlock()
		return
	}
	c.flushing = true
	var out []ipv4.Message
	for len(c.queue) > 0 {
		out, c.queue = c.queue, out[:0]
		c.wmu.Unlock()
		for sent := 0; sent < len(out); {
			n, err := c.pc.WriteBatch(out[sent:], 0)
			if err != nil {
				if c.closed.Load() {
					break
				}
				n = max(n, 1) // skip the datagram that failed
			}
			sent += n
		}
		c.wmu.Lock()
		for i := range out {
			c.spare = append(c.spare, out[i].Buffers[0])
			out[i] = ipv4.Message{}
		}
	}
	c.queue = out[:0]
	c.flushing = false
	c.wmu.Unlock()
}

func (c *batchConn) Close() error {
	c.closed.Store(true)
	return c.UDPConn.Close()
}

func (c *batchConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "udp", Source: c.LocalAddr(), Err: err}
}
