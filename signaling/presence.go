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

// DecodeSubscribe decodes a subscribe body into dst[:0]: the watched
// peers, as DecodeBody(&Subscribe{}) would, but without encoding/json's
// per-element cost on the plain shape every client sends
// ({"peers":["ID",...]} with any spacing). Anything else takes
// DecodeBody. Its errors are DecodeBody's; a list over MaxSubscribe fails
// with too_many_peers.
func DecodeSubscribe(env Envelope, dst []identity.PeerID) ([]identity.PeerID, error) {
	if peers, ok := scanSubscribe(env.Body, dst[:0]); ok {
		return peers, nil
	}
	var s Subscribe
	if err := env.DecodeBody(&s); err != nil {
		return nil, err
	}
	return append(dst[:0], s.Peers...), nil
}

// scanSubscribe is DecodeSubscribe's fast path. ok false means the body
// has another shape (escapes, other keys, another type): the caller
// decodes it with encoding/json, which also words every error.
func scanSubscribe(b []byte, dst []identity.PeerID) (peers []identity.PeerID, ok bool) {
	if len(b) == 0 { // no body: watch nothing
		return dst, true
	}
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return dst, skipSpace(b, i+1) == len(b)
	}
	key, i, okKey := scanPlainString(b, i)
	if !okKey || string(key) != "peers" {
		return nil, false
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != ':' {
		return nil, false
	}
	i = skipSpace(b, i+1)
	if j, isNull := skipLiteral(b, i, "null"); isNull {
		i = j
	} else {
		if i >= len(b) || b[i] != '[' {
			return nil, false
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			i++
		} else {
			for {
				s, j, okStr := scanPlainString(b, i)
				if !okStr {
					return nil, false
				}
				if len(dst) == MaxSubscribe {
					return nil, false // DecodeBody checks the rest, then refuses the count
				}
				var id identity.PeerID
				if len(s) > 0 {
					var perr error
					if id, perr = identity.Parse(string(s)); perr != nil {
						return nil, false // DecodeBody words the error
					}
				}
				dst = append(dst, id)
				i = skipSpace(b, j)
				if i < len(b) && b[i] == ',' {
					i = skipSpace(b, i+1)
					continue
				}
				if i < len(b) && b[i] == ']' {
					i++
					break
				}
				return nil, false
			}
		}
	}
	i = skipSpace(b, i)
	if i >= len(b) || b[i] != '}' || skipSpace(b, i+1) != len(b) {
		return nil, false
	}
	return dst, true
}
