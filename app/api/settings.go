package api

import (
	"context"

	"github.com/peerline/peerline/app/dnd"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
)

// doNotDisturb is the do-not-disturb switch (dnd.Switch), which emits
// dnd:changed itself: the tray changes it too.
type doNotDisturb interface {
	Status() dnd.Status
	Set(ctx context.Context, span dnd.Span) (dnd.Status, error)
	Off(ctx context.Context) (dnd.Status, error)
}

// Settings is the bound service for preferences, and for do not disturb.
type Settings struct {
	ctx    context.Context
	store  settingsStore
	events Emitter
	dnd    doNotDisturb
}

// NewSettings returns the Settings service.
func NewSettings(ctx context.Context, st settingsStore, ev Emitter, dnd doNotDisturb) *Settings {
	return &Settings{ctx: ctx, store: st, events: ev, dnd: dnd}
}

// Get returns the settings.
func (s *Settings) Get() (store.Settings, error) {
	set, err := s.store.Settings(s.ctx)
	return set, coded(err)
}

// Put validates and saves the settings. Discovery and server changes apply
// at the next start.
func (s *Settings) Put(set store.Settings) (store.Settings, error) {
	saved, err := s.store.PutSettings(s.ctx, set)
	if err != nil {
		return store.Settings{}, coded(err)
	}
	s.events.Emit(events.SettingsChanged, saved)
	return saved, nil
}

// DoNotDisturb returns do not disturb as of now: on, and until when.
func (s *Settings) DoNotDisturb() (dnd.Status, error) {
	return s.dnd.Status(), nil
}

// SetDoNotDisturb turns do not disturb on for span: "hour", "tomorrow"
// (until 08:00 the next morning) or "until_off". Every window hears
// dnd:changed.
func (s *Settings) SetDoNotDisturb(span string) (dnd.Status, error) {
	sp, err := dnd.ParseSpan(span)
	if err != nil {
		return s.dnd.Status(), coded(err)
	}
	st, err := s.dnd.Set(s.ctx, sp)
	return st, coded(err)
}

// EndDoNotDisturb turns do not disturb off.
func (s *Settings) EndDoNotDisturb() (dnd.Status, error) {
	st, err := s.dnd.Off(s.ctx)
	return st, coded(err)
}
