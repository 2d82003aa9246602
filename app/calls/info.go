package calls

import (
	"time"

	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// What the manager hands the UI and the history: a call as the UI sees it,
// the events' data, and a finished call's record.

// Record is one finished call, for history.
type Record struct {
	CallID      string
	Peer        identity.PeerID
	PeerName    string
	Direction   Direction
	Video       bool
	StartedAt   time.Time
	ConnectedAt time.Time // zero if it never connected
	EndedAt     time.Time
	Outcome     Outcome
	Reason      string
	// Attempts is how many invites this entry stands for (0 means 1): a
	// stranger's coalesced rings.
	Attempts int
	// Group is the group id when the call was one leg of a group call
	// (group.go): history folds a group's legs into one entry. "" for a
	// call placed 1:1, the first leg of any group that grew from it (the
	// group id is its id). Only a group the manager took the invite for
	// counts: an invite refused before that (busy, blocked, a stranger)
	// records none, so nobody can file a ring under someone else's group.
	Group string
	// Cause is Info.Cause of the ended call (call_full for a leg refused
	// because the group was full, on either side).
	Cause errcode.Code
	// Members is the roster of a group add we received (the others it
	// named, signed by its sender), so a group call we missed or declined
	// says who was in it; nil for every other call.
	Members []identity.PeerID
}

// Info is a call as the UI sees it (method results and event data).
type Info struct {
	ID        string    `json:"id"`
	Peer      string    `json:"peer"`
	PeerName  string    `json:"peerName"`
	Direction Direction `json:"direction"`
	Media     []string  `json:"media"`
	State     State     `json:"state"`
	Outcome   Outcome   `json:"outcome,omitempty"`
	Reason    string    `json:"reason,omitempty"`
	// Cause is why an ended call could not go on, as a code of the app's
	// table (package errcode), for the UI to decide on: offline when the
	// peer could not be reached, or its link dropped before the call
	// connected; do_not_disturb when the other side refused it because
	// do not disturb is on. Empty when a person or a timer ended it
	// (Outcome says how) or the other side refused it otherwise. Reason
	// is the words.
	Cause    errcode.Code `json:"cause,omitempty"`
	Verified bool         `json:"verified"`
	// SameNameAs is set for a caller that is not a contact but uses a
	// contact's name: that contact's name ("someone using Grace's name").
	SameNameAs string `json:"sameNameAs,omitempty"`
	AutoAccept bool   `json:"autoAccept,omitempty"`
	SafetyCode string `json:"safetyCode,omitempty"`
	// Group is the group id when the call is one leg of a group call
	// (group.go); Members, on an incoming leg, the others its invite
	// said are in the call (peer ids), for the ringing screen and for the
	// UI to Join each once it answered.
	Group       string     `json:"group,omitempty"`
	Members     []string   `json:"members,omitempty"`
	StartedAt   time.Time  `json:"startedAt"`
	ConnectedAt *time.Time `json:"connectedAt,omitempty"`
	EndedAt     *time.Time `json:"endedAt,omitempty"`
}

// Incoming is the data of call:incoming: the call and the caller's offer.
type Incoming struct {
	Call  Info   `json:"call"`
	Offer string `json:"offer"`
	// Candidates are the caller's ICE candidates heard so far, and
	// EndOfCandidates whether the caller sent its last (Manager.Incoming
	// only: the call:incoming event goes out before any).
	Candidates      []signaling.Candidate `json:"candidates,omitempty"`
	EndOfCandidates bool                  `json:"endOfCandidates,omitempty"`
}

// Signal is the data of call:signal: something from the remote side that
// the UI's engine must apply.
type Signal struct {
	Call string `json:"call"`
	// Kind is "answer", "candidate", "end_of_candidates" or "renegotiate".
	Kind string `json:"kind"`
	// SDP and Description are set for answer and renegotiate.
	SDP         string               `json:"sdp,omitempty"`
	Description string               `json:"description,omitempty"` // "offer" or "answer"
	Candidate   *signaling.Candidate `json:"candidate,omitempty"`
}

// The call:* events this package emits (names defined in package events).
const (
	EventState    = events.CallState    // data: Info
	EventIncoming = events.CallIncoming // data: Incoming
	EventSignal   = events.CallSignal   // data: Signal
)

func (c *call) snapshot() Info {
	in := c.info
	in.Media = append([]string(nil), c.info.Media...)
	return in
}

func mediaNames(video bool) []string {
	if video {
		return []string{"audio", "video"}
	}
	return []string{"audio"}
}

func mediaKinds(video bool) []signaling.Media {
	if video {
		return []signaling.Media{signaling.MediaAudio, signaling.MediaVideo}
	}
	return []signaling.Media{signaling.MediaAudio}
}

func hasVideo(m []signaling.Media) bool {
	for _, k := range m {
		if k == signaling.MediaVideo {
			return true
		}
	}
	return false
}
