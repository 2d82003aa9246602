package app

import (
	"log/slog"

	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/invite"
)

// InviteEvent is events.InviteOpened's data.
type InviteEvent struct {
	// Link is the invite in canonical form (invite.Link.String).
	Link string `json:"link"`
}

// openInvite is the instance socket's open hook: a later launch was given
// an invite link (a click on peerline://add?…). A valid one goes to the
// UI, which shows Add person filled in from it; nothing is added until
// the person saves. An invalid one is refused (the later launch says so)
// and changes nothing.
func openInvite(bus *events.Bus, link string) error {
	l, err := invite.Parse(link)
	if err != nil {
		return err
	}
	bus.Emit(events.InviteOpened, InviteEvent{Link: l.String()})
	return nil
}

// OpenInvite shows Add person filled in from an invite link the system
// handed this running app directly (macOS opens a URL with an Apple event,
// not a second launch). An invalid link is refused and changes nothing.
func (a *App) OpenInvite(link string) error { return openInvite(a.bus, link) }

// launchLink is what the first window's Ready does when this launch was
// given an invite link: the UI was not there to take it at start. Nil when
// there is none. An invalid link is logged and changes nothing (the
// person clicked it; nobody is waiting on an exit code).
func launchLink(bus *events.Bus, log *slog.Logger, link string) func() {
	if link == "" {
		return nil
	}
	return func() {
		if err := openInvite(bus, link); err != nil {
			log.Warn("peerline: the invite link this launch was given is refused", "err", err)
		}
	}
}
