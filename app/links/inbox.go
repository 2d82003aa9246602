package links

import (
	"sync"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// Inbox limits. Messages for us wait here until the Handler takes them,
// one queue per sender, served in turn: a sender that floods fills only
// its own queue and loses only its own excess, and everyone else's
// messages keep their turn.
const (
	// InboxPerSender is the most messages one sender has waiting. A call's
	// setup is a few dozen (offer, candidates); 128 leaves room for
	// bursts.
	InboxPerSender = 128
	// InboxPerSenderBytes is the most bytes one sender has waiting.
	InboxPerSenderBytes = 1 << 20
	// InboxBytes is the most bytes all senders have waiting together;
	// past it the biggest queue gives way (many identities flooding at
	// once).
	InboxBytes = 16 << 20
)

// inbox is the fair queue between the links and the Handler: per-sender
// FIFOs served round-robin. push never blocks (the hub calls it from
// Conn.Send).
type inbox struct {
	mu     sync.Mutex
	queues map[identity.PeerID]*senderQueue
	turn   []identity.PeerID // senders with messages waiting, in serving order
	bytes  int
	ready  chan struct{} // a message is waiting (1-buffered)

	dropped uint64 // messages dropped, all senders
}

type senderQueue struct {
	msgs  []signaling.Envelope
	bytes int
}

func newInbox() *inbox {
	return &inbox{queues: map[identity.PeerID]*senderQueue{}, ready: make(chan struct{}, 1)}
}

// size is what a message counts for in the byte bounds.
func size(env *signaling.Envelope) int { return len(env.Body) + 256 }

// push queues env from env.From. It returns false when the message was
// dropped because that sender has too much waiting.
func (b *inbox) push(env signaling.Envelope) bool {
	n := size(&env)
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queues[env.From]
	if q == nil {
		q = &senderQueue{}
	}
	if len(q.msgs) >= InboxPerSender || q.bytes+n > InboxPerSenderBytes {
		b.dropped++
		return false
	}
	for b.bytes+n > InboxBytes {
		// The biggest queue gives way; if that is the sender's own, this
		// message is what goes.
		big, bigID := q, env.From
		for _, id := range b.turn {
			if o := b.queues[id]; o.bytes > big.bytes {
				big, bigID = o, id
			}
		}
		if big == q {
			b.dropped++
			return false
		}
		last := big.msgs[len(big.msgs)-1]
		big.msgs = big.msgs[:len(big.msgs)-1]
		big.bytes -= size(&last)
		b.bytes -= size(&last)
		b.dropped++
		if len(big.msgs) == 0 {
			b.removeLocked(bigID)
		}
	}
	if len(q.msgs) == 0 {
		b.queues[env.From] = q
		b.turn = append(b.turn, env.From)
	}
	q.msgs = append(q.msgs, env)
	q.bytes += n
	b.bytes += n
	select {
	case b.ready <- struct{}{}:
	default:
	}
	return true
}

// pop takes the next message in turn: the oldest of the sender whose turn
// it is, which then goes to the back of the line.
func (b *inbox) pop() (signaling.Envelope, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.turn) == 0 {
		return signaling.Envelope{}, false
	}
	id := b.turn[0]
	q := b.queues[id]
	env := q.msgs[0]
	q.msgs[0] = signaling.Envelope{}
	q.msgs = q.msgs[1:]
	n := size(&env)
	q.bytes -= n
	b.bytes -= n
	b.turn = b.turn[1:]
	if len(q.msgs) == 0 {
		delete(b.queues, id)
	} else {
		b.turn = append(b.turn, id)
	}
	return env, true
}

// droppedCount returns how many messages were dropped so far.
func (b *inbox) droppedCount() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// removeLocked forgets an emptied queue.
func (b *inbox) removeLocked(id identity.PeerID) {
	delete(b.queues, id)
	for i, t := range b.turn {
		if t == id {
			b.turn = append(b.turn[:i], b.turn[i+1:]...)
			break
		}
	}
}
