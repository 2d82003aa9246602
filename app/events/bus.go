package events

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
)

// DefaultQueueSize is how many events may wait for one sink when
// BusConfig.QueueSize is zero.
const DefaultQueueSize = 256

// Sink receives events from a Bus. The Bus calls one sink from one goroutine
// at a time, in emit order; a sink may block, at the cost of its own events.
type Sink interface {
	Emit(name Name, data any)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(name Name, data any)

// Emit calls f(name, data).
func (f SinkFunc) Emit(name Name, data any) { f(name, data) }

// BusConfig configures a Bus. The zero value is ready to use.
type BusConfig struct {
	// QueueSize is how many events may wait for one sink before new events
	// for that sink are dropped. Default DefaultQueueSize.
	QueueSize int
	// Logger receives drop and panic reports. Default slog.Default().
	Logger *slog.Logger
}

// Bus fans events out to sinks without blocking the emitter. It is safe for
// concurrent use. A Bus is itself a Sink, so buses can be chained.
type Bus struct {
	queueSize int
	log       *slog.Logger

	mu     sync.RWMutex
	subs   map[*subscription]struct{}
	closed bool
}

type event struct {
	name Name
	data any
}

// subscription is one sink's queue and delivery goroutine.
type subscription struct {
	sink     Sink
	queue    chan event
	stop     sync.Once
	dropping atomic.Bool   // true from the first drop until a send succeeds
	dropped  atomic.Uint64 // drops since dropping became true
}

// NewBus returns a Bus with no sinks.
func NewBus(cfg BusConfig) *Bus {
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Bus{
		queueSize: cfg.QueueSize,
		log:       cfg.Logger,
		subs:      make(map[*subscription]struct{}),
	}
}

// Subscribe adds a sink; it receives every event emitted from now on.
// The returned function removes it (events already queued are still
// delivered) and may be called more than once. After Close, Subscribe
// does nothing.
func (b *Bus) Subscribe(s Sink) (unsubscribe func()) {
	sub := &subscription{sink: s, queue: make(chan event, b.queueSize)}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return func() {}
	}
	b.subs[sub] = struct{}{}
	go b.deliver(sub)
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if _, ok := b.subs[sub]; ok {
			delete(b.subs, sub)
			sub.close()
		}
	}
}

// Emit queues the event for every sink and returns at once. A sink whose
// queue is full misses the event; the first miss in a row is logged.
func (b *Bus) Emit(name Name, data any) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for sub := range b.subs {
		select {
		case sub.queue <- event{name, data}:
			if sub.dropping.Load() && sub.dropping.CompareAndSwap(true, false) {
				b.log.Warn("events: sink caught up", "sink", sinkName(sub.sink), "dropped", sub.dropped.Swap(0))
			}
		default:
			sub.dropped.Add(1)
			if sub.dropping.CompareAndSwap(false, true) {
				b.log.Warn("events: sink is falling behind, dropping events", "sink", sinkName(sub.sink), "event", string(name))
			}
		}
	}
}

// Close removes every sink. Events already queued are still delivered, by
// goroutines that end once their queues are empty; Close does not wait for
// them. Emit and Subscribe after Close do nothing.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for sub := range b.subs {
		sub.close()
	}
	clear(b.subs)
}

func (s *subscription) close() { s.stop.Do(func() { close(s.queue) }) }

// deliver runs one sink until its queue is closed and drained.
func (b *Bus) deliver(sub *subscription) {
	for ev := range sub.queue {
		b.call(sub.sink, ev)
	}
}

// call hands one event to a sink; a panicking sink is logged, not fatal.
func (b *Bus) call(s Sink, ev event) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("events: sink panicked", "sink", sinkName(s), "event", string(ev.name), "panic", p)
		}
	}()
	s.Emit(ev.name, ev.data)
}

// sinkName is a sink's type for log lines.
func sinkName(s Sink) string { return fmt.Sprintf("%T", s) }
