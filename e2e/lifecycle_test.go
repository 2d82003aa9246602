//go:build linux

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// TestQuitDuringCall: the callee quits (SIGTERM, as closing the app) in
// the middle of a call: it hangs up on the way out, the caller's call ends
// completed, and the callee's history has the call after a restart.
func TestQuitDuringCall(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	id := connectedCall(t, a, b)
	sent := time.Now()
	b.Quit()
	end := a.WaitState(id, "ended", 5*time.Second)
	t.Logf("callee quit → caller's call ended %q (%s) after %v", end.Outcome, end.Reason, time.Since(sent).Round(time.Millisecond))
	if end.Outcome != "completed" {
		t.Errorf("caller: outcome %q, want completed", end.Outcome)
	}
	b.Restart()
	checkHistory(t, b, id, "incoming", "completed")
	checkHistory(t, a, id, "outgoing", "completed")
}

// TestCallerDiesWhileRinging: the caller is killed while the callee
// rings: the callee stops ringing (missed) instead of ringing on for the
// whole ring timeout.
func TestCallerDiesWhileRinging(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{}) // default ring timeout: 45 s
	call := a.StartCall(b.ID(), true, FakeSDP("offer"))
	b.WaitIncoming(a.ID(), call.ID, signalTimeout)
	sent := time.Now()
	a.Kill9()
	end := b.WaitState(call.ID, "ended", 10*time.Second)
	t.Logf("caller killed → callee stopped ringing after %v: %q (%s)", time.Since(sent).Round(time.Millisecond), end.Outcome, end.Reason)
	if end.Outcome != "missed" {
		t.Errorf("callee: a call that rang and was never answered ended %q (%s), want missed", end.Outcome, end.Reason)
	}
	checkHistory(t, b, call.ID, "incoming", end.Outcome)
}

// TestCallSurvivesSignalingLoss: once connected, media is peer to peer and
// the call must outlive its signaling link (DESIGN.md, step 5). Here the
// LAN link goes entirely, the peers go offline, and the call is still
// there on both sides; each can still hang up locally.
func TestCallSurvivesSignalingLoss(t *testing.T) {
	requireE2E(t)
	a, b, lan := lanPair(t, Options{}, Options{})
	id := connectedCall(t, a, b)
	a.Mark()
	b.Mark()
	lan.Unplug(t, lan.Hosts[1])
	a.WaitEvent("peer:offline", peerIs(b.ID()), 15*time.Second)
	time.Sleep(time.Second)
	for _, in := range []*Instance{a, b} {
		for _, ev := range in.Events("call:state") {
			var c CallInfo
			if json.Unmarshal(ev.Data, &c) == nil && c.ID == id && c.State == "ended" {
				t.Errorf("%s: the connected call ended when signaling dropped: %s", in.Label, ev.Data)
			}
		}
		var cur *CallInfo
		in.Do(&cur, "Calls.Current")
		if cur == nil || cur.ID != id {
			t.Errorf("%s: Calls.Current = %+v, want the call still live", in.Label, cur)
		}
	}
	// Media went to ICE restart and came back: the state follows.
	a.Do(nil, "Calls.MediaState", id, "reconnecting")
	a.WaitState(id, "reconnecting", signalTimeout)
	a.Do(nil, "Calls.MediaState", id, "connected")
	a.WaitState(id, "connected", signalTimeout)
	for _, in := range []*Instance{a, b} {
		if _, err := in.Call("Calls.Hangup", id); err != nil {
			t.Logf("%s: hang-up without signaling: %v", in.Label, err)
		}
		end := in.WaitState(id, "ended", signalTimeout)
		if end.Outcome != "completed" {
			t.Errorf("%s: local hang-up without signaling ended %q (%s), want completed", in.Label, end.Outcome, end.Reason)
		}
		// Connected for over five seconds: history says so.
		if e := checkHistory(t, in, id, map[*Instance]string{a: "outgoing", b: "incoming"}[in], "completed"); e.DurationMs < 5000 {
			t.Errorf("%s: history duration %d ms for a call connected over 5 s", in.Label, e.DurationMs)
		}
	}
}

// TestCalleeQuitsWhileRinging: the callee's app is closed while it rings.
// The caller's attempt ends at once; neither side may record that the
// callee's user declined.
func TestCalleeQuitsWhileRinging(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	call := a.StartCall(b.ID(), true, FakeSDP("offer"))
	b.WaitIncoming(a.ID(), call.ID, signalTimeout)
	a.WaitState(call.ID, "ringing", signalTimeout)
	b.Quit()
	end := a.WaitState(call.ID, "ended", signalTimeout)
	t.Logf("callee quit while ringing → caller: %q (%s)", end.Outcome, end.Reason)
	if end.Outcome == "declined" {
		t.Errorf("caller told the call was declined when the callee's app quit while ringing (%s)", end.Reason)
	}
	b.Restart()
	e := b.HistoryEntry(call.ID)
	t.Logf("callee's history: %s", e)
	if e.Outcome == "declined" {
		t.Errorf("callee's history says the user declined a call that rang while the app quit: %s", e)
	}
}

// TestPersistence: contacts (favorite, blocked), history and identity
// outlive a restart, and the block is still enforced after it.
func TestPersistence(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	id := roundTrip(t, a, b, a)
	// The call pinned B's key (trust on first use), which makes B a
	// contact; otherwise the user adds it.
	if p, _ := a.Peer(b.ID()); !p.Contact {
		a.Do(nil, "Contacts.AddFromLAN", b.ID())
	}
	a.Do(nil, "Contacts.Rename", b.ID(), "Bobby")
	a.Do(nil, "Contacts.SetFavorite", b.ID(), true)
	a.Do(nil, "Contacts.SetBlocked", b.ID(), true)
	idA := a.ID()
	a.Quit()
	a.Restart()
	if a.ID() != idA {
		t.Fatalf("A's id changed across a restart: %s → %s", idA, a.ID())
	}
	checkHistory(t, a, id, "outgoing", "completed")
	var contacts []map[string]any
	a.Do(&contacts, "Contacts.List")
	var found map[string]any
	for _, c := range contacts {
		if c["id"] == b.ID() {
			found = c
		}
	}
	if found == nil {
		t.Fatalf("contact B lost across a restart: %v", contacts)
	}
	if found["name"] != "Bobby" || found["favorite"] != true || found["blocked"] != true {
		t.Errorf("contact B after restart: %v, want name Bobby, favorite, blocked", found)
	}
	waitOnlineLAN(t, a, b)
	p, _ := a.Peer(b.ID())
	if !p.Blocked || !p.Favorite || p.Name != "Bobby" {
		t.Errorf("A lists B after restart as %+v", p)
	}
	call := b.StartCall(a.ID(), true, FakeSDP("offer"))
	if end := b.WaitState(call.ID, "ended", signalTimeout); end.Outcome != "unavailable" {
		t.Errorf("after A's restart, B's call ended %q, want unavailable (still blocked)", end.Outcome)
	}
	if evs := a.Events("call:incoming"); len(evs) > 0 {
		t.Errorf("A rang for a blocked peer after restart: %s", evs[0].Data)
	}
	a.Do(nil, "Contacts.Delete", b.ID())
	a.Do(&contacts, "Contacts.List")
	for _, c := range contacts {
		if c["id"] == b.ID() {
			t.Errorf("contact still listed after Contacts.Delete: %v", c)
		}
	}
}

// TestQuitFlag: `peerline --quit` asks the running one to quit fully, in
// the middle of a call: it hangs up on the way out (the caller's call
// ends completed, not lost), says goodbye, and the peer sees it offline
// at once; --quit returns once it is gone, exits 0, and says so. Asked
// again with none running, it says that and exits 0.
func TestQuitFlag(t *testing.T) {
	requireE2E(t)
	a, b, _ := lanPair(t, Options{}, Options{})
	id := connectedCall(t, a, b)
	a.Mark()
	sent := time.Now()
	code, _, stderr := runToExit(t, b.NS, "--quit", "--data-dir", b.Dir)
	returned := time.Since(sent)
	if code != 0 || !strings.Contains(stderr, "Peerline quit") {
		t.Fatalf("--quit: exit %d, stderr %q", code, stderr)
	}
	b.WaitExit(time.Second) // --quit returned: it is gone already
	end := a.WaitState(id, "ended", 5*time.Second)
	if end.Outcome != "completed" {
		t.Errorf("caller: outcome %q (%s), want completed (a clean hangup)", end.Outcome, end.Reason)
	}
	// The figure is 1 s (docs/performance.md has it); the wait is
	// looser, as this machine is shared.
	a.WaitEvent("peer:offline", peerIs(b.ID()), 5*time.Second)
	offline := time.Since(sent)
	t.Logf("measure: --quit returned after %v; the peer saw it offline %v after --quit started", returned.Round(time.Millisecond), offline.Round(time.Millisecond))

	code, _, stderr = runToExit(t, b.NS, "--quit", "--data-dir", b.Dir)
	if code != 0 || !strings.Contains(stderr, "no Peerline is running") {
		t.Errorf("--quit with none running: exit %d, stderr %q", code, stderr)
	}
	b.Restart()
	checkHistory(t, b, id, "incoming", "completed")
}

// TestStartAtLogin: Desktop.SetStartAtLogin writes the XDG autostart file
// under $XDG_CONFIG_HOME, starting this very binary with --hidden, and
// removes it when turned off; Desktop.StartsAtLogin follows the file, also
// when the person removes it by hand.
func TestStartAtLogin(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 1)
	xdg := t.TempDir()
	a := StartInstance(t, lan.Hosts[0], "A", Options{NoDiscovery: true, Env: []string{"XDG_CONFIG_HOME=" + xdg}})
	file := filepath.Join(xdg, "autostart", "peerline.desktop")
	var on bool
	a.Do(&on, "Desktop.StartsAtLogin")
	if on {
		t.Fatal("starts at login before anyone turned it on")
	}
	a.Do(nil, "Desktop.SetStartAtLogin", true)
	text, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("no autostart file after turning it on: %v", err)
	}
	bin, _ := filepath.Abs(peerlineBin)
	// The login starts the same Peerline: this data dir, not the default.
	if want := "\nExec=" + bin + " --hidden --data-dir " + a.Dir + "\n"; !strings.Contains(string(text), want) {
		t.Errorf("autostart file:\n%s\nwant a line %q", text, strings.TrimSpace(want))
	}
	if a.Do(&on, "Desktop.StartsAtLogin"); !on {
		t.Error("StartsAtLogin false with the file there")
	}
	a.Do(nil, "Desktop.SetStartAtLogin", false)
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Errorf("autostart file still there after turning it off: %v", err)
	}
	a.Do(nil, "Desktop.SetStartAtLogin", true)
	os.Remove(file) // by hand
	if a.Do(&on, "Desktop.StartsAtLogin"); on {
		t.Error("StartsAtLogin true after the file was removed by hand")
	}
}
