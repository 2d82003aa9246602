package signaling

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strconv"
	"time"

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
//     only if it is in that group's call right now, has answered a leg of
//     it, and the join carries a Voucher from one of the receiver's
//     answered legs' peers naming the joiner; otherwise it refuses it
//     (unavailable). The group id is no secret (every add carries it), so
//     the id alone must not let anyone in.
//
// A vouched join that would make more than MaxGroupSize participants is
// refused busy with detail call_full. An add for the group the receiver
// is in is an ordinary call (busy). The accept of a group leg carries
// Group too (Join false), its Members being the others the receiver is
// in the call with now (answered legs only): a newcomer joins those it
// was not told of (two people added at the same moment by different
// members), vouched by that accept.

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
	// Voucher, on a join only, is a member's signed word that the sender
	// is in the group (see Voucher).
	Voucher *Voucher `json:"voucher,omitempty"`
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
	if g.Voucher != nil {
		if !g.Join {
			return errors.New("voucher: only on a join")
		}
		if err := g.Voucher.validate(); err != nil {
			return fmt.Errorf("voucher: %w", err)
		}
	}
	return nil
}

// Voucher is what lets a join in: the GroupMessage signature a member
// (From) made naming the joiner as its receiver, in the group the join
// names. Either the add that brought the joiner in (the member's invite
// to it, Answer false) or the roster the member answered one of the
// joiner's joins with (the member's accept, Answer true: two people added
// at once learn of each other that way). The joiner forwards it as it got
// it; the receiver checks it with the key it holds for its own answered
// call with From, so a member it is in the call with has vouched for the
// joiner, recently (MaxVoucherAge).
type Voucher struct {
	Answer  bool              `json:"answer,omitempty"`
	Call    string            `json:"call"`
	From    identity.PeerID   `json:"from"`
	Time    int64             `json:"time"`
	Members []identity.PeerID `json:"members,omitempty"`
	Sig     []byte            `json:"sig"`
}

// MaxVoucherAge is how old a voucher may be when its join arrives: an add
// rings for at most 45 s before the newcomer answers and joins; the rest
// is for the two members' clocks (each checked against MaxClockSkew with
// the newcomer's). A newcomer who left cannot come back on its old
// voucher once it is this old.
const MaxVoucherAge = MaxClockSkew + time.Minute

func (v *Voucher) validate() error {
	if v.Call == "" || !validToken(v.Call) {
		return errors.New("call: want a call id")
	}
	if v.From.IsZero() {
		return errors.New("from: want a peer id")
	}
	return (&Group{ID: "v", Members: v.Members, Sig: v.Sig}).validate()
}

// VoucherOf is the voucher a member's group (g, signed by from in call at
// timeMs, an invite's or, answer true, an accept's) makes for its
// receiver.
func VoucherOf(answer bool, call string, from identity.PeerID, timeMs int64, g *Group) *Voucher {
	return &Voucher{Answer: answer, Call: call, From: from, Time: timeMs, Members: g.Members, Sig: g.Sig}
}

// VerifyVoucher checks that v was signed with pub (the key the receiver
// holds for its call with v.From) for joiner in group, and is fresh at
// now. It fails with ErrForbidden.
func VerifyVoucher(pub ed25519.PublicKey, v *Voucher, group string, joiner identity.PeerID, now time.Time) error {
	if v == nil {
		return &Error{Code: CodeForbidden, Message: "group: a join without a member's voucher"}
	}
	if v.From == joiner {
		return &Error{Code: CodeForbidden, Message: "voucher: the joiner vouches for itself"}
	}
	desc := KindOffer
	if v.Answer {
		desc = KindAnswer
	}
	g := &Group{ID: group, Members: v.Members, Sig: v.Sig}
	if err := VerifyGroup(pub, desc, v.Call, v.From, joiner, v.Time, g); err != nil {
		return &Error{Code: CodeForbidden, Message: "voucher: " + err.(*Error).Message}
	}
	age := now.Sub(time.UnixMilli(v.Time))
	if age > MaxVoucherAge || age < -MaxClockSkew {
		return &Error{Code: CodeForbidden, Message: "voucher: too old or from the future"}
	}
	return nil
}

// GroupMessage is what Group.Sig signs: the description it rides with
// (offer: an invite; answer: an accept), the call id, sender, receiver
// and time (the description's signature time), then the group id, the
// kind (add or join) and the members in order; a join's voucher, if any,
// last ("voucher", its call id and signature: a relay cannot swap it).
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
	if v := g.Voucher; v != nil {
		// A member is a 63-character peer id: "voucher" cannot be one.
		fields = append(fields, []byte("voucher"), []byte(v.Call), v.Sig)
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
