package dnd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
)

// Store keeps the switch across restarts (app/store's DoNotDisturb row).
type Store interface {
	DoNotDisturb(ctx context.Context) (store.DoNotDisturb, error)
	PutDoNotDisturb(ctx context.Context, d store.DoNotDisturb) error
}

// Emitter receives dnd:changed.
type Emitter interface {
	Emit(name events.Name, data any)
}

// Config configures a Switch. Store is required.
type Config struct {
	Store Store
	// Events receives dnd:changed. Default: none.
	Events Emitter
	// Logger. Default slog.Default().
	Logger *slog.Logger
	// Now returns the time (tests). Default time.Now.
	Now func() time.Time
}

// Status is do not disturb as the UI and the tray see it.
type Status struct {
	// On: incoming calls are refused now.
	On bool `json:"on"`
	// Until is when it ends by itself; absent when off, and when on until
	// turned off.
	Until *time.Time `json:"until,omitempty"`
}

// EventChanged is the event a Switch emits (data: Status).
const EventChanged = events.DoNotDisturbChanged

// Switch is the do-not-disturb switch. Its methods are safe for
// concurrent use.
type Switch struct {
	cfg Config

	mu     sync.Mutex
	cur    store.DoNotDisturb
	timer  *time.Timer // tells the UI when cur ends by itself
	closed bool
}

// New loads the stored switch and returns it.
func New(ctx context.Context, cfg Config) (*Switch, error) {
	if cfg.Store == nil {
		return nil, errors.New("dnd: Store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cur, err := cfg.Store.DoNotDisturb(ctx)
	if err != nil {
		return nil, fmt.Errorf("dnd: load: %w", err)
	}
	s := &Switch{cfg: cfg}
	s.mu.Lock()
	s.cur = cur
	s.armLocked()
	s.mu.Unlock()
	return s, nil
}

// Available reports whether calls may ring now: do not disturb is off
// or has ended. The call manager asks it for every invite.
func (s *Switch) Available() bool { return !s.Status().On }

// Status returns the switch as of now.
func (s *Switch) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statusLocked(s.cfg.Now())
}

// Set turns do not disturb on for span, from now.
func (s *Switch) Set(ctx context.Context, span Span) (Status, error) {
	until, err := span.Until(s.cfg.Now())
	if err != nil {
		return s.Status(), err
	}
	return s.SetUntil(ctx, until)
}

// SetUntil turns do not disturb on until the given time; the zero time
// means until turned off. A time that has passed is ErrPast.
func (s *Switch) SetUntil(ctx context.Context, until time.Time) (Status, error) {
	if !until.IsZero() && !until.After(s.cfg.Now()) {
		return s.Status(), ErrPast
	}
	return s.put(ctx, store.DoNotDisturb{On: true, Until: until})
}

// Off turns do not disturb off.
func (s *Switch) Off(ctx context.Context) (Status, error) {
	return s.put(ctx, store.DoNotDisturb{})
}

// Close stops the end-of-switch timer; the Switch still answers Status
// and Available, but emits nothing more.
func (s *Switch) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}

// put stores d, makes it current and tells the UI; m.mu is held across
// the write so that memory, disk and events change in one order.
func (s *Switch) put(ctx context.Context, d store.DoNotDisturb) (Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.cfg.Store.PutDoNotDisturb(ctx, d); err != nil {
		return s.statusLocked(s.cfg.Now()), fmt.Errorf("dnd: save: %w", err)
	}
	s.cur = d
	s.armLocked()
	st := s.statusLocked(s.cfg.Now())
	s.cfg.Logger.Info("dnd: switched", "on", st.On, "until", d.Until)
	s.emitLocked(st)
	return st, nil
}

func (s *Switch) statusLocked(now time.Time) Status {
	switch {
	case !s.cur.On:
		return Status{}
	case s.cur.Until.IsZero():
		return Status{On: true}
	case !now.Before(s.cur.Until):
		return Status{} // ended by itself
	}
	until := s.cur.Until
	return Status{On: true, Until: &until}
}

// armLocked sets the timer that tells the UI when the current switch
// ends by itself (none for off or until turned off).
func (s *Switch) armLocked() {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.closed || !s.cur.On || s.cur.Until.IsZero() {
		return
	}
	cur := s.cur
	wait := cur.Until.Sub(s.cfg.Now())
	if wait <= 0 {
		return // ended before we loaded it: nobody needs telling
	}
	s.timer = time.AfterFunc(wait, func() { s.ended(cur) })
}

// ended runs when cur's time is up: if it is still the switch, the UI
// hears that it is off.
func (s *Switch) ended(cur store.DoNotDisturb) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.cur != cur {
		return
	}
	s.timer = nil
	st := s.statusLocked(s.cfg.Now())
	if st.On {
		// The clock is behind the timer (a test clock, or a step back):
		// look again when it says so.
		s.armLocked()
		return
	}
	s.cfg.Logger.Info("dnd: ended by itself")
	s.emitLocked(st)
}

func (s *Switch) emitLocked(st Status) {
	if s.cfg.Events != nil {
		s.cfg.Events.Emit(EventChanged, st)
	}
}
