package api

import (
	"context"

	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
)

// Settings is the bound service for preferences.
type Settings struct {
	ctx    context.Context
	store  settingsStore
	events Emitter
}

// NewSettings returns the Settings service.
func NewSettings(ctx context.Context, st settingsStore, ev Emitter) *Settings {
	return &Settings{ctx: ctx, store: st, events: ev}
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
