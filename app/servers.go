package app

import (
	"context"
	"log/slog"
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

func (s *serverLinks) URLs() []string {
	set, _ := s.store.Settings(s.ctx)
	urls := append([]string(nil), s.extra...)
	for _, srv := range set.SignalingServers {
		urls = append(urls, srv.URL)
	}
	return urls
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
