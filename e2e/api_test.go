//go:build linux

package e2e

// Typed views of the bridge API's values (only the fields the tests read;
// unknown fields are ignored) and helpers built on them.

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Me is Identity.Me's result.
type Me struct {
	ID      string `json:"id"`
	Short   string `json:"short"`
	Name    string `json:"name"`
	HubPort int    `json:"hubPort"`
}

// PeerView is one entry of Peers.List and the data of peer:online.
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

// CallInfo is a call as the UI sees it (app/calls.Info).
type CallInfo struct {
	ID         string   `json:"id"`
	Peer       string   `json:"peer"`
	PeerName   string   `json:"peerName"`
	Direction  string   `json:"direction"`
	Media      []string `json:"media"`
	State      string   `json:"state"`
	Outcome    string   `json:"outcome"`
	Reason     string   `json:"reason"`
	Cause      string   `json:"cause"`
	Verified   bool     `json:"verified"`
	AutoAccept bool     `json:"autoAccept"`
	SameNameAs string   `json:"sameNameAs"`
	SafetyCode string   `json:"safetyCode"`
}

// Incoming is the data of call:incoming.
type Incoming struct {
	Call  CallInfo `json:"call"`
	Offer string   `json:"offer"`
}

// Candidate is an ICE candidate as the bridge takes and gives it.
type Candidate struct {
	Candidate     string  `json:"candidate"`
	SDPMid        *string `json:"sdpMid,omitempty"`
	SDPMLineIndex *uint16 `json:"sdpMLineIndex,omitempty"`
}

// Signal is the data of call:signal.
type Signal struct {
	Call        string     `json:"call"`
	Kind        string     `json:"kind"`
	SDP         string     `json:"sdp"`
	Description string     `json:"description"`
	Candidate   *Candidate `json:"candidate"`
}

// HistoryEntry is one History.List entry. Media and the times are kept raw:
// the tests check that they are there, not their encoding.
type HistoryEntry struct {
	CallID     string          `json:"callId"`
	Peer       string          `json:"peer"`
	PeerName   string          `json:"peerName"`
	Direction  string          `json:"direction"`
	Media      json.RawMessage `json:"media"`
	Outcome    string          `json:"outcome"`
	StartedAt  json.RawMessage `json:"startedAt"`
	AnsweredAt json.RawMessage `json:"answeredAt"`
	EndedAt    json.RawMessage `json:"endedAt"`
	DurationMs int64           `json:"durationMs"`
	// Raw is the entry as the bridge sent it.
	Raw json.RawMessage `json:"-"`
}

func (e HistoryEntry) String() string { return string(e.Raw) }

// HistoryPage is History.List's result.
type HistoryPage struct {
	Entries []HistoryEntry  `json:"entries"`
	Next    json.RawMessage `json:"next"`
}

// UnmarshalJSON keeps each entry's raw form.
func (p *HistoryPage) UnmarshalJSON(b []byte) error {
	var raw struct {
		Entries []json.RawMessage `json:"entries"`
		Next    json.RawMessage   `json:"next"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	p.Next, p.Entries = raw.Next, make([]HistoryEntry, len(raw.Entries))
	for i, r := range raw.Entries {
		type plain HistoryEntry
		if err := json.Unmarshal(r, (*plain)(&p.Entries[i])); err != nil {
			return err
		}
		p.Entries[i].Raw = r
	}
	return nil
}

// Me returns Identity.Me (cached per run).
func (in *Instance) Me() Me {
	in.t.Helper()
	if in.me == nil {
		var me Me
		in.Do(&me, "Identity.Me")
		if me.ID == "" {
			in.t.Fatalf("%s: Identity.Me has no id", in.Label)
		}
		in.me = &me
	}
	return *in.me
}

// ID is the instance's peer id.
func (in *Instance) ID() string { return in.Me().ID }

// Peers returns Peers.List.
func (in *Instance) Peers() []PeerView {
	in.t.Helper()
	var ps []PeerView
	in.Do(&ps, "Peers.List")
	return ps
}

// Peer returns id's entry in Peers.List.
func (in *Instance) Peer(id string) (PeerView, bool) {
	in.t.Helper()
	for _, p := range in.Peers() {
		if p.ID == id {
			return p, true
		}
	}
	return PeerView{}, false
}

// WaitPeer polls Peers.List until id's entry satisfies ok, and returns it
// with the time it was first seen so.
func (in *Instance) WaitPeer(id string, ok func(PeerView) bool, timeout time.Duration) (PeerView, time.Time) {
	in.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		p, found := in.Peer(id)
		if found && ok(p) {
			return p, time.Now()
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("%s: peer %s not as wanted within %v: %+v (found %v); list: %+v", in.Label, short(id), timeout, p, found, in.Peers())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// History returns the newest entries of History.List.
func (in *Instance) History() []HistoryEntry {
	in.t.Helper()
	var page HistoryPage
	in.Do(&page, "History.List", 50, nil)
	return page.Entries
}

// HistoryEntry waits (briefly: history is written as a call ends) for
// callID's entry.
func (in *Instance) HistoryEntry(callID string) HistoryEntry {
	in.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		var page HistoryPage
		raw, err := in.Call("History.List", 50, nil)
		if err == nil {
			if err = json.Unmarshal(raw, &page); err == nil {
				for _, e := range page.Entries {
					if e.CallID == callID {
						return e
					}
				}
			}
		}
		if time.Now().After(deadline) {
			in.t.Fatalf("%s: no history entry for call %s (err %v): %s", in.Label, callID, err, raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StartCall calls Calls.Start and decodes the call.
func (in *Instance) StartCall(peer string, video bool, offer string) CallInfo {
	in.t.Helper()
	var c CallInfo
	in.Do(&c, "Calls.Start", peer, video, offer)
	return c
}

// WaitIncoming waits for call:incoming from peer for callID ("": any
// call from peer).
func (in *Instance) WaitIncoming(peer, callID string, timeout time.Duration) Incoming {
	in.t.Helper()
	ev := in.WaitEvent("call:incoming", func(raw json.RawMessage) bool {
		var inc Incoming
		return json.Unmarshal(raw, &inc) == nil && inc.Call.Peer == peer && (callID == "" || inc.Call.ID == callID)
	}, timeout)
	var inc Incoming
	decode(in.t, ev.Data, &inc)
	return inc
}

// WaitState waits for call:state of callID in state, and returns it.
func (in *Instance) WaitState(callID, state string, timeout time.Duration) CallInfo {
	in.t.Helper()
	ev := in.WaitEvent("call:state", callIs(callID, state), timeout)
	var c CallInfo
	decode(in.t, ev.Data, &c)
	return c
}

// WaitSignal waits for call:signal of callID of the given kind.
func (in *Instance) WaitSignal(callID, kind string, match func(Signal) bool, timeout time.Duration) Signal {
	in.t.Helper()
	ev := in.WaitEvent("call:signal", func(raw json.RawMessage) bool {
		var s Signal
		return json.Unmarshal(raw, &s) == nil && s.Call == callID && s.Kind == kind && (match == nil || match(s))
	}, timeout)
	var s Signal
	decode(in.t, ev.Data, &s)
	return s
}

// callIs matches call:state data of callID ("": any call) in state ("":
// any state).
func callIs(callID, state string) func(json.RawMessage) bool {
	return func(raw json.RawMessage) bool {
		var c CallInfo
		return json.Unmarshal(raw, &c) == nil && (callID == "" || c.ID == callID) && (state == "" || c.State == state)
	}
}

// incomingIs matches call:incoming data for callID.
func incomingIs(callID string) func(json.RawMessage) bool {
	return func(raw json.RawMessage) bool {
		var inc Incoming
		return json.Unmarshal(raw, &inc) == nil && inc.Call.ID == callID
	}
}

// peerIs matches peer:online / peer:offline data about id.
func peerIs(id string) func(json.RawMessage) bool {
	return func(raw json.RawMessage) bool {
		var p struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(raw, &p) == nil && p.ID == id {
			return true
		}
		var s string // tolerate a bare id
		return json.Unmarshal(raw, &s) == nil && s == id
	}
}

// States returns the states callID went through, in order, as seen in
// call:state events.
func (in *Instance) States(callID string) []string {
	var out []string
	for _, ev := range in.Events("call:state") {
		var c CallInfo
		if json.Unmarshal(ev.Data, &c) == nil && c.ID == callID {
			out = append(out, c.State)
		}
	}
	return out
}

func decode(t testing.TB, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// FakeSDP returns a stand-in session description: enough for the Go core,
// which only signs, relays and reads the DTLS fingerprint of it. Every
// call makes a fresh fingerprint, as a browser does.
func FakeSDP(kind string) string {
	fp := make([]byte, 32)
	rand.Read(fp)
	pairs := make([]string, len(fp))
	for i, b := range fp {
		pairs[i] = strings.ToUpper(hex.EncodeToString([]byte{b}))
	}
	return strings.Join([]string{
		"v=0",
		fmt.Sprintf("o=- %d 2 IN IP4 127.0.0.1", time.Now().UnixNano()%1e9),
		"s=-",
		"t=0 0",
		"a=group:BUNDLE 0",
		"m=audio 9 UDP/TLS/RTP/SAVPF 111",
		"c=IN IP4 0.0.0.0",
		"a=mid:0",
		"a=" + kind,
		"a=fingerprint:sha-256 " + strings.Join(pairs, ":"),
		"a=setup:actpass",
		"a=rtpmap:111 opus/48000/2",
	}, "\r\n") + "\r\n"
}

// FakeCandidate returns a host candidate line for addr.
func FakeCandidate(n int, addr string) Candidate {
	mid := "0"
	var idx uint16
	return Candidate{
		Candidate:     fmt.Sprintf("candidate:%d 1 udp 2122260223 %s %d typ host generation 0", n, addr, 50000+n),
		SDPMid:        &mid,
		SDPMLineIndex: &idx,
	}
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

// median returns the median of ds (0 for none).
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
