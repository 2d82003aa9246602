package discovery

import (
	"crypto/ed25519"
	"fmt"
	"net/netip"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// Peer is another Peerline instance as discovery sees it.
type Peer struct {
	// ID is the peer id from the TXT record. It is what the peer claims,
	// not yet proven: the caller authenticates when it dials the hub.
	// Zero for static peers (see AddStatic).
	ID identity.PeerID `json:"id"`
	// Name is the display name from the TXT record ("" for static peers).
	Name string `json:"name"`
	// Addrs are the hub's addresses, the one that last answered a probe
	// first. IPv6 link-local addresses carry the zone (local interface)
	// to reach them through.
	Addrs []netip.AddrPort `json:"addrs"`
	// Version is the protocol version from the TXT record (0 for static
	// peers).
	Version int `json:"version"`
	// LastSeen is the time of the last answered probe.
	LastSeen time.Time `json:"lastSeen"`
	// Online reports whether the hub answers probes.
	Online bool `json:"online"`
	// Static reports a peer added by address (AddStatic) rather than
	// found by mDNS.
	Static bool `json:"static"`
}

// Key is the peer's identity inside this package: "id:" and the peer id,
// or for static peers "addr:" and the address.
func (p Peer) Key() string {
	if p.Static {
		if len(p.Addrs) == 0 {
			return "addr:"
		}
		return "addr:" + p.Addrs[0].String()
	}
	return "id:" + p.ID.String()
}

// EventKind says what happened to a peer.
type EventKind uint8

// Event kinds.
const (
	EventKindUnknown EventKind = iota
	// PeerOnline: the peer's hub answered a probe, for the first time or
	// after being offline.
	PeerOnline // "online"
	// PeerOffline: the peer's hub refused a probe, or did not answer for
	// Config.OfflineAfter, or the static peer was removed.
	PeerOffline // "offline"
	// PeerUpdated: an online peer changed its name, version or addresses
	// (including which address answers).
	PeerUpdated // "updated"
	// PeerForgotten: a peer found by mDNS that was online once is no
	// longer tracked (offline for ForgetAfter), so whoever keeps peers by
	// id can let it go too (bounded memory under forged announcements).
	PeerForgotten // "forgotten"
	// PeerProven: the hub at Event.At proved Event.Key, Peer.ID's key, in
	// a mutual-auth handshake bound to its TLS session (proof.go). It
	// says nothing about liveness; it is what lets the app tell that the
	// Peerline at an address a contact used now holds another key.
	PeerProven // "proven"
)

var eventKindNames = [...]string{
	EventKindUnknown: "unknown",
	PeerOnline:       "online",
	PeerOffline:      "offline",
	PeerUpdated:      "updated",
	PeerForgotten:    "forgotten",
	PeerProven:       "proven",
}

// String returns the wire name.
func (k EventKind) String() string {
	if int(k) < len(eventKindNames) {
		return eventKindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// ParseEventKind returns the kind whose wire name is s.
func ParseEventKind(s string) (EventKind, error) {
	for k := PeerOnline; int(k) < len(eventKindNames); k++ {
		if eventKindNames[k] == s {
			return k, nil
		}
	}
	return EventKindUnknown, fmt.Errorf("discovery: parse event kind %.32q: %w", s, ErrUnknownName)
}

// MarshalText implements encoding.TextMarshaler.
func (k EventKind) MarshalText() ([]byte, error) {
	if k == EventKindUnknown || int(k) >= len(eventKindNames) {
		return nil, fmt.Errorf("discovery: marshal event kind %d: %w", uint8(k), ErrUnknownName)
	}
	return []byte(eventKindNames[k]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *EventKind) UnmarshalText(b []byte) error {
	v, err := ParseEventKind(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Event is one change of one peer.
type Event struct {
	Kind EventKind `json:"kind"`
	// Peer is the peer's state after the change.
	Peer Peer `json:"peer"`
	// At and Key are set for PeerProven only: the address whose hub
	// proved Key (identity.IDFromKey(Key) == Peer.ID).
	At  netip.AddrPort    `json:"at,omitzero"`
	Key ed25519.PublicKey `json:"-"`
}
