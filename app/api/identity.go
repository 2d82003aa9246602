package api

import (
	"context"
	"strings"

	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

// settingsStore is the settings part of the store.
type settingsStore interface {
	Settings(ctx context.Context) (store.Settings, error)
	PutSettings(ctx context.Context, set store.Settings) (store.Settings, error)
}

// Identity is the bound service for this install's own identity.
type Identity struct {
	ctx      context.Context
	id       identity.PeerID
	settings settingsStore
	announce func(name string) // discovery's TXT record; nil when discovery is off
	hubPort  int
	version  string
}

// NewIdentity returns the Identity service of the install id, whose hub
// listens on hubPort. announce, if set, re-advertises a new name on the
// LAN.
func NewIdentity(ctx context.Context, id identity.PeerID, settings settingsStore, announce func(string), hubPort int, version string) *Identity {
	return &Identity{ctx: ctx, id: id, settings: settings, announce: announce, hubPort: hubPort, version: version}
}

// Me is who this install is.
type Me struct {
	ID      string `json:"id"`
	Short   string `json:"short"`
	Name    string `json:"name"`
	HubPort int    `json:"hubPort"`
	Version string `json:"version"`
}

// Me returns this install's id and name.
func (s *Identity) Me() (Me, error) {
	set, err := s.settings.Settings(s.ctx)
	if err != nil {
		return Me{}, coded(err)
	}
	return Me{ID: s.id.String(), Short: s.id.Short(), Name: set.DisplayName, HubPort: s.hubPort, Version: s.version}, nil
}

// SetName changes the display name others see.
func (s *Identity) SetName(name string) (Me, error) {
	if strings.TrimSpace(name) == "" {
		return Me{}, errcode.New(errcode.BadInput, "a display name cannot be empty")
	}
	set, err := s.settings.Settings(s.ctx)
	if err != nil {
		return Me{}, coded(err)
	}
	set.DisplayName = name
	if _, err := s.settings.PutSettings(s.ctx, set); err != nil {
		return Me{}, coded(err)
	}
	if s.announce != nil {
		s.announce(strings.TrimSpace(name))
	}
	return s.Me()
}
