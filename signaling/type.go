package signaling

import "fmt"

// Type is a message type. The zero value TypeUnknown is never valid on the
// wire.
type Type uint8

// Message types, in the order docs/protocol.md lists them.
const (
	TypeUnknown         Type = iota
	TypeChallenge            // server → client: nonce to sign (first frame)
	TypeAuth                 // client → server: signed answer to the challenge
	TypeWelcome              // server → client: auth accepted, ICE servers, limits
	TypeSubscribe            // client → server: the set of peers to watch
	TypePresence             // server → client: a watched peer came online or went offline
	TypeInvite               // peer → peer: a call offer
	TypeRinging              // peer → peer: the callee is alerting its user
	TypeAccept               // peer → peer: the call answer
	TypeReject               // peer → peer: the callee refuses, with a reason
	TypeCancel               // peer → peer: the caller gives up before an answer
	TypeHangup               // peer → peer: either side ends an established call
	TypeCandidate            // peer → peer: one trickled ICE candidate
	TypeEndOfCandidates      // peer → peer: no more candidates for this ICE generation
	TypeRenegotiate          // peer → peer: a new offer or answer inside a call
	TypePing                 // client → server: liveness probe
	TypePong                 // server → client: answer to ping
	TypeError                // server → client: something was refused
	TypePresenceList         // server → client: the state of every watched peer, answering a subscribe
	typeCount
)

var typeNames = [typeCount]string{
	TypeUnknown:         "unknown",
	TypeChallenge:       "challenge",
	TypeAuth:            "auth",
	TypeWelcome:         "welcome",
	TypeSubscribe:       "subscribe",
	TypePresence:        "presence",
	TypeInvite:          "invite",
	TypeRinging:         "ringing",
	TypeAccept:          "accept",
	TypeReject:          "reject",
	TypeCancel:          "cancel",
	TypeHangup:          "hangup",
	TypeCandidate:       "candidate",
	TypeEndOfCandidates: "end_of_candidates",
	TypeRenegotiate:     "renegotiate",
	TypePing:            "ping",
	TypePong:            "pong",
	TypeError:           "error",
	TypePresenceList:    "presence_list",
}

// String returns the wire name of t.
func (t Type) String() string {
	if t < typeCount {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", uint8(t))
}

// ParseType maps a wire name to its Type; unknown names give TypeUnknown.
func ParseType(s string) Type {
	for t := TypeChallenge; t < typeCount; t++ {
		if typeNames[t] == s {
			return t
		}
	}
	return TypeUnknown
}

// MarshalText implements encoding.TextMarshaler.
func (t Type) MarshalText() ([]byte, error) {
	if t == TypeUnknown || t >= typeCount {
		return nil, fmt.Errorf("signaling: marshal type %d: %w", uint8(t), ErrUnknownType)
	}
	return []byte(typeNames[t]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Type) UnmarshalText(b []byte) error {
	*t = ParseType(string(b))
	if *t == TypeUnknown {
		return fmt.Errorf("signaling: type %q: %w", b, ErrUnknownType)
	}
	return nil
}

// Routed reports whether messages of type t travel from one peer to another
// (and so need "to" and "call"). The server only checks and stamps them.
func (t Type) Routed() bool {
	return t >= TypeInvite && t <= TypeRenegotiate
}

// FromClient reports whether a client may send messages of type t once
// authenticated.
func (t Type) FromClient() bool {
	return t.Routed() || t == TypeSubscribe || t == TypePing
}
