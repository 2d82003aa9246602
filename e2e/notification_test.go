//go:build linux

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/app/notify/notifytest"
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
	waitStderr(t, a, `msg="app: incoming calls show a desktop notification"`, 5*time.Second)
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
	desk.DefaultAction(t, 0)
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
