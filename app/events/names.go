package events

// Name is an event name pushed from Go to the UI: "noun:verb", optionally
// followed by ":id" for per-item events built at run time. The Wails window
// and the loopback bridge deliver the same names; the frontend mirrors the
// constants below once, in frontend/src/lib/backend.
type Name string

// String returns the wire form of the name.
func (n Name) String() string { return string(n) }

// The events the UI listens to. Each comment says when it fires and what its
// data is. Add new names here, keep them noun:verb, and mirror them in TS.
const (
	// PeerOnline fires when a peer is found on the LAN or the signaling
	// server reports it present. Data: the peer.
	PeerOnline Name = "peer:online"
	// PeerOffline fires when a peer stops answering or leaves. Data: the peer id.
	PeerOffline Name = "peer:offline"
	// CallState fires on every change of the current call's state
	// (idle, calling, ringing, connecting, connected, reconnecting, ended).
	// Data: the call.
	CallState Name = "call:state"
	// CallIncoming fires when an invite rings (signature checked; the
	// call's verified flag says whether the key is pinned). Data: the call
	// and the caller's offer.
	CallIncoming Name = "call:incoming"
	// CallSignal fires when the remote side sends something the UI's
	// engine must apply: an answer, a candidate, the end of candidates,
	// or a renegotiation offer/answer. Data: the signal.
	CallSignal Name = "call:signal"
	// CallAnswer fires when the person answered the ringing call from
	// outside the window (the desktop notification's Answer): the app
	// window's UI answers it as its own Answer button would. Data: {call,
	// video}.
	CallAnswer Name = "call:answer"
	// ContactChanged fires when a contact is added, renamed or removed.
	// Data: the contact (or its id when removed).
	ContactChanged Name = "contact:changed"
	// HistoryChanged fires when a call lands in history. Data: the entry.
	HistoryChanged Name = "history:changed"
	// SettingsChanged fires when a setting is saved. Data: the settings.
	SettingsChanged Name = "settings:changed"
	// IdentityChanged fires when a peer presents a key other than the one
	// pinned for it: a loud warning, never a silent replace. Data:
	// {contact, newId, matchedBy}; matchedBy "name" means the link rests
	// on a claimed name, so the UI must call it unverified.
	IdentityChanged Name = "identity:changed"
	// DiscoveryStatus fires when LAN discovery or the server link starts,
	// stops or fails. Data: the status.
	DiscoveryStatus Name = "discovery:status"

	// InviteOpened fires when a later launch passed an invite link
	// (peerline peerline://add?…, a click on a link) and it was valid; the
	// UI shows Add person filled in from it. Data: {link} in canonical form.
	InviteOpened Name = "invite:open"

	// DoNotDisturbChanged fires when do not disturb is turned on or off
	// (from any window or the tray), and when it ends by itself. Data:
	// the status (dnd.Status).
	DoNotDisturbChanged Name = "dnd:changed"
)

// Names returns every name defined above, in declaration order, so a test
// can check the TypeScript mirror against it.
func Names() []Name {
	return []Name{
		PeerOnline, PeerOffline,
		CallState, CallIncoming, CallSignal, CallAnswer,
		ContactChanged, HistoryChanged, SettingsChanged,
		IdentityChanged, DiscoveryStatus, InviteOpened,
		DoNotDisturbChanged,
	}
}
