//go:build linux

package e2e

import (
	"encoding/json"
	"testing"
	"time"
)

// DoNotDisturb is dnd.Status as the bridge sends it.
type DoNotDisturb struct {
	On    bool       `json:"on"`
	Until *time.Time `json:"until"`
}

// TestDoNotDisturb: Grace turns do not disturb on; Ada's call to her ends
// at once with the do_not_disturb cause (the UI's "Grace is not taking
// calls right now"), Grace never rings, and her history has a missed call
// from Ada. The switch survives a restart; turned off, Ada gets through.
func TestDoNotDisturb(t *testing.T) {
	requireE2E(t)
	ada, grace, _ := lanPair(t, Options{Name: "Ada"}, Options{Name: "Grace"})

	var st DoNotDisturb
	grace.Do(&st, "Settings.SetDoNotDisturb", "until_off")
	if !st.On || st.Until != nil {
		t.Fatalf("Settings.SetDoNotDisturb(until_off) = %+v, want on with no end", st)
	}
	grace.WaitEvent("dnd:changed", func(d json.RawMessage) bool { return decodeDND(t, d).On }, signalTimeout)

	call := ada.StartCall(grace.ID(), true, FakeSDP("offer"))
	end := ada.WaitState(call.ID, "ended", signalTimeout)
	if end.Outcome != "unavailable" || end.Cause != "do_not_disturb" {
		t.Errorf("Ada's call ended %q, cause %q (%s); want unavailable, cause do_not_disturb", end.Outcome, end.Cause, end.Reason)
	}
	checkHistory(t, ada, call.ID, "outgoing", "unavailable")
	// Grace's missed entry is recorded after the refusal: once its event
	// is in, anything that would have rung has arrived too.
	grace.WaitEvent("history:changed", func(d json.RawMessage) bool {
		var e HistoryEntry
		return json.Unmarshal(d, &e) == nil && e.CallID == call.ID
	}, signalTimeout)
	missed := checkHistory(t, grace, call.ID, "incoming", "missed")
	if missed.PeerName != "Ada" || missed.Peer != ada.ID() {
		t.Errorf("Grace's missed call names %q (%s), want Ada (%s)", missed.PeerName, missed.Peer, ada.ID())
	}
	if evs := grace.Events("call:incoming"); len(evs) > 0 {
		t.Errorf("Grace rang with do not disturb on: %s", evs[0].Data)
	}
	for _, ev := range grace.Events("call:state") {
		t.Errorf("Grace's UI saw call:state with do not disturb on: %s", ev.Data)
	}

	t.Logf("Ada: %s (%s, cause %s); Grace: %s from %s", end.Outcome, end.Reason, end.Cause, missed.Outcome, missed.PeerName)

	// It is kept across a restart.
	grace.Quit()
	grace.Restart()
	grace.Do(&st, "Settings.DoNotDisturb")
	if !st.On {
		t.Fatalf("after a restart: %+v, want still on", st)
	}

	// Off: calls ring again.
	grace.Do(&st, "Settings.EndDoNotDisturb")
	if st.On {
		t.Fatalf("Settings.EndDoNotDisturb = %+v, want off", st)
	}
	waitOnlineLAN(t, ada, grace)
	again := ada.StartCall(grace.ID(), true, FakeSDP("offer"))
	grace.WaitIncoming(ada.ID(), again.ID, signalTimeout)
	ada.Do(nil, "Calls.Cancel", again.ID)
	grace.WaitState(again.ID, "ended", signalTimeout)

	// A span the app does not know is refused and changes nothing.
	if _, err := grace.Call("Settings.SetDoNotDisturb", "forever-and-ever"); err == nil {
		t.Error("Settings.SetDoNotDisturb accepted an unknown span")
	}
	grace.Do(&st, "Settings.SetDoNotDisturb", "hour")
	if !st.On || st.Until == nil || st.Until.Sub(time.Now()) > time.Hour || st.Until.Sub(time.Now()) < 59*time.Minute {
		t.Errorf("Settings.SetDoNotDisturb(hour) = %+v, want on for an hour", st)
	}
}

func decodeDND(t *testing.T, d json.RawMessage) DoNotDisturb {
	t.Helper()
	var st DoNotDisturb
	if err := json.Unmarshal(d, &st); err != nil {
		t.Fatalf("dnd:changed data %s: %v", d, err)
	}
	return st
}
