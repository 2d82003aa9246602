package signaling

import (
	"errors"
	"fmt"

	"github.com/peerline/peerline/signaling/identity"
)

// PresenceList answers a subscribe: the current state of every watched
// peer, in one frame (or a few, when the server's frame limit is small),
// instead of one presence message per peer. Each peer is in one of the
// two lists, in the subscribe's order.
type PresenceList struct {
	Online  []identity.PeerID `json:"online"`
	Offline []identity.PeerID `json:"offline"`
}

func (p *PresenceList) validate() error {
	if len(p.Online)+len(p.Offline) > MaxSubscribe {
		return fmt.Errorf("at most %d peers", MaxSubscribe)
	}
	for _, l := range [][]identity.PeerID{p.Online, p.Offline} {
		for _, id := range l {
			if id.IsZero() {
				return errors.New("peers: empty id")
			}
		}
	}
	return nil
}

// PresenceOf returns what a presence or presence_list message reports,
// one Presence per peer. A server's presence is a hint of where a peer can
// be reached, never proof of who it is: nothing but a signed description
// or a LAN proof of the key vouches for a peer.
func PresenceOf(env Envelope) ([]Presence, error) {
	switch env.Type {
	case TypePresence:
		var p Presence
		if err := env.DecodeBody(&p); err != nil {
			return nil, err
		}
		return []Presence{p}, nil
	case TypePresenceList:
		var l PresenceList
		if err := env.DecodeBody(&l); err != nil {
			return nil, err
		}
		out := make([]Presence, 0, len(l.Online)+len(l.Offline))
		for _, id := range l.Online {
			out = append(out, Presence{Peer: id, Online: true})
		}
		for _, id := range l.Offline {
			out = append(out, Presence{Peer: id})
		}
		return out, nil
	}
	return nil, &Error{Code: CodeBadMessage, Message: env.Type.String() + " is not a presence message", Ref: env.ID}
}
