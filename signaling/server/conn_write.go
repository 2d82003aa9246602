package server

// The write side of a conn: its queue of outgoing frames and who writes
// them. Frames are written by the read loop that relayed them, inline at
// the end of its read batch (kick), or by a writer goroutine that exists
// only while frames wait (writeLoop); whoever writes holds the writer
// role (conn.writing), and each batch goes out in one write system call.

import (
	"runtime"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/hub"
)

// outItem is one queued write: a text frame, or the final close frame.
type outItem struct {
	frame     []byte
	pooled    *[]byte // frame's buffer when it goes back to hub.PutFrame
	close     bool    // the close frame: closeCode and closeText
	closeCode int
	closeText string
}

// size is at most what the item adds to a write batch.
func (it *outItem) size() int { return len(it.frame) + maxFrameHeader }

// queuedFrameOverhead is what a queued frame costs beyond its bytes: its
// queue entry and its header on the wire.
const queuedFrameOverhead = 64

// charge is what the item counts against the send queue's byte budget
// (Config.SendQueueBytes) until it is written; the close item counts
// nothing.
func (it *outItem) charge() int {
	if it.close {
		return 0
	}
	return len(it.frame) + queuedFrameOverhead
}

// charged sums the charge of a batch's items.
func charged(batch []outItem) int {
	n := 0
	for i := range batch {
		n += batch[i].charge()
	}
	return n
}

// enqueue adds an item for the writer and starts one if none runs.
// final marks the close item: nothing is accepted after it.
func (c *conn) enqueue(it outItem, final bool) bool {
	return c.enqueueLater(it, final, false)
}

// enqueueLater is enqueue; later leaves starting the writer to the caller
// (the read loop batching its relays, see touch). A queue over its byte
// budget (Config.SendQueueBytes) means the client does not read: it is
// dropped as a slow consumer. The close item is always accepted.
func (c *conn) enqueueLater(it outItem, final, later bool) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	n := it.charge()
	if budget := c.srv.cfg.SendQueueBytes; !final && c.queued+n > budget {
		c.closed = true
		queued := c.queued
		c.mu.Unlock()
		c.srv.metrics.errors.WithLabelValues(signaling.CodeSlowConsumer.String()).Inc()
		c.srv.cfg.Logger.Info("signal: slow consumer dropped", "peer", c.peer.Short(), "ip", c.ip, "queued_bytes", queued)
		// The client is not reading, so a polite close could wait forever:
		// cut the TCP connection; the read loop then ends.
		c.ws.NetConn().Close()
		return false
	}
	c.queue = append(c.queue, it)
	c.queued += n
	if final {
		c.closed = true
	}
	// A deferred queue that fills up is not left for the end of the read
	// batch, so deferring never makes a reader look slow.
	if (!later || 2*c.queued >= c.srv.cfg.SendQueueBytes) && !c.writing && !c.held {
		c.writing = true
		go c.writeLoop(nil)
	}
	c.mu.Unlock()
	return true
}

// hold queues frames without writing them until release. The handshake
// holds the welcome until the hub has the connection, so a client that
// has its welcome is always reachable and counted online.
func (c *conn) hold() {
	c.mu.Lock()
	c.held = true
	c.mu.Unlock()
}

func (c *conn) release() {
	c.mu.Lock()
	c.held = false
	if !c.writing && len(c.queue) > 0 {
		c.writing = true
		go c.writeLoop(nil)
	}
	c.mu.Unlock()
}

// takeLocked moves the first queued items into a batch: as many as fit in
// maxBatch (at least one). dataOnly stops before the close item, which
// only the writer goroutine sends (gorilla writes it, and may block).
// spare is an empty slice to reuse. The caller holds c.mu and the writer
// role.
func (c *conn) takeLocked(spare []outItem, dataOnly bool) []outItem {
	n, size := 0, 0
	for n < len(c.queue) {
		it := &c.queue[n]
		if dataOnly && it.close {
			break
		}
		if size += it.size(); n > 0 && size > maxBatch {
			break
		}
		n++
	}
	var batch []outItem
	if n == len(c.queue) {
		batch, c.queue = c.queue, spare[:0]
	} else {
		batch = append(spare[:0], c.queue[:n]...)
		rest := copy(c.queue, c.queue[n:])
		clear(c.queue[rest:])
		c.queue = c.queue[:rest]
	}
	return batch
}

// maxSpare is the largest batch slice kept for reuse (a queue of small
// frames can hold thousands of items).
const maxSpare = 64

// recycle clears a written batch and returns it for reuse as a spare.
func recycle(batch []outItem) []outItem {
	clear(batch)
	if cap(batch) > maxSpare {
		return nil
	}
	return batch[:0]
}

// putFrames gives the pooled frames of a written batch back.
func putFrames(batch []outItem) {
	for i := range batch {
		if bp := batch[i].pooled; bp != nil {
			hub.PutFrame(bp)
		}
	}
}

// kick writes c's queued frames unless a writer is at it: inline, on the
// caller's goroutine (the read loop of a sender, at the end of its read
// batch), without blocking. What the socket does not take at once goes
// to a writer goroutine. Writing inline saves starting and scheduling a
// goroutine per batch, a large part of a relay's cost
// (docs/performance.md). spare is the caller's empty batch slice; kick
// returns one to keep.
func (c *conn) kick(spare []outItem) []outItem {
	c.mu.Lock()
	if c.writing || c.held || len(c.queue) == 0 {
		c.mu.Unlock()
		return spare
	}
	c.writing = true
	batch := c.takeLocked(spare, true)
	more := len(c.queue) > 0
	c.mu.Unlock()
	if len(batch) == 0 { // the close item leads
		go c.writeLoop(nil)
		return batch
	}
	n := charged(batch)
	state, err := c.bc.tryWrite(batch)
	switch {
	case err != nil:
		putFrames(batch)
		c.writeFailed(true)
	case state == writeBusy:
		go c.writeLoop(batch) // it owns batch now
		return nil
	case state == writePending || more:
		putFrames(batch)
		c.mu.Lock()
		if state == writePending {
			c.unflushed = n // still charged, until the writer flushes it
		} else {
			c.queued -= n
		}
		c.mu.Unlock()
		go c.writeLoop(nil)
	default:
		putFrames(batch)
		c.mu.Lock()
		c.queued -= n
		if len(c.queue) > 0 { // queued meanwhile, and left to us
			c.mu.Unlock()
			go c.writeLoop(nil)
			break
		}
		c.writing = false
		c.idle.Broadcast()
		c.mu.Unlock()
	}
	return recycle(batch)
}

// writeLoop holds the writer role until the queue is empty: it writes
// batch (when not nil, the items a kick could not write), then what the
// queue holds, each batch with one write system call, and exits.
func (c *conn) writeLoop(batch []outItem) {
	yielded := false
	for {
		n := charged(batch)
		// An empty batch still flushes what a kick left pending.
		if err := c.writeBatch(batch); err != nil {
			c.writeFailed(false)
			return
		}
		spare := recycle(batch)
		c.mu.Lock()
		c.queued -= n + c.unflushed
		c.unflushed = 0
		for len(c.queue) == 0 {
			if yielded {
				c.writing = false
				c.idle.Broadcast()
				c.mu.Unlock()
				return
			}
			// Let the other goroutines run once before exiting: under
			// load they queue more, which then goes out in the same
			// write instead of with a new writer goroutine.
			c.mu.Unlock()
			yielded = true
			runtime.Gosched()
			c.mu.Lock()
		}
		yielded = false
		batch = c.takeLocked(spare, false)
		c.mu.Unlock()
	}
}

// writeBatch sends batch with one write, blocking up to the write timeout.
func (c *conn) writeBatch(batch []outItem) error {
	if len(batch) == 0 && !c.bc.pending() {
		return nil
	}
	c.bc.begin()
	for i := range batch {
		it := &batch[i]
		if !it.close {
			c.bc.appendFrame(it.frame)
			if it.pooled != nil {
				hub.PutFrame(it.pooled)
				it.pooled = nil
			}
			continue
		}
		err := c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(it.closeCode, it.closeText), time.Now().Add(c.srv.cfg.WriteTimeout))
		// Let the read loop wait briefly for the client's reply;
		// nothing extends this deadline afterwards (extendRead).
		c.mu.Lock()
		c.closeSent = true
		c.ws.NetConn().SetReadDeadline(time.Now().Add(closeGrace))
		c.mu.Unlock()
		if err != nil {
			putFrames(batch[i+1:])
			c.bc.flush()
			return err
		}
	}
	c.bc.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout))
	return c.bc.flush()
}

// writeFailed ends the connection after a failed write; the holder of the
// writer role calls it. async closes the socket on another goroutine, so
// that a kick does not hold up the read loop that runs it (closing waits
// for the socket's I/O in progress to end).
func (c *conn) writeFailed(async bool) {
	c.mu.Lock()
	c.closed = true
	for i := range c.queue {
		if bp := c.queue[i].pooled; bp != nil {
			hub.PutFrame(bp)
		}
	}
	c.queue = nil
	c.queued, c.unflushed = 0, 0
	c.writing = false
	c.idle.Broadcast()
	c.mu.Unlock()
	if async {
		go c.ws.NetConn().Close()
		return
	}
	c.ws.NetConn().Close() // unblocks the read loop
}
