package signaling

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strconv"

	"github.com/peerline/peerline/signaling/identity"
)

// Group calls are a full mesh of 1:1 calls: every pair of participants
// has its own call (its own invite, signed offer and answer), and the
// calls of one group share a group id. An invite that is one leg of a
// group carries Group.
//
// Two kinds of group invite:
//   - add (Join false): someone in the call adds the receiver, who rings
//     as for any call and is shown Members, the others already in it;
//   - join (Join true): a participant who was just added connects to one
//     of the Members it was told of. It never rings: the receiver takes it
//     only if it is in that group's call right now (and the call is not
//     full), and otherwise refuses it (unavailable).
//
// An invite for a group the receiver is in is a further leg of its call,
// whatever Join says; one that would make more than MaxGroupSize
// participants is refused busy with detail call_full. The accept of such
// a leg carries Group too (Join false), its Members being the others the
// receiver is in the call with now: a newcomer joins those it was not
// told of (two people added at the same moment by different members).

// MaxGroupSize is the most participants of one group call, the receiver
// included: a full mesh of four is six connections, three per person.
const MaxGroupSize = 4

// domainGroup separates group signatures from every other signature.
const domainGroup = "peerline/v1/group"

// Group says an invite is one leg of a group call.
type Group struct {
	// ID names the group: the id of the call the group grew from.
	ID string `json:"id"`
	// Members are the others in the call as the sender knows it, neither
	// the sender nor the receiver; at most MaxGroupSize-2.
	Members []identity.PeerID `json:"members,omitempty"`
	// Join is true when the sender connects to a call the receiver is in
	// (see above), false when it adds the receiver.
	Join bool `json:"join,omitempty"`
	// Sig signs GroupMessage with the invite's key, so a relay cannot
	// change the roster or turn an add into a join.
	Sig []byte `json:"sig"`
}

func (g *Group) validate() error {
	// A group id is a call id (the first call's), so it obeys the call
	// id's charset: it is logged and shown, and a control character or
	// a path separator has no business there.
	if g.ID == "" || !validToken(g.ID) {
		return fmt.Errorf("id: want 1 to %d characters of [A-Za-z0-9._:-]", MaxIDLen)
	}
	if len(g.Members) > MaxGroupSize-2 {
		return fmt.Errorf("members: at most %d", MaxGroupSize-2)
	}
	for i, m := range g.Members {
		if m.IsZero() {
			return errors.New("members: a member without an id")
		}
		for _, o := range g.Members[:i] {
			if o == m {
				return errors.New("members: listed twice")
			}
		}
	}
	if len(g.Sig) != ed25519.SignatureSize {
		return fmt.Errorf("sig: want %d bytes", ed25519.SignatureSize)
	}
	return nil
}

// GroupMessage is what Group.Sig signs: the description it rides with
// (offer: an invite; answer: an accept), the call id, sender, receiver
// and time (the description's signature time), then the group id, the
// kind (add or join) and the members in order.
func GroupMessage(desc DescriptionKind, call string, from, to identity.PeerID, timeMs int64, g *Group) []byte {
	kind := "add"
	if g.Join {
		kind = "join"
	}
	fields := [][]byte{[]byte(desc.String()), []byte(call), []byte(from.String()), []byte(to.String()),
		[]byte(strconv.FormatInt(timeMs, 10)), []byte(g.ID), []byte(kind)}
	for _, m := range g.Members {
		fields = append(fields, []byte(m.String()))
	}
	return signedMessage(domainGroup, fields...)
}

// SignGroup fills g.Sig for an invite (desc KindOffer) or accept
// (KindAnswer) from s to `to` in call, signed at timeMs (its Time).
func SignGroup(s Signer, desc DescriptionKind, call string, to identity.PeerID, timeMs int64, g *Group) {
	g.Sig = s.Sign(GroupMessage(desc, call, s.ID(), to, timeMs, g))
}

// VerifyGroup checks g against the invite's key, and that the roster
// names neither its sender nor its receiver. It fails with ErrForbidden.
// The invite's time was checked with its offer (VerifyDescription).
func VerifyGroup(pub ed25519.PublicKey, desc DescriptionKind, call string, from, to identity.PeerID, timeMs int64, g *Group) error {
	if !identity.IDFromKey(pub).Equal(from) {
		return &Error{Code: CodeForbidden, Message: "group: key is not the sender's"}
	}
	if !identity.Verify(pub, GroupMessage(desc, call, from, to, timeMs, g), g.Sig) {
		return &Error{Code: CodeForbidden, Message: "group: bad signature"}
	}
	for _, m := range g.Members {
		if m == from || m == to {
			return &Error{Code: CodeForbidden, Message: "group: the roster names the sender or the receiver"}
		}
	}
	return nil
}
