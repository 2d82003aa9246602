package calls

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// Group calls (see signaling/group.go for the wire side): a group call is
// a set of 1:1 calls, one per other participant, that share a group id,
// the id of the call the group grew from. Each leg is a call like any
// other here (its own invite, signed offer and answer, safety code,
// history entry); what the group adds is who may be in several calls at
// once, and with whom:
//
//   - Add: someone in a call adds a person: a leg whose invite carries the
//     group id and the others in the call (Members); it rings.
//   - Join: that person, once it answered, connects to each member it was
//     told of; those legs' invites say join and never ring: the member's
//     manager takes one only for the group it is in right now, and only
//     with a voucher (signaling.Voucher: the add that brought the joiner
//     in, or a member's accept naming it) signed by the peer of one of
//     its answered legs, checked with the key of that leg; it marks it
//     AutoAccept (its UI answers at once) and refuses it otherwise
//     (unavailable). The group id is no secret: everyone ever added, even
//     one who declined, has it. A join's key is never pinned (trust on
//     first use is for calls the user answered or placed).
//   - An add for our group from someone we have no call with is an
//     ordinary call: busy (the glare rule if we are calling them).
//   - At most MaxParticipants people: a further invite for the group is
//     refused busy with detail call_full; Add past it fails with ErrFull.
//   - Leaving is hanging up every leg; the other legs go on.

// MaxParticipants is the most people in one group call, us included.
const MaxParticipants = signaling.MaxGroupSize

// legPlan says how to place one leg of a group call.
type legPlan struct{ join bool }

// Add places a call to peer as a further leg of the call going on (a
// group call of up to MaxParticipants): the invite names the group and
// the others in it, and the person rings.
func (m *Manager) Add(ctx context.Context, peer identity.PeerID, video bool, offer string) (Info, error) {
	return m.place(ctx, peer, video, offer, &legPlan{})
}

// Join connects to peer, a member of the group call we were just added
// to (one of the roster of an incoming leg's Members): its manager takes
// the leg without ringing.
func (m *Manager) Join(ctx context.Context, peer identity.PeerID, video bool, offer string) (Info, error) {
	return m.place(ctx, peer, video, offer, &legPlan{join: true})
}

// Calls returns every live call, the legs of a group call, oldest first.
func (m *Manager) Calls() []Info {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Info
	for _, c := range m.liveLocked() {
		out = append(out, c.snapshot())
	}
	return out
}

// planLegLocked checks that a leg to peer may be placed now and returns
// its group (unsigned); m.mu is held.
func (m *Manager) planLegLocked(peer identity.PeerID, join bool) (*signaling.Group, error) {
	live := m.liveLocked()
	answered := false
	for _, c := range live {
		if c.peer == peer {
			return nil, fmt.Errorf("%w: %s is in this call already", ErrWrongTime, peer.Short())
		}
		answered = answered || c.info.State >= StateConnecting
	}
	if !answered {
		return nil, fmt.Errorf("%w: no answered call to add a person to", ErrWrongTime)
	}
	if len(live) >= MaxParticipants-1 {
		return nil, ErrFull
	}
	g := &signaling.Group{ID: groupOf(live[0]), Join: join}
	g.Members = answeredPeers(live, nil)
	if join {
		// The member's own word that we are in: the add (or accept) of
		// the leg whose roster names peer.
		i := slices.IndexFunc(live, func(c *call) bool { return c.voucher != nil && slices.Contains(c.members, peer) })
		if i < 0 {
			return nil, fmt.Errorf("%w: %s is not on the roster of this call", ErrBadInput, peer.Short())
		}
		g.Voucher = live[i].voucher
	}
	return g, nil
}

// answeredPeers are the peers of the answered legs of live but not, a
// roster: someone whose leg still rings is not in the call yet (its
// joins would be refused, and it may never answer). At most
// MaxGroupSize-2.
func answeredPeers(live []*call, not *call) []identity.PeerID {
	var out []identity.PeerID
	for _, o := range live {
		if o != not && o.info.State >= StateConnecting && len(out) < signaling.MaxGroupSize-2 &&
			(not == nil || o.peer != not.peer) {
			out = append(out, o.peer)
		}
	}
	return out
}

// rosterLocked is the roster the accept of c carries when c is a leg of
// a group call: the others we are in the call with now (answered legs);
// nil for a 1:1 call. m.mu is held.
func (m *Manager) rosterLocked(c *call) *signaling.Group {
	if c.group == "" {
		return nil
	}
	return &signaling.Group{ID: c.group, Members: answeredPeers(m.liveLocked(), c)}
}

func peerStrings(ps []identity.PeerID) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

// groupOf is c's group id: the one its invite named, else its own id.
func groupOf(c *call) string {
	if c.group != "" {
		return c.group
	}
	return c.info.ID
}

// liveLocked lists the live calls, oldest first; m.mu is held.
func (m *Manager) liveLocked() []*call {
	var live []*call
	for _, c := range m.calls {
		if c.info.State.Live() {
			live = append(live, c)
		}
	}
	slices.SortFunc(live, func(a, b *call) int { return a.info.StartedAt.Compare(b.info.StartedAt) })
	return live
}

// addLocked makes c a call of ours, forgetting the calls that ended;
// m.mu is held.
func (m *Manager) addLocked(c *call) {
	for id, old := range m.calls {
		if !old.info.State.Live() {
			delete(m.calls, id)
		}
	}
	m.calls[c.info.ID] = c
}

// legFit is what an invite's group means to the calls we have.
type legFit uint8

const (
	legNone  legFit = iota // not for our group call (or we have none)
	legTake                // a further leg of our group call: take it
	legFull                // for our group call, which is full
	legStale               // a join for a call we are not in (any more)
)

// fitLocked says how an invite from peer with group g fits the calls we
// have at now; m.mu is held.
func (m *Manager) fitLocked(peer identity.PeerID, g *signaling.Group, now time.Time) legFit {
	if g == nil {
		return legNone
	}
	live := m.liveLocked()
	if len(live) == 0 || groupOf(live[0]) != g.ID {
		if g.Join {
			return legStale
		}
		return legNone
	}
	for _, c := range live {
		if c.peer == peer {
			// Both placed a leg to each other at once (two added at
			// the same time): the glare rule settles it.
			return legNone
		}
	}
	if !slices.ContainsFunc(live, func(c *call) bool { return c.info.State >= StateConnecting }) {
		// Our own add still rings (or we are calling the first member):
		// we are not in the call yet, and a join must not answer for us.
		if g.Join {
			return legStale
		}
		return legNone
	}
	if !g.Join {
		// An add into the group we are in, from someone we have no call
		// with: nothing says a member wants them here; an ordinary call.
		return legNone
	}
	if !m.vouchedLocked(live, peer, g, now) {
		return legStale
	}
	if len(live) >= MaxParticipants-1 {
		return legFull
	}
	return legTake
}

// vouchedLocked reports whether join g from peer carries a fresh voucher
// for peer signed by the peer of one of our answered legs, checked with the
// key we hold for that leg; m.mu is held.
func (m *Manager) vouchedLocked(live []*call, peer identity.PeerID, g *signaling.Group, now time.Time) bool {
	if g.Voucher == nil {
		return false
	}
	for _, c := range live {
		// Only an answered leg's peer vouches: one whose call still rings
		// is not in the call with us yet.
		if c.peer == g.Voucher.From && c.info.State >= StateConnecting && len(c.peerKey) > 0 {
			err := signaling.VerifyVoucher(c.peerKey, g.Voucher, g.ID, peer, now)
			if err != nil {
				m.cfg.Logger.Info("calls: join voucher refused", "from", peer.Short(), "err", err)
			}
			return err == nil
		}
	}
	return false
}

// addedToOf is, for an incoming join g, the group its newcomer was added
// to: the adder and the members that add named, from the join's voucher.
// Nil for an add to us (we are the newcomer: the race is not ours to
// settle) and for a voucher that is an accept's roster (it says nothing
// about an add).
func addedToOf(g *signaling.Group) []identity.PeerID {
	switch {
	case g == nil:
		return nil
	case !g.Join, g.Voucher == nil, g.Voucher.Answer:
		return nil
	}
	return append([]identity.PeerID{g.Voucher.From}, g.Voucher.Members...)
}

// raceRivalLocked settles two adds that raced into a group of three and
// whose newcomers' joins crossed: a full group's member gets a vouched
// join from a newcomer added to the same group as one of its own legs'
// newcomers (the same adder-and-members, so both were added for the one
// place left), and both have answered. The lower peer id takes the place:
// its rival's leg is returned, for the caller to end (call_full) before it
// takes the join; nil when the join is simply refused (no such rival, or
// the rival's id is the lower). Every member sees the same two ids, so
// every member picks the same newcomer. A rival that still rings keeps
// its place (the join is refused: see protocol.md §7.6.1). m.mu is held.
func (m *Manager) raceRivalLocked(joiner identity.PeerID, g *signaling.Group) *call {
	race := addedToOf(g)
	if race == nil {
		return nil
	}
	for _, c := range m.liveLocked() {
		if c.addedTo != nil && c.info.State >= StateConnecting && sameMembers(c.addedTo, race) &&
			bytes.Compare(joiner[:], c.peer[:]) < 0 { // as glare compares ids
			return c
		}
	}
	return nil
}

// sameMembers reports whether a and b hold the same peers.
func sameMembers(a, b []identity.PeerID) bool {
	if len(a) != len(b) {
		return false
	}
	for _, p := range a {
		if !slices.Contains(b, p) {
			return false
		}
	}
	return true
}

// groupLeg reports whether c is a leg of a group call.
func (m *Manager) groupLeg(c *call) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return c.group != ""
}
