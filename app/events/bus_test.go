package events

import (
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/logbuf"
)

// recorder is a sink that sends what it gets on a channel.
type recorder chan event

func (r recorder) Emit(name Name, data any) { r <- event{name, data} }

func receive(t *testing.T, r recorder) event {
	t.Helper()
	select {
	case ev := <-r:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
		return event{}
	}
}

func quiet(t *testing.T, r recorder) {
	t.Helper()
	select {
	case ev := <-r:
		t.Fatalf("unexpected event %v", ev)
	case <-time.After(50 * time.Millisecond):
	}
}

// syncBuffer collects log output written from several goroutines.
type syncBuffer = logbuf.Buffer

func testBus(t *testing.T, queue int) (*Bus, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	b := NewBus(BusConfig{QueueSize: queue, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	t.Cleanup(b.Close)
	return b, logs
}

func TestBusFansOutInOrder(t *testing.T) {
	b, _ := testBus(t, 0)
	r1, r2 := make(recorder, 100), make(recorder, 100)
	b.Subscribe(r1)
	b.Subscribe(r2)
	for i := range 50 {
		b.Emit(CallState, i)
	}
	for _, r := range []recorder{r1, r2} {
		for i := range 50 {
			ev := receive(t, r)
			if ev.name != CallState || ev.data != i {
				t.Fatalf("event %d = %v %v, want %v %d", i, ev.name, ev.data, CallState, i)
			}
		}
	}
}

func TestBusSlowSinkNeverBlocksEmit(t *testing.T) {
	b, logs := testBus(t, 4)
	release := make(chan struct{})
	slow := make(recorder, 100)
	b.Subscribe(SinkFunc(func(n Name, d any) {
		<-release
		slow.Emit(n, d)
	}))
	fast := make(recorder, 100)
	b.Subscribe(fast)

	done := make(chan struct{})
	go func() {
		for i := range 20 {
			b.Emit(PeerOnline, i)
			select { // the fast sink keeps up with every event
			case <-fast:
			case <-time.After(5 * time.Second):
				t.Error("fast sink starved")
				return
			}
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Emit blocked behind a stuck sink")
	}
	if !strings.Contains(logs.String(), "dropping events") {
		t.Errorf("drop not logged; logs:\n%s", logs)
	}

	// The slow sink gets what fit in its queue (plus the one it was
	// holding), oldest first, and nothing after. Which ones fit depends on
	// when its goroutine took the first off the queue (before the next
	// Emit, or only once the queue was full): 0-4, or 0-3 then a later
	// one, always in order.
	close(release)
	first := receive(t, slow)
	if first.data != 0 {
		t.Fatalf("slow sink's first event = %v, want 0", first.data)
	}
	got, last := 1, 0
	for ; ; got++ {
		select {
		case ev := <-slow:
			if ev.data.(int) <= last {
				t.Fatalf("slow sink event %d = %v after %d: out of order", got, ev.data, last)
			}
			last = ev.data.(int)
			continue
		case <-time.After(100 * time.Millisecond):
		}
		break
	}
	if got < 4 || got > 5 {
		t.Errorf("slow sink got %d events, want 4 or 5 (queue 4, one in hand)", got)
	}

	// Once it keeps up again, it gets new events and the recovery is logged.
	b.Emit(PeerOffline, "x")
	if ev := receive(t, slow); ev.name != PeerOffline {
		t.Errorf("after recovery got %v", ev.name)
	}
	if !strings.Contains(logs.String(), "caught up") {
		t.Errorf("recovery not logged; logs:\n%s", logs)
	}
}

func TestBusPanickingSinkIsContained(t *testing.T) {
	b, logs := testBus(t, 0)
	b.Subscribe(SinkFunc(func(Name, any) { panic("boom") }))
	r := make(recorder, 10)
	b.Subscribe(r)
	b.Emit(ContactChanged, 1)
	b.Emit(ContactChanged, 2)
	receive(t, r)
	receive(t, r)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "sink panicked") {
		if time.Now().After(deadline) {
			t.Fatalf("panic not logged; logs:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBusUnsubscribe(t *testing.T) {
	b, _ := testBus(t, 0)
	r := make(recorder, 10)
	unsubscribe := b.Subscribe(r)
	b.Emit(HistoryChanged, 1)
	receive(t, r)
	unsubscribe()
	unsubscribe() // twice is fine
	b.Emit(HistoryChanged, 2)
	quiet(t, r)
}

func TestBusClose(t *testing.T) {
	b, _ := testBus(t, 0)
	r := make(recorder, 10)
	b.Subscribe(r)
	b.Close()
	b.Emit(SettingsChanged, 1)
	late := make(recorder, 10)
	b.Subscribe(late)()
	b.Emit(SettingsChanged, 2)
	quiet(t, r)
	quiet(t, late)
	b.Close() // twice is fine
}

func TestBusIsASink(t *testing.T) {
	inner, _ := testBus(t, 0)
	r := make(recorder, 1)
	inner.Subscribe(r)
	outer, _ := testBus(t, 0)
	outer.Subscribe(inner)
	outer.Emit(DiscoveryStatus, "up")
	if ev := receive(t, r); ev.name != DiscoveryStatus || ev.data != "up" {
		t.Errorf("got %v", ev)
	}
}

func TestBusConcurrentUse(t *testing.T) {
	b, _ := testBus(t, 1024)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			r := make(recorder, 1024)
			unsubscribe := b.Subscribe(r)
			for j := range 50 {
				b.Emit(PeerOnline, i*100+j)
			}
			unsubscribe()
		})
	}
	wg.Wait()
}

func TestNames(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$`)
	seen := map[Name]bool{}
	for _, n := range Names() {
		if !valid.MatchString(n.String()) {
			t.Errorf("%q is not noun:verb", n)
		}
		if seen[n] {
			t.Errorf("%q listed twice", n)
		}
		seen[n] = true
	}
}
