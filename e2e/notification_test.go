//go:build linux

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/app/notify/notifytest"
	"github.com/peerline/peerline/internal/netnstest"
)

// notifyTimeout bounds a step that goes through dunst, or that starts the
// call window's browser.
const notifyTimeout = 60 * time.Second

// TestNotificationAnswerDecline: headless A runs with --notify on a
// private session bus where a real dunst serves notifications. Grace (B)
// calls; dunst shows "Grace Hopper is calling"; a click on it (`dunstctl
// action 0`, the default action) answers: A opens its call window, whose
// page answers the call with no further click, and A's call reaches
// connecting. Grace hangs up and the notification is gone. Grace calls
// again; Decline from dunst's menu declines, and Grace sees it declined.
func TestNotificationAnswerDecline(t *testing.T) {
	requireE2E(t)
	chromium := requireChromium(t)
	desk := notifytest.Start(t)
	a, b, _ := lanPair(t, Options{Name: "Ada Lovelace", Extra: []string{"--notify"}, Env: []string{
		"DBUS_SESSION_BUS_ADDRESS=" + desk.BusAddress,
		"PEERLINE_BROWSER=" + chromium, "PEERLINE_BROWSER_ARGS=" + callWindowFlags,
	}}, Options{Name: "Grace Hopper"})
	waitStderr(t, a, `msg="ringer: incoming calls show a desktop notification"`, 5*time.Second)
	t.Cleanup(func() {
		if a.running() {
			a.Quit() // not killed: its call window's browser ends with it
		}
		endProcessesUsing(t, a.Dir)
	})

	// Answer from the notification.
	call := b.StartCall(a.ID(), false, answerableOffer())
	a.WaitIncoming(b.ID(), call.ID, signalTimeout)
	got := desk.WaitReceived(t, func(r notifytest.Received) bool { return r.Summary == "Grace Hopper is calling" }, notifyTimeout)
	if got.AppName != "Peerline" || !strings.HasPrefix(got.Body, "Audio call") {
		t.Errorf("the notification: %+v", got)
	}
	start := time.Now()
	desk.ChooseAction(t, got.ID, "answer") // a click on the body shows the window, no more
	a.WaitState(call.ID, "connecting", notifyTimeout)
	b.WaitSignal(call.ID, "answer", nil, signalTimeout)
	t.Logf("answered from the notification: the call window answered %v after the click", time.Since(start).Round(time.Millisecond))
	desk.WaitDisplayed(t, 0, notifyTimeout)
	b.Do(nil, "Calls.Hangup", call.ID)
	a.WaitState(call.ID, "ended", signalTimeout)

	// Decline from the notification.
	again := b.StartCall(a.ID(), true, answerableOffer())
	a.WaitIncoming(b.ID(), again.ID, signalTimeout)
	second := desk.WaitReceived(t, func(r notifytest.Received) bool { return r.ID != got.ID && r.Summary == "Grace Hopper is calling" }, notifyTimeout)
	if !strings.HasPrefix(second.Body, "Video call") {
		t.Errorf("the second notification: %+v", second)
	}
	desk.ChooseAction(t, second.ID, "decline")
	ended := b.WaitState(again.ID, "ended", signalTimeout)
	if ended.Outcome != "declined" {
		t.Errorf("Grace's call ended %q (%s), want declined; dunst's menu:\n%s", ended.Outcome, ended.Reason, desk.Menu())
	}
	desk.WaitDisplayed(t, 0, notifyTimeout)
}

// answerableOffer is an SDP offer a real browser accepts as a remote
// description (FakeSDP lacks ICE credentials): one Opus audio section.
// Its candidates never come, so the call stops at connecting, which is
// all the notification's Answer has to reach.
func answerableOffer() string {
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
		"a=msid-semantic: WMS",
		"m=audio 9 UDP/TLS/RTP/SAVPF 111",
		"c=IN IP4 0.0.0.0",
		"a=rtcp:9 IN IP4 0.0.0.0",
		"a=ice-ufrag:" + hex.EncodeToString(fp[:4]),
		"a=ice-pwd:" + hex.EncodeToString(fp[4:16]),
		"a=ice-options:trickle",
		"a=fingerprint:sha-256 " + strings.Join(pairs, ":"),
		"a=setup:actpass",
		"a=mid:0",
		"a=sendrecv",
		"a=rtcp-mux",
		"a=rtpmap:111 opus/48000/2",
	}, "\r\n") + "\r\n"
}

// TestWindowNotification: the real window app (A, Ada) under Xvfb and
// openbox in a network namespace, with a private session bus where dunst
// serves notifications, and a headless peer (B, Grace) on the same LAN.
// A's window is minimised; Grace calls; dunst shows "Grace Hopper is
// calling"; its Answer button brings the window back and the window's UI answers
// as its own Answer button would: this webview (Debian's WebKitGTK) has
// no WebRTC, so it opens the call window (a real Chromium), which answers
// with no further click, and Grace receives the answer. Then, with the
// window in front and focused, a call rings in the window alone.
func TestWindowNotification(t *testing.T) {
	requireE2E(t)
	if testing.Short() {
		t.Skip("starts a real window under Xvfb; skipped with -short")
	}
	for _, tool := range []string{"Xvfb", "openbox", "xdotool", "xprop"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs xvfb, openbox, xdotool and x11-utils)", tool)
		}
	}
	chromium := requireChromium(t)
	desk := notifytest.Start(t)
	bin := buildDesktop(t)
	x := startXServer(t)
	lan := netnstest.NewLAN(t, 2)
	b := StartInstance(t, lan.Hosts[1], "B", Options{Name: "Grace Hopper"})

	data := t.TempDir()
	cmd := lan.Hosts[0].Command(bin, "--data-dir", data, "--name", "Ada Lovelace", "--log-level", "debug")
	cmd.Env = append(x.env(), "DBUS_SESSION_BUS_ADDRESS="+desk.BusAddress,
		"PEERLINE_BROWSER="+chromium, "PEERLINE_BROWSER_ARGS="+callWindowFlags)
	a := x.startCmd(t, bin, cmd)
	t.Cleanup(func() {
		if a.running() {
			a.quit(t) // its call window's browser ends with it
		}
		endProcessesUsing(t, data)
	})
	a.waitLog(t, `msg="desktop: ui ready" window=app`, windowUpTimeout)
	a.waitLog(t, `msg="ringer: incoming calls show a desktop notification"`, 5*time.Second)
	ids := x.visibleWindows(t, a.cmd.Process.Pid)
	if len(ids) != 1 {
		t.Fatalf("the app shows %d windows, want 1: %v", len(ids), ids)
	}
	wid := ids[0]

	var ada PeerView
	deadline := time.Now().Add(discoverTimeout)
	for ada.ID == "" {
		for _, p := range b.Peers() {
			if p.Name == "Ada Lovelace" && p.Online && p.LAN {
				ada = p
			}
		}
		if ada.ID == "" && time.Now().After(deadline) {
			t.Fatalf("Grace does not see Ada online within %v: %+v", discoverTimeout, b.Peers())
		}
		time.Sleep(50 * time.Millisecond)
	}

	x.run(t, "xdotool", "windowminimize", "--sync", wid)
	// GTK tells the app the window lost the focus a moment later; a ring
	// before that rings in the window (CI saw it once).
	a.waitFocus(t, false, 5*time.Second)
	call := b.StartCall(ada.ID, false, answerableOffer())
	got := desk.WaitReceived(t, func(r notifytest.Received) bool { return r.Summary == "Grace Hopper is calling" }, notifyTimeout)
	t.Logf("dunst received: %+v", got)
	desk.ChooseAction(t, got.ID, "answer")
	b.WaitSignal(call.ID, "answer", nil, notifyTimeout)
	a.waitLog(t, "ringer: answered from the notification", 5*time.Second)
	a.waitLog(t, `msg="desktop: ui ready" window=browser`, 5*time.Second) // the call window answered

	// The window is back on screen.
	deadline = time.Now().Add(10 * time.Second)
	for {
		state := x.wmState(t, wid)
		if !strings.Contains(state, "_NET_WM_STATE_HIDDEN") && strings.Contains(state, "Normal") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the window is not back after Answer: %s", state)
		}
		time.Sleep(100 * time.Millisecond)
	}
	desk.WaitDisplayed(t, 0, notifyTimeout)
	b.Do(nil, "Calls.Hangup", call.ID)
	b.WaitState(call.ID, "ended", signalTimeout)

	// In front with the focus, the window rings itself: no notification.
	// (Grace is no stranger now: strangers ring once a minute.)
	x.run(t, "xdotool", "windowactivate", "--sync", wid)
	a.waitFocus(t, true, 5*time.Second)
	again := b.StartCall(ada.ID, false, answerableOffer())
	a.waitLog(t, "ringer: the window has the focus; it rings there", signalTimeout)
	b.Do(nil, "Calls.Cancel", again.ID)
	b.WaitState(again.ID, "ended", signalTimeout)
	if n := len(desk.Received()); n != 1 {
		t.Errorf("dunst received %d notifications, want 1 (none while the window had the focus): %+v", n, desk.Received())
	}
}
