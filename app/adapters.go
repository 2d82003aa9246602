package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/netip"
	"strings"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// linkHandler passes what the links carry to the call manager.
type linkHandler App

func (h *linkHandler) Handle(ctx context.Context, env signaling.Envelope) {
	a := (*App)(h)
	if env.Type == signaling.TypeInvite {
		a.checkNewIdentity(ctx, env)
	}
	a.calls.Handle(ctx, env)
}
func (h *linkHandler) HandleError(e *signaling.Error) { (*App)(h).calls.HandleError(e) }
func (h *linkHandler) LinkLost(peer identity.PeerID)  { (*App)(h).calls.LinkLost(peer) }

// checkNewIdentity spots a known contact calling under a new identity: an
// invite from an unknown id whose announced name is a contact's name. The
// contact enters the "identity changed" state (the call is then held by
// the gate) until the user accepts or rejects the new key.
func (a *App) checkNewIdentity(ctx context.Context, env signaling.Envelope) {
	var inv signaling.Invite
	if env.DecodeBody(&inv) != nil || inv.Name == "" || !identity.IDFromKey(inv.Key).Equal(env.From) {
		return
	}
	if _, err := a.store.GetContact(ctx, env.From); err == nil {
		return // a known identity
	}
	contacts, err := a.store.ListContacts(ctx)
	if err != nil {
		return
	}
	for _, c := range contacts {
		if c.Key == nil || c.Blocked || !strings.EqualFold(c.DisplayName(), inv.Name) && !strings.EqualFold(c.AnnouncedName, inv.Name) {
			continue
		}
		if a.wasRejected(c.ID, env.From) {
			return // the user already said this is someone else
		}
		updated, err := a.store.RecordNewIdentity(ctx, c.ID, ed25519.PublicKey(inv.Key))
		if err != nil {
			a.log.Warn("app: record new identity", "contact", c.ID.Short(), "err", err)
			return
		}
		a.log.Warn("app: a contact is calling with a new identity key", "contact", c.ID.Short(), "new", env.From.Short())
		a.bus.Emit(events.IdentityChanged, identityChanged{Contact: contactView(updated, a.presence), NewID: env.From.String(), MatchedBy: "name"})
		return
	}
}

// identityChanged is the data of identity:changed. The match is by the
// name the new identity announced, which anyone can claim: the UI must say
// the claim is unverified and let the user compare ids before accepting.
type identityChanged struct {
	Contact ContactView `json:"contact"`
	NewID   string      `json:"newId"`
	// MatchedBy says what tied the new identity to the contact: "name".
	MatchedBy string `json:"matchedBy"`
}

// gate answers the call manager from the contacts' pinned keys.
type gate App

func (g *gate) Admit(ctx context.Context, peer identity.PeerID, key ed25519.PublicKey) (calls.Admission, error) {
	st, err := (*App)(g).store.Trust(ctx, peer, key)
	if err != nil {
		return calls.RefuseBlocked, err
	}
	switch st {
	case store.TrustPinned:
		return calls.AdmitVerified, nil
	case store.TrustChanged:
		return calls.HoldChanged, nil
	case store.TrustBlocked:
		return calls.RefuseBlocked, nil
	}
	return calls.AdmitUnknown, nil
}

// Pin keeps a peer met for the first time: it becomes a contact with the
// key pinned (trust on first use).
func (g *gate) Pin(ctx context.Context, peer identity.PeerID, key ed25519.PublicKey, name string) error {
	a := (*App)(g)
	c, err := a.store.GetContact(ctx, peer)
	if errors.Is(err, store.ErrNotFound) {
		c, err = a.store.AddContact(ctx, store.Contact{ID: peer, AnnouncedName: a.presence.nameOf(peer, name)})
	}
	if err != nil {
		return err
	}
	if c.Key == nil {
		c, err = a.store.PinKey(ctx, peer, key)
		if err != nil {
			return err
		}
	}
	a.bus.Emit(events.ContactChanged, contactView(c, a.presence))
	return nil
}

// recorder writes finished calls to the history.
type recorder App

func (r *recorder) RecordCall(ctx context.Context, rec calls.Record) error {
	a := (*App)(r)
	c := store.Call{ID: rec.CallID, Peer: rec.Peer, PeerName: a.presence.nameOf(rec.Peer, rec.PeerName),
		StartedAt: rec.StartedAt, EndedAt: rec.EndedAt, Error: rec.Reason}
	c.Direction = store.DirectionOutgoing
	if rec.Direction == calls.DirectionIncoming {
		c.Direction = store.DirectionIncoming
	}
	c.Media = store.MediaAudio
	if rec.Video {
		c.Media = store.MediaVideo
	}
	c.Outcome = storeOutcome(rec.Outcome, c.Direction)
	if c.Outcome == store.OutcomeCompleted || c.Outcome == store.OutcomeFailed {
		c.AnsweredAt = rec.ConnectedAt
	}
	if c.Outcome == store.OutcomeCompleted && c.AnsweredAt.IsZero() {
		c.AnsweredAt = rec.StartedAt
	}
	saved, err := a.store.AddCall(ctx, c)
	if err != nil {
		return err
	}
	a.bus.Emit(events.HistoryChanged, historyEntry(saved))
	return nil
}

func storeOutcome(o calls.Outcome, d store.Direction) store.Outcome {
	switch o {
	case calls.OutcomeCompleted:
		return store.OutcomeCompleted
	case calls.OutcomeMissed:
		return store.OutcomeMissed
	case calls.OutcomeDeclined:
		return store.OutcomeDeclined
	case calls.OutcomeBusy:
		return store.OutcomeBusy
	case calls.OutcomeCancelled:
		if d == store.DirectionIncoming {
			return store.OutcomeMissed
		}
		return store.OutcomeCancelled
	case calls.OutcomeNoAnswer:
		if d == store.DirectionIncoming {
			return store.OutcomeMissed
		}
		return store.OutcomeNoAnswer
	case calls.OutcomeUnavailable:
		if d == store.DirectionIncoming {
			return store.OutcomeMissed // a held or refused incoming call
		}
		return store.OutcomeUnavailable
	}
	return store.OutcomeFailed
}

// resolver tells the links where peers are: LAN addresses from discovery
// and from contacts added by address; servers from contacts.
type resolver App

func (r *resolver) LANAddrs(peer identity.PeerID) []string {
	a := (*App)(r)
	var out []string
	if a.disc != nil {
		for _, p := range a.disc.Peers() {
			if p.ID == peer {
				for _, ap := range p.Addrs {
					out = append(out, hostPort(ap))
				}
			}
		}
	}
	if c, err := a.store.GetContact(a.ctx, peer); err == nil && c.LANAddr != "" {
		out = append(out, c.LANAddr)
	}
	return out
}

func (r *resolver) ServerFor(peer identity.PeerID) string {
	a := (*App)(r)
	if c, err := a.store.GetContact(a.ctx, peer); err == nil && c.SignalURL != "" {
		return c.SignalURL
	}
	return a.presence.serverOf(peer)
}

func hostPort(ap netip.AddrPort) string { return ap.String() }

// serverPeers lists the contacts to watch on server url.
func (a *App) serverPeers(url string) []identity.PeerID {
	contacts, err := a.store.ListContacts(a.ctx)
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
