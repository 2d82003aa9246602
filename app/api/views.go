package api

import (
	"slices"

	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
)

// ContactView is a contact as the UI sees it.
type ContactView struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	AnnouncedName string `json:"announcedName"`
	Server        string `json:"server"`
	Address       string `json:"address"`
	Favorite      bool   `json:"favorite"`
	Blocked       bool   `json:"blocked"`
	// Verified: a key is pinned (trust on first use happened).
	Verified bool `json:"verified"`
	// KeyChanged: the contact called with a new identity; calls are held
	// until AcceptNewKey or RejectNewKey. NewID is that identity.
	KeyChanged bool   `json:"keyChanged"`
	NewID      string `json:"newId,omitempty"`
	Online     bool   `json:"online"`
	LAN        bool   `json:"lan"`
}

// onliner says who is online (presence.Tracker).
type onliner interface {
	Online(id identity.PeerID) (online, lan bool)
}

func contactView(c store.Contact, p onliner) ContactView {
	v := ContactView{ID: c.ID.String(), Name: c.DisplayName(), AnnouncedName: c.AnnouncedName, Server: c.SignalURL,
		Address: c.LANAddr, Favorite: c.Favorite, Blocked: c.Blocked, Verified: c.Key != nil, KeyChanged: c.KeyChanged()}
	if c.PendingKey != nil {
		v.NewID = identity.IDFromKey(c.PendingKey).String()
	}
	if p != nil {
		v.Online, v.LAN = p.Online(c.ID)
	}
	return v
}

// PeerView is one entry of the people list: a contact, a LAN peer, or both.
type PeerView struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Online     bool   `json:"online"`
	LAN        bool   `json:"lan"`
	Contact    bool   `json:"contact"`
	Favorite   bool   `json:"favorite"`
	Blocked    bool   `json:"blocked"`
	Verified   bool   `json:"verified"`
	KeyChanged bool   `json:"keyChanged"`
}

// HistoryEntry is one call in the history list.
type HistoryEntry struct {
	CallID     string `json:"callId"`
	Peer       string `json:"peer"`
	PeerName   string `json:"peerName"`
	Direction  string `json:"direction"`
	Media      string `json:"media"`
	Outcome    string `json:"outcome"`
	StartedAt  int64  `json:"startedAt"`
	AnsweredAt int64  `json:"answeredAt,omitempty"`
	EndedAt    int64  `json:"endedAt,omitempty"`
	DurationMs int64  `json:"durationMs"`
	Error      string `json:"error,omitempty"`
	// Attempts is how many rings the entry stands for, when more than one
	// (a stranger that rang again and again: one entry, counted).
	Attempts int `json:"attempts,omitempty"`
	// Group is set on a group call's entry (its group id); absent for a
	// 1:1 call, whose entry is exactly as before. A group entry's callId,
	// peer, peerName, direction and error are its first leg's; media,
	// times and outcome fold all legs (docs/decisions.md).
	Group string `json:"group,omitempty"`
	// Participants are a group call's other people, one each, in the
	// order they came; absent for a 1:1 call.
	Participants []ParticipantView `json:"participants,omitempty"`
	// Members are people a group invite we got named as in the call whom
	// we had no call with (a group call we missed or declined: who else
	// was in it), as peer ids; absent otherwise.
	Members []string `json:"members,omitempty"`
}

// ParticipantView is one other person of a group call in the history:
// their legs folded (someone who left and was added again is one).
type ParticipantView struct {
	Peer      string `json:"peer"`
	PeerName  string `json:"peerName"`
	Direction string `json:"direction"`
	// Outcome is a call outcome from this side: completed (took part),
	// declined, missed, no_answer, busy, failed, ...
	Outcome string `json:"outcome"`
	// Cause is the error code of why their leg could not go on:
	// call_full when they were refused because the call was full.
	Cause      string `json:"cause,omitempty"`
	StartedAt  int64  `json:"startedAt"`
	AnsweredAt int64  `json:"answeredAt,omitempty"`
	EndedAt    int64  `json:"endedAt,omitempty"`
	DurationMs int64  `json:"durationMs"`
}

// foldedEntry is a store entry as the UI shows it.
func foldedEntry(e store.Entry) HistoryEntry {
	out := historyEntry(e.Call)
	if !e.IsGroup() {
		return out
	}
	for _, p := range e.Participants {
		v := historyEntry(p)
		out.Participants = append(out.Participants, ParticipantView{Peer: v.Peer, PeerName: v.PeerName, Direction: v.Direction,
			Outcome: v.Outcome, Cause: p.Cause, StartedAt: v.StartedAt, AnsweredAt: v.AnsweredAt, EndedAt: v.EndedAt,
			DurationMs: v.DurationMs})
	}
	for _, m := range e.Call.Members {
		if !slices.ContainsFunc(out.Participants, func(p ParticipantView) bool { return p.Peer == m.String() }) && m.String() != out.Peer {
			out.Members = append(out.Members, m.String())
		}
	}
	return out
}

func historyEntry(c store.Call) HistoryEntry {
	e := HistoryEntry{CallID: c.ID, Peer: c.Peer.String(), PeerName: c.PeerName, Direction: c.Direction.String(),
		Media: c.Media.String(), Outcome: c.Outcome.String(), StartedAt: c.StartedAt.UnixMilli(),
		DurationMs: c.Duration().Milliseconds(), Error: c.Error, Group: c.Group}
	if c.Attempts > 1 {
		e.Attempts = c.Attempts
	}
	if !c.AnsweredAt.IsZero() {
		e.AnsweredAt = c.AnsweredAt.UnixMilli()
	}
	if !c.EndedAt.IsZero() {
		e.EndedAt = c.EndedAt.UnixMilli()
	}
	return e
}

// HistoryPage is one page of history, newest first; Next continues it.
type HistoryPage struct {
	Entries []HistoryEntry `json:"entries"`
	Next    string         `json:"next,omitempty"`
}
