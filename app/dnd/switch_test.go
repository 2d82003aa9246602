package dnd

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
)

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recorder collects dnd:changed events.
type recorder chan Status

func (r recorder) Emit(name events.Name, data any) {
	if name == EventChanged {
		r <- data.(Status)
	}
}

func openStore(t *testing.T, path string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func newSwitch(t *testing.T, st Store, now func() time.Time, ev Emitter) *Switch {
	t.Helper()
	s, err := New(context.Background(), Config{Store: st, Now: now, Events: ev})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestSwitch(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 12, 3, 14, 30, 0, 0, time.UTC)
	tests := []struct {
		name   string
		span   Span
		after  time.Duration // how long later we look
		on     bool
		until  time.Time // when on with an end
		reopen bool      // look through a new Switch on the same database
	}{
		{"off by default", SpanUnknown, 0, false, time.Time{}, false},
		{"an hour, just set", SpanHour, 0, true, start.Add(time.Hour), false},
		{"an hour, 59 minutes on", SpanHour, 59 * time.Minute, true, start.Add(time.Hour), false},
		{"an hour, an hour on", SpanHour, time.Hour, false, time.Time{}, false},
		{"an hour, after a restart", SpanHour, 30 * time.Minute, true, start.Add(time.Hour), true},
		{"an hour, ended while not running", SpanHour, 2 * time.Hour, false, time.Time{}, true},
		{"tomorrow, tonight", SpanTomorrow, 8 * time.Hour, true, time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC), false},
		{"tomorrow, next morning", SpanTomorrow, 18 * time.Hour, false, time.Time{}, false},
		{"until off, a year on", SpanForever, 365 * 24 * time.Hour, true, time.Time{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "peerline.db")
			clk := &clock{now: start}
			s := newSwitch(t, openStore(t, path), clk.Now, nil)
			if tc.span != SpanUnknown {
				if _, err := s.Set(ctx, tc.span); err != nil {
					t.Fatal(err)
				}
			}
			clk.Add(tc.after)
			if tc.reopen {
				s.Close()
				s = newSwitch(t, openStore(t, path), clk.Now, nil)
			}
			st := s.Status()
			if st.On != tc.on || s.Available() == tc.on {
				t.Fatalf("Status() = %+v, Available() = %v; want on=%v", st, s.Available(), tc.on)
			}
			switch {
			case tc.until.IsZero() && st.Until != nil:
				t.Fatalf("Until = %s, want none", st.Until)
			case !tc.until.IsZero() && (st.Until == nil || !st.Until.Equal(tc.until)):
				t.Fatalf("Until = %v, want %s", st.Until, tc.until)
			}
		})
	}
}

func TestSwitchOffAndEvents(t *testing.T) {
	ctx := context.Background()
	ev := make(recorder, 4)
	s := newSwitch(t, openStore(t, filepath.Join(t.TempDir(), "peerline.db")), nil, ev)
	if st, err := s.Set(ctx, SpanForever); err != nil || !st.On {
		t.Fatalf("Set = %+v, %v", st, err)
	}
	if st := <-ev; !st.On || st.Until != nil {
		t.Fatalf("event %+v, want on until turned off", st)
	}
	if st, err := s.Off(ctx); err != nil || st.On {
		t.Fatalf("Off = %+v, %v", st, err)
	}
	if st := <-ev; st.On {
		t.Fatalf("event %+v, want off", st)
	}
	if _, err := s.SetUntil(ctx, time.Now().Add(-time.Second)); !errors.Is(err, ErrPast) {
		t.Fatalf("SetUntil(the past) = %v, want ErrPast", err)
	}
	if _, err := s.Set(ctx, SpanUnknown); !errors.Is(err, ErrBadSpan) {
		t.Fatalf("Set(unknown) = %v, want ErrBadSpan", err)
	}
	if !s.Available() {
		t.Fatal("refused changes turned it on")
	}
}

// When its time is up the switch is off, and the UI hears so without
// asking (the real clock and timer: a short span).
func TestSwitchEndsByItself(t *testing.T) {
	ctx := context.Background()
	ev := make(recorder, 4)
	s := newSwitch(t, openStore(t, filepath.Join(t.TempDir(), "peerline.db")), nil, ev)
	until := time.Now().Add(100 * time.Millisecond)
	if _, err := s.SetUntil(ctx, until); err != nil {
		t.Fatal(err)
	}
	if st := <-ev; !st.On || st.Until == nil || !st.Until.Equal(until) {
		t.Fatalf("event %+v, want on until %s", st, until)
	}
	select {
	case st := <-ev:
		if st.On {
			t.Fatalf("end event %+v, want off", st)
		}
		if time.Now().Before(until) {
			t.Fatal("ended early")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no event when it ended")
	}
	if !s.Available() {
		t.Fatal("still on after its end")
	}
}

// A switch replaced before its end does not announce the old end.
func TestSwitchReplacedBeforeItsEnd(t *testing.T) {
	ctx := context.Background()
	ev := make(recorder, 4)
	s := newSwitch(t, openStore(t, filepath.Join(t.TempDir(), "peerline.db")), nil, ev)
	if _, err := s.SetUntil(ctx, time.Now().Add(50*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(ctx, SpanForever); err != nil {
		t.Fatal(err)
	}
	<-ev
	<-ev
	// Wait past the first end through a second, later switch's end event.
	later := time.Now().Add(150 * time.Millisecond)
	if _, err := s.SetUntil(ctx, later); err != nil {
		t.Fatal(err)
	}
	<-ev
	select {
	case st := <-ev:
		if st.On || time.Now().Before(later) {
			t.Fatalf("event %+v at %s: only the last switch's end, at %s, should be announced", st, time.Now(), later)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no end event")
	}
}
