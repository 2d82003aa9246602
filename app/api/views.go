package api

import (
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
}

func historyEntry(c store.Call) HistoryEntry {
	e := HistoryEntry{CallID: c.ID, Peer: c.Peer.String(), PeerName: c.PeerName, Direction: c.Direction.String(),
		Media: c.Media.String(), Outcome: c.Outcome.String(), StartedAt: c.StartedAt.UnixMilli(),
		DurationMs: c.Duration().Milliseconds(), Error: c.Error}
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
