// Package servers keeps the app linked to every signaling server in use,
// watching the contacts each one should report on: the servers named by
// --signal-url, those in settings, and each server a contact was added
// with (a contact's server is one its person uses, so the app stays linked
// to it across restarts; issue 12: it used to dial only settings and
// flags).
//
// It reads the servers and contacts from its Source (the store) and tells
// its Linker (links.Router) what to dial; it holds no state of its own, so
// it is always in step with the store.
package servers

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// Linker keeps links to signaling servers (links.Router).
type Linker interface {
	AddServer(url, token string, peers []identity.PeerID) error
	SubscribeServer(ctx context.Context, url string, peers []identity.PeerID) error
	RemoveServer(url string)
}

// Source has the settings and the contacts (store.Store).
type Source interface {
	Settings(ctx context.Context) (store.Settings, error)
	ListContacts(ctx context.Context) ([]store.Contact, error)
}

// Config configures a Set. Linker and Source are required.
type Config struct {
	Linker Linker
	Source Source
	// Extra are servers to use besides the settings' (--signal-url).
	Extra []string
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

// resubscribeTimeout bounds a resubscription.
const resubscribeTimeout = 10 * time.Second

// Set is the servers in use (api.ServerLinks). Its methods read the store
// each time; ctx (the app's) bounds those reads.
type Set struct {
	ctx context.Context
	cfg Config
	log *slog.Logger
}

// New returns the set of servers in use; nothing is dialled until Start.
func New(ctx context.Context, cfg Config) *Set {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Set{ctx: ctx, cfg: cfg, log: log}
}

// Add links to server url, watching the contacts it should report on (a
// no-op when linked already). A refusal is logged: the server stays in
// settings and its status shows why.
func (s *Set) Add(url, token string) {
	if err := s.cfg.Linker.AddServer(url, token, s.peers(url)); err != nil {
		s.log.Warn("servers: link", "url", url, "err", err)
	}
}

// Resubscribe tells server url the contacts to watch now.
func (s *Set) Resubscribe(ctx context.Context, url string) {
	ctx, cancel := context.WithTimeout(ctx, resubscribeTimeout)
	defer cancel()
	if err := s.cfg.Linker.SubscribeServer(ctx, url, s.peers(url)); err != nil {
		s.log.Debug("servers: resubscribe", "url", url, "err", err)
	}
}

// URLs lists every server in use, once each: Config.Extra's first, then
// the settings', then the contacts'.
func (s *Set) URLs() []string {
	var urls []string
	for _, srv := range s.all() {
		urls = append(urls, srv.url)
	}
	return urls
}

// Start links to every server in use.
func (s *Set) Start() {
	for _, srv := range s.all() {
		s.Add(srv.url, srv.token)
	}
}

// Prune ends the link to url when nothing names it any more (its last
// contact was deleted), and otherwise tells it the contacts left to watch.
func (s *Set) Prune(ctx context.Context, url string) {
	if url == "" {
		return
	}
	if slices.Contains(s.URLs(), url) {
		s.Resubscribe(ctx, url)
		return
	}
	s.cfg.Linker.RemoveServer(url)
}

type use struct{ url, token string }

// all is the servers in use with their tokens. A store that cannot be
// read gives fewer servers, never an error: the next change retries.
func (s *Set) all() []use {
	var out []use
	seen := map[string]bool{}
	add := func(url, token string) {
		if url != "" && !seen[url] {
			seen[url] = true
			out = append(out, use{url, token})
		}
	}
	for _, u := range s.cfg.Extra {
		add(u, "")
	}
	if set, err := s.cfg.Source.Settings(s.ctx); err == nil {
		for _, srv := range set.SignalingServers {
			add(srv.URL, string(srv.Token))
		}
	} else {
		s.log.Warn("servers: settings", "err", err)
	}
	if contacts, err := s.cfg.Source.ListContacts(s.ctx); err == nil {
		for _, c := range contacts {
			if !c.Blocked {
				add(c.SignalURL, "")
			}
		}
	} else {
		s.log.Warn("servers: contacts", "err", err)
	}
	return out
}

// peers lists the contacts server url should report on: those added with
// it and those added with no server, blocked ones left out, at most
// signaling.MaxSubscribe.
func (s *Set) peers(url string) []identity.PeerID {
	contacts, err := s.cfg.Source.ListContacts(s.ctx)
	if err != nil {
		s.log.Warn("servers: contacts", "err", err)
		return nil
	}
	var out []identity.PeerID
	for _, c := range contacts {
		if !c.Blocked && (c.SignalURL == "" || c.SignalURL == url) && len(out) < signaling.MaxSubscribe {
			out = append(out, c.ID)
		}
	}
	return out
}
