package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/discovery"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// callTimeout bounds one bound-method call that touches the network.
const callTimeout = 10 * time.Second

func parsePeer(s string) (identity.PeerID, error) {
	id, err := identity.Parse(s)
	if err != nil {
		return id, fmt.Errorf("not a peer id: %w", err)
	}
	return id, nil
}

func idOfKey(key []byte) string { return identity.IDFromKey(key).String() }

// Identity is the bound service for this install's own identity.
type Identity struct {
	a       *App
	hubPort int
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
	set, err := s.a.store.Settings(s.a.ctx)
	if err != nil {
		return Me{}, err
	}
	id := s.a.key.ID()
	return Me{ID: id.String(), Short: id.Short(), Name: set.DisplayName, HubPort: s.hubPort, Version: version}, nil
}

// SetName changes the display name others see.
func (s *Identity) SetName(name string) (Me, error) {
	if strings.TrimSpace(name) == "" {
		return Me{}, errors.New("a display name cannot be empty")
	}
	set, err := s.a.store.Settings(s.a.ctx)
	if err != nil {
		return Me{}, err
	}
	set.DisplayName = name
	if _, err := s.a.store.PutSettings(s.a.ctx, set); err != nil {
		return Me{}, err
	}
	if s.a.disc != nil {
		s.a.disc.SetName(strings.TrimSpace(name))
	}
	return s.Me()
}

// Peers is the bound service for the people list.
type Peers struct{ a *App }

// List returns contacts and LAN peers with presence: favorites first, then
// online, then by name.
func (s *Peers) List() ([]PeerView, error) {
	contacts, err := s.a.store.ListContacts(s.a.ctx)
	if err != nil {
		return nil, err
	}
	byID := map[identity.PeerID]*PeerView{}
	var out []*PeerView
	for _, c := range contacts {
		online, lan := s.a.presence.online(c.ID)
		v := &PeerView{ID: c.ID.String(), Name: c.DisplayName(), Online: online, LAN: lan, Contact: true,
			Favorite: c.Favorite, Blocked: c.Blocked, Verified: c.Key != nil, KeyChanged: c.KeyChanged()}
		byID[c.ID] = v
		out = append(out, v)
	}
	for _, p := range s.a.presence.lanPeers() {
		if p.ID.IsZero() || p.ID == s.a.key.ID() {
			continue
		}
		if v, ok := byID[p.ID]; ok {
			if v.Name == "" {
				v.Name = p.Name
			}
			continue
		}
		if !p.Online {
			continue // strangers are listed only while they are around
		}
		v := &PeerView{ID: p.ID.String(), Name: p.Name, Online: true, LAN: true}
		byID[p.ID] = v
		out = append(out, v)
	}
	sort.SliceStable(out, func(i, j int) bool {
		x, y := out[i], out[j]
		if x.Favorite != y.Favorite {
			return x.Favorite
		}
		if x.Online != y.Online {
			return x.Online
		}
		return strings.ToLower(x.Name) < strings.ToLower(y.Name)
	})
	res := make([]PeerView, len(out))
	for i, v := range out {
		res[i] = *v
	}
	return res, nil
}

func (s *Peers) view(id identity.PeerID) (PeerView, bool) {
	list, err := s.List()
	if err != nil {
		return PeerView{}, false
	}
	for _, v := range list {
		if v.ID == id.String() {
			return v, true
		}
	}
	return PeerView{}, false
}

// Diagnosis says why the people list may be empty.
type Diagnosis struct {
	// LAN is discovery's own diagnosis; nil when discovery is off.
	LAN *discovery.Diagnosis `json:"lan"`
	// Servers is each signaling server's link state.
	Servers map[string]serverState `json:"servers"`
}

// Diagnose reports on LAN discovery and server links.
func (s *Peers) Diagnose() (Diagnosis, error) { return s.diagnosis(), nil }

func (s *Peers) diagnosis() Diagnosis {
	d := Diagnosis{Servers: s.a.presence.serverStates()}
	if s.a.disc != nil {
		diag := s.a.disc.Diagnose()
		d.LAN = &diag
	}
	return d
}

// Contacts is the bound service for the address book.
type Contacts struct{ a *App }

// ContactInput adds a contact by hand.
type ContactInput struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Server  string `json:"server"`
	Address string `json:"address"`
}

// List returns every contact.
func (s *Contacts) List() ([]ContactView, error) {
	cs, err := s.a.store.ListContacts(s.a.ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ContactView, len(cs))
	for i, c := range cs {
		out[i] = contactView(c, s.a.presence)
	}
	return out, nil
}

// Add adds a contact by peer id, with a signaling server URL or a LAN
// address (host:port) for networks without multicast.
func (s *Contacts) Add(in ContactInput) (ContactView, error) {
	id, err := parsePeer(in.ID)
	if err != nil {
		return ContactView{}, err
	}
	if id == s.a.key.ID() {
		return ContactView{}, errors.New("that is your own id")
	}
	c, err := s.a.store.AddContact(s.a.ctx, store.Contact{ID: id, Name: in.Name, SignalURL: in.Server, LANAddr: in.Address})
	if err != nil {
		return ContactView{}, err
	}
	if in.Server != "" {
		s.a.addServer(in.Server, "")
		s.resubscribe(in.Server)
	} else {
		for _, url := range s.a.serverURLs() {
			s.resubscribe(url)
		}
	}
	if in.Address != "" && s.a.disc != nil {
		if ap, err := netip.ParseAddrPort(in.Address); err == nil {
			s.a.disc.AddStatic(ap)
		}
	}
	return s.changed(c), nil
}

func (s *Contacts) resubscribe(url string) {
	ctx, cancel := context.WithTimeout(s.a.ctx, callTimeout)
	defer cancel()
	if err := s.a.router.SubscribeServer(ctx, url, s.a.serverPeers(url)); err != nil {
		s.a.log.Debug("app: resubscribe", "url", url, "err", err)
	}
}

// AddFromLAN keeps a peer found on the LAN as a contact.
func (s *Contacts) AddFromLAN(id string) (ContactView, error) {
	pid, err := parsePeer(id)
	if err != nil {
		return ContactView{}, err
	}
	if _, lan := s.a.presence.online(pid); !lan {
		return ContactView{}, errors.New("that peer is not on your network now: add it by id with a server or an address instead")
	}
	name := s.a.presence.nameOf(pid, "")
	c, err := s.a.store.AddContact(s.a.ctx, store.Contact{ID: pid, AnnouncedName: name})
	if err != nil {
		return ContactView{}, err
	}
	return s.changed(c), nil
}

// Rename sets the user's own name for a contact ("" shows the announced one).
func (s *Contacts) Rename(id, name string) (ContactView, error) {
	return s.edit(id, func(pid identity.PeerID) (store.Contact, error) { return s.a.store.Rename(s.a.ctx, pid, name) })
}

// SetFavorite marks a contact as a favorite (listed first).
func (s *Contacts) SetFavorite(id string, favorite bool) (ContactView, error) {
	return s.edit(id, func(pid identity.PeerID) (store.Contact, error) {
		return s.a.store.SetFavorite(s.a.ctx, pid, favorite)
	})
}

// SetBlocked blocks or unblocks a contact; a blocked peer cannot ring.
// Blocking a LAN peer that is not a contact adds it first.
func (s *Contacts) SetBlocked(id string, blocked bool) (ContactView, error) {
	return s.edit(id, func(pid identity.PeerID) (store.Contact, error) {
		c, err := s.a.store.SetBlocked(s.a.ctx, pid, blocked)
		if errors.Is(err, store.ErrNotFound) && blocked {
			if _, err := s.a.store.AddContact(s.a.ctx, store.Contact{ID: pid, AnnouncedName: s.a.presence.nameOf(pid, "")}); err != nil {
				return c, err
			}
			return s.a.store.SetBlocked(s.a.ctx, pid, true)
		}
		return c, err
	})
}

// Delete removes a contact.
func (s *Contacts) Delete(id string) error {
	pid, err := parsePeer(id)
	if err != nil {
		return err
	}
	if err := s.a.store.DeleteContact(s.a.ctx, pid); err != nil {
		return err
	}
	s.a.bus.Emit(events.ContactChanged, ContactView{ID: pid.String()})
	return nil
}

// AcceptNewKey trusts the new identity newID that contact id called with:
// the contact moves to it (name, favorite and settings kept). newID must be
// the one the user was shown (ContactView.NewID), so a later claim cannot
// slip in between.
func (s *Contacts) AcceptNewKey(id, newID string) (ContactView, error) {
	pid, err := parsePeer(id)
	if err != nil {
		return ContactView{}, err
	}
	c, err := s.a.store.GetContact(s.a.ctx, pid)
	if err != nil {
		return ContactView{}, err
	}
	if c.PendingKey == nil {
		return ContactView{}, errors.New("this contact has no new identity to accept")
	}
	if idOfKey(c.PendingKey) != newID {
		return ContactView{}, errors.New("the contact's new identity changed since it was shown: check it again")
	}
	moved, err := s.a.store.AcceptNewKey(s.a.ctx, pid, ed25519.PublicKey(c.PendingKey))
	if err != nil {
		return ContactView{}, err
	}
	return s.changed(moved), nil
}

// RejectNewKey says the new identity is not this contact: it is dropped,
// and the same identity using the contact's name is not flagged again
// (it rings as an unknown caller).
func (s *Contacts) RejectNewKey(id string) (ContactView, error) {
	return s.edit(id, func(pid identity.PeerID) (store.Contact, error) {
		if c, err := s.a.store.GetContact(s.a.ctx, pid); err == nil && c.PendingKey != nil {
			s.a.rememberRejected(pid, identity.IDFromKey(c.PendingKey))
		}
		return s.a.store.RejectNewKey(s.a.ctx, pid)
	})
}

func (s *Contacts) edit(id string, f func(identity.PeerID) (store.Contact, error)) (ContactView, error) {
	pid, err := parsePeer(id)
	if err != nil {
		return ContactView{}, err
	}
	c, err := f(pid)
	if err != nil {
		return ContactView{}, err
	}
	return s.changed(c), nil
}

func (s *Contacts) changed(c store.Contact) ContactView {
	v := contactView(c, s.a.presence)
	s.a.bus.Emit(events.ContactChanged, v)
	return v
}

func (a *App) serverURLs() []string {
	set, _ := a.store.Settings(a.ctx)
	urls := append([]string(nil), a.opts.SignalURLs...)
	for _, s := range set.SignalingServers {
		urls = append(urls, s.URL)
	}
	return urls
}

// Calls is the bound service for calls. The UI's engine produces SDPs and
// candidates; this service signs, sends and tracks them.
type Calls struct{ a *App }

func (s *Calls) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(s.a.ctx, callTimeout)
}

// Start calls peer with the UI's offer; video false makes an audio call.
func (s *Calls) Start(peer string, video bool, offer string) (calls.Info, error) {
	id, err := parsePeer(peer)
	if err != nil {
		return calls.Info{}, err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	info, err := s.a.calls.Start(ctx, id, video, offer)
	if err != nil && info.State == calls.StateEnded {
		return info, nil // the UI learns the outcome from the call itself
	}
	return info, err
}

// Accept answers the ringing call with the UI's answer.
func (s *Calls) Accept(callID string, video bool, answer string) (calls.Info, error) {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.a.calls.Accept(ctx, callID, video, answer)
}

// Decline refuses the ringing call.
func (s *Calls) Decline(callID string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.a.calls.Decline(ctx, callID)
}

// Cancel withdraws our unanswered call.
func (s *Calls) Cancel(callID string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.a.calls.Cancel(ctx, callID)
}

// Hangup ends the call.
func (s *Calls) Hangup(callID string) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.a.calls.Hangup(ctx, callID)
}

// Candidate sends a local ICE candidate; an empty candidate means the end
// of candidates.
func (s *Calls) Candidate(callID string, c signaling.Candidate) error {
	ctx, cancel := s.ctx()
	defer cancel()
	return s.a.calls.Candidate(ctx, callID, c)
}

// Renegotiate sends a new "offer" or "answer" inside the call.
func (s *Calls) Renegotiate(callID, kind, sdp string) error {
	var k signaling.DescriptionKind
	if err := k.UnmarshalText([]byte(kind)); err != nil {
		return err
	}
	ctx, cancel := s.ctx()
	defer cancel()
	return s.a.calls.Renegotiate(ctx, callID, k, sdp)
}

// MediaState reports the peer connection: "connected" or "reconnecting".
func (s *Calls) MediaState(callID, state string) error {
	switch state {
	case "connected":
		return s.a.calls.MediaState(callID, calls.StateConnected)
	case "reconnecting":
		return s.a.calls.MediaState(callID, calls.StateReconnecting)
	}
	return fmt.Errorf("%w: media state %q", calls.ErrBadInput, state)
}

// Current returns the live call, or null.
func (s *Calls) Current() (*calls.Info, error) {
	if info, ok := s.a.calls.Current(); ok {
		return &info, nil
	}
	return nil, nil
}

// Incoming returns the ringing incoming call with the caller's offer, or
// null: a window opened after the ring can still answer.
func (s *Calls) Incoming() (*calls.Incoming, error) {
	if in, ok := s.a.calls.Incoming(); ok {
		return &in, nil
	}
	return nil, nil
}

// ICEServers returns the STUN/TURN servers for the next call: those in
// settings plus those the signaling servers handed out.
func (s *Calls) ICEServers() ([]signaling.ICEServer, error) {
	set, err := s.a.store.Settings(s.a.ctx)
	if err != nil {
		return nil, err
	}
	out := []signaling.ICEServer{}
	for _, ice := range set.ICEServers {
		out = append(out, signaling.ICEServer{URLs: ice.URLs, Username: ice.Username, Credential: string(ice.Credential)})
	}
	for _, st := range s.a.presence.serverStates() {
		out = append(out, st.ICE...)
	}
	return out, nil
}

// History is the bound service for the call history.
type History struct{ a *App }

// List returns up to limit entries older than the cursor before ("" for
// the newest).
func (s *History) List(limit int, before string) (HistoryPage, error) {
	calls, next, err := s.a.store.ListHistory(s.a.ctx, limit, store.Cursor(before))
	if err != nil {
		return HistoryPage{}, err
	}
	page := HistoryPage{Entries: make([]HistoryEntry, len(calls)), Next: string(next)}
	for i, c := range calls {
		page.Entries[i] = historyEntry(c)
	}
	return page, nil
}

// Delete removes one entry.
func (s *History) Delete(callID string) error {
	if err := s.a.store.DeleteHistory(s.a.ctx, callID); err != nil {
		return err
	}
	s.a.bus.Emit(events.HistoryChanged, nil)
	return nil
}

// Clear removes every entry.
func (s *History) Clear() error {
	if _, err := s.a.store.ClearHistory(s.a.ctx); err != nil {
		return err
	}
	s.a.bus.Emit(events.HistoryChanged, nil)
	return nil
}

// Settings is the bound service for preferences.
type Settings struct{ a *App }

// Get returns the settings.
func (s *Settings) Get() (store.Settings, error) { return s.a.store.Settings(s.a.ctx) }

// Put validates and saves the settings. Discovery and server changes apply
// at the next start.
func (s *Settings) Put(set store.Settings) (store.Settings, error) {
	saved, err := s.a.store.PutSettings(s.a.ctx, set)
	if err != nil {
		return store.Settings{}, err
	}
	s.a.bus.Emit(events.SettingsChanged, saved)
	return saved, nil
}
