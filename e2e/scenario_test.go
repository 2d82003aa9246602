//go:build linux

package e2e

// Building blocks the tests share: two instances on a LAN that have found
// each other, a call brought to connected, and a full call round trip,
// played by the test in the role of both UIs.

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// Waits the tests allow (generous: a shared 2-core machine; the tight
// targets are asserted where the contract states them).
const (
	discoverTimeout = 10 * time.Second
	signalTimeout   = 5 * time.Second
)

// lanPair starts A and B on a two-host LAN and waits until each lists the
// other online on the LAN.
func lanPair(t *testing.T, optsA, optsB Options) (a, b *Instance, lan *netnstest.LAN) {
	t.Helper()
	lan = netnstest.NewLAN(t, 2)
	a = StartInstance(t, lan.Hosts[0], "A", optsA)
	b = StartInstance(t, lan.Hosts[1], "B", optsB)
	waitOnlineLAN(t, a, b)
	waitOnlineLAN(t, b, a)
	return a, b, lan
}

// waitOnlineLAN waits until in lists other online and on the LAN.
func waitOnlineLAN(t *testing.T, in, other *Instance) PeerView {
	t.Helper()
	p, _ := in.WaitPeer(other.ID(), func(p PeerView) bool { return p.Online && p.LAN }, discoverTimeout)
	return p
}

// connectedCall places a call from a to b and brings it to connected on
// both sides (the test plays both UIs). It returns the call id.
func connectedCall(t *testing.T, a, b *Instance) string {
	t.Helper()
	call := a.StartCall(b.ID(), true, FakeSDP("offer"))
	b.WaitIncoming(a.ID(), call.ID, signalTimeout)
	b.Do(nil, "Calls.Accept", call.ID, true, FakeSDP("answer"))
	a.WaitSignal(call.ID, "answer", nil, signalTimeout)
	a.Do(nil, "Calls.MediaState", call.ID, "connected")
	b.Do(nil, "Calls.MediaState", call.ID, "connected")
	a.WaitState(call.ID, "connected", signalTimeout)
	b.WaitState(call.ID, "connected", signalTimeout)
	return call.ID
}

// roundTrip plays a whole call from caller to callee: ring, accept,
// answer, candidates both ways, media connected, renegotiation, hang-up by
// hanger (one of the two). It returns the call id.
func roundTrip(t *testing.T, caller, callee, hanger *Instance) string {
	t.Helper()
	offer := FakeSDP("offer")
	started := time.Now()
	call := caller.StartCall(callee.ID(), true, offer)
	if call.ID == "" || call.Direction != "outgoing" || call.Peer != callee.ID() {
		t.Fatalf("Calls.Start result: %+v", call)
	}
	if call.State != "calling" && call.State != "ringing" {
		t.Errorf("Calls.Start state %q, want calling", call.State)
	}

	inc := callee.WaitIncoming(caller.ID(), call.ID, signalTimeout)
	ringAfter := time.Since(started)
	switch {
	case inc.Call.ID != call.ID:
		t.Fatalf("callee's call id %q, caller's %q", inc.Call.ID, call.ID)
	case inc.Offer != offer:
		t.Fatalf("offer changed on the way:\n got %q\nwant %q", inc.Offer, offer)
	case inc.Call.State != "ringing" || inc.Call.Direction != "incoming":
		t.Errorf("call:incoming call: %+v, want ringing incoming", inc.Call)
	case inc.Call.PeerName != caller.Opts.Name:
		t.Errorf("call:incoming peerName %q, want %q", inc.Call.PeerName, caller.Opts.Name)
	}
	if len(inc.Call.Media) != 2 {
		t.Errorf("call:incoming media %v, want audio and video", inc.Call.Media)
	}
	caller.WaitState(call.ID, "ringing", signalTimeout)

	answer := FakeSDP("answer")
	var accepted CallInfo
	acceptAt := time.Now()
	callee.Do(&accepted, "Calls.Accept", call.ID, true, answer)
	if accepted.State != "connecting" {
		t.Errorf("Calls.Accept state %q, want connecting", accepted.State)
	}
	sig := caller.WaitSignal(call.ID, "answer", nil, signalTimeout)
	answerAfter := time.Since(acceptAt)
	if sig.SDP != answer {
		t.Fatalf("answer changed on the way:\n got %q\nwant %q", sig.SDP, answer)
	}
	connecting := caller.WaitState(call.ID, "connecting", signalTimeout)
	if connecting.SafetyCode == "" || accepted.SafetyCode == "" {
		t.Errorf("safety code missing: caller %q, callee %q", connecting.SafetyCode, accepted.SafetyCode)
	} else if connecting.SafetyCode != accepted.SafetyCode {
		t.Errorf("safety codes differ: caller %q, callee %q", connecting.SafetyCode, accepted.SafetyCode)
	}
	t.Logf("signaling: invite→ringing at callee %v, accept→answer at caller %v, safety code %q",
		ringAfter.Round(time.Millisecond), answerAfter.Round(time.Millisecond), accepted.SafetyCode)

	// Trickle ICE both ways, then end-of-candidates.
	relayCandidates(t, call.ID, caller, callee, "10.0.0.1")
	relayCandidates(t, call.ID, callee, caller, "10.0.0.2")

	caller.Do(nil, "Calls.MediaState", call.ID, "connected")
	callee.Do(nil, "Calls.MediaState", call.ID, "connected")
	caller.WaitState(call.ID, "connected", signalTimeout)
	callee.WaitState(call.ID, "connected", signalTimeout)
	for _, in := range []*Instance{caller, callee} {
		var cur *CallInfo
		in.Do(&cur, "Calls.Current")
		if cur == nil || cur.ID != call.ID || cur.State != "connected" {
			t.Errorf("%s: Calls.Current = %+v, want the connected call", in.Label, cur)
		}
	}

	// Renegotiation (a screen share, say), signed both ways.
	reoffer, reanswer := FakeSDP("offer"), FakeSDP("answer")
	caller.Do(nil, "Calls.Renegotiate", call.ID, "offer", reoffer)
	if s := callee.WaitSignal(call.ID, "renegotiate", nil, signalTimeout); s.SDP != reoffer || s.Description != "offer" {
		t.Errorf("renegotiate at callee: %+v", s)
	}
	callee.Do(nil, "Calls.Renegotiate", call.ID, "answer", reanswer)
	if s := caller.WaitSignal(call.ID, "renegotiate", nil, signalTimeout); s.SDP != reanswer || s.Description != "answer" {
		t.Errorf("renegotiate at caller: %+v", s)
	}

	other := callee
	if hanger == callee {
		other = caller
	}
	hanger.Do(nil, "Calls.Hangup", call.ID)
	for _, in := range []*Instance{hanger, other} {
		end := in.WaitState(call.ID, "ended", signalTimeout)
		if end.Outcome != "completed" {
			t.Errorf("%s: ended with outcome %q (%s), want completed", in.Label, end.Outcome, end.Reason)
		}
	}
	checkHistory(t, caller, call.ID, "outgoing", "completed")
	checkHistory(t, callee, call.ID, "incoming", "completed")
	for _, in := range []*Instance{caller, callee} {
		var cur *CallInfo
		in.Do(&cur, "Calls.Current")
		if cur != nil {
			t.Errorf("%s: Calls.Current after hang-up = %+v, want null", in.Label, cur)
		}
	}
	return call.ID
}

// relayCandidates sends two candidates and end-of-candidates from one side
// and checks they arrive at the other, in order and unchanged.
func relayCandidates(t *testing.T, callID string, from, to *Instance, addr string) {
	t.Helper()
	sent := []Candidate{FakeCandidate(1, addr), FakeCandidate(2, addr)}
	for _, c := range sent {
		from.Do(nil, "Calls.Candidate", callID, c)
	}
	from.Do(nil, "Calls.Candidate", callID, Candidate{Candidate: ""})
	to.WaitSignal(callID, "end_of_candidates", nil, signalTimeout)
	var got []Candidate
	for _, ev := range to.Events("call:signal") {
		var s Signal
		if json.Unmarshal(ev.Data, &s) == nil && s.Call == callID && s.Kind == "candidate" && s.Candidate != nil {
			got = append(got, *s.Candidate)
		}
	}
	var mine []Candidate
	for _, c := range got {
		for _, w := range sent {
			if c.Candidate == w.Candidate {
				mine = append(mine, c)
			}
		}
	}
	if len(mine) != len(sent) {
		t.Fatalf("%s → %s: %d of %d candidates arrived: %+v", from.Label, to.Label, len(mine), len(sent), got)
	}
	for i, c := range mine {
		w := sent[i]
		if c.Candidate != w.Candidate || c.SDPMid == nil || *c.SDPMid != *w.SDPMid || c.SDPMLineIndex == nil || *c.SDPMLineIndex != *w.SDPMLineIndex {
			t.Errorf("%s → %s: candidate %d = %+v, want %+v", from.Label, to.Label, i, c, w)
		}
	}
}

// checkHistory checks in's history entry for callID.
func checkHistory(t *testing.T, in *Instance, callID, direction, outcome string) HistoryEntry {
	t.Helper()
	e := in.HistoryEntry(callID)
	if e.Direction != direction || e.Outcome != outcome {
		t.Errorf("%s: history entry %+v, want direction %s outcome %s", in.Label, e, direction, outcome)
	}
	if len(e.StartedAt) == 0 || string(e.StartedAt) == "null" || len(e.EndedAt) == 0 || string(e.EndedAt) == "null" {
		t.Errorf("%s: history entry without start or end time: %+v", in.Label, e)
	}
	if e.DurationMs < 0 {
		t.Errorf("%s: history entry with negative duration: %+v", in.Label, e)
	}
	return e
}

// endCalls hangs up whatever call each instance has.
func endCalls(t *testing.T, ins ...*Instance) {
	t.Helper()
	for _, in := range ins {
		var cur *CallInfo
		in.Do(&cur, "Calls.Current")
		if cur != nil {
			in.Call("Calls.Hangup", cur.ID)
		}
	}
}
