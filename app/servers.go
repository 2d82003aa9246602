package app

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/links"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// The glue where two parts meet and neither should know the other.

// linkHandler passes what the links carry to the call manager.
type linkHandler struct {
	calls *calls.Manager
}

func (h *linkHandler) Handle(ctx context.Context, env signaling.Envelope) { h.calls.Handle(ctx, env) }
func (h *linkHandler) HandleError(e *signaling.Error)                     { h.calls.HandleError(e) }
func (h *linkHandler) LinkLost(peer identity.PeerID)                      { h.calls.LinkLost(peer) }

// serverLinks keeps the router's signaling server links watching the
// contacts (api.ServerLinks): the router knows links, the store knows
// contacts.
type serverLinks struct {
	ctx    context.Context
	log    *slog.Logger
	router *links.Router
	store  *store.Store
	extra  []string // Options.SignalURLs
}

// callTimeout bounds a resubscription.
const callTimeout = 10 * time.Second

func (s *serverLinks) Add(url, token string) {
	if err := s.router.AddServer(url, token, s.peers(url)); err != nil {
		s.log.Warn("app: signaling server", "url", url, "err", err)
	}
}

func (s *serverLinks) Resubscribe(ctx context.Context, url string) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	if err := s.router.SubscribeServer(ctx, url, s.peers(url)); err != nil {
		s.log.Debug("app: resubscribe", "url", url, "err", err)
	}
}

// URLs lists every server in use: --signal-url's, the settings', and
// each server a contact was added with, once each.
func (s *serverLinks) URLs() []string {
	var urls []string
	for _, srv := range s.all() {
		urls = append(urls, srv.url)
	}
	return urls
}

// Start links to every server in use.
func (s *serverLinks) Start() {
	for _, srv := range s.all() {
		s.Add(srv.url, srv.token)
	}
}

// Prune ends the link to url when nothing names it any more (its last
// contact was deleted), and otherwise tells it the contacts left to watch.
func (s *serverLinks) Prune(ctx context.Context, url string) {
	if url == "" {
		return
	}
	if slices.Contains(s.URLs(), url) {
		s.Resubscribe(ctx, url)
		return
	}
	s.router.RemoveServer(url)
}

type serverUse struct{ url, token string }

// all is the servers in use with their tokens, the flag's first: a
// contact's server is one its person uses, so the app must stay linked to
// it across restarts (issue 12: it used to dial only settings and flags).
func (s *serverLinks) all() []serverUse {
	var out []serverUse
	seen := map[string]bool{}
	add := func(url, token string) {
		if url != "" && !seen[url] {
			seen[url] = true
			out = append(out, serverUse{url, token})
		}
	}
	for _, u := range s.extra {
		add(u, "")
	}
	if set, err := s.store.Settings(s.ctx); err == nil {
		for _, srv := range set.SignalingServers {
			add(srv.URL, string(srv.Token))
		}
	}
	if contacts, err := s.store.ListContacts(s.ctx); err == nil {
		for _, c := range contacts {
			if !c.Blocked {
				add(c.SignalURL, "")
			}
		}
	}
	return out
}

// peers lists the contacts to watch on server url.
func (s *serverLinks) peers(url string) []identity.PeerID {
	contacts, err := s.store.ListContacts(s.ctx)
	if err != nil {
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
