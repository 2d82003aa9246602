//go:build linux

package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/app/notify/notifytest"
	"github.com/peerline/peerline/internal/netnstest"
	"github.com/peerline/peerline/internal/trayhost"
)

// TestAlwaysReachable: the real window app (A, Ada) under Xvfb and openbox
// in a network namespace, on a private session bus with a tray (the test
// plays the panel: trayhost) and a real notification daemon (dunst), and
// a headless peer (B, Grace) on the same LAN. Closing the window hides it
// and Peerline keeps running: Grace still sees Ada online. The tray's Do
// not disturb refuses Grace's call with the do_not_disturb cause; turned
// off, her call rings through a notification naming her (declined from
// it here; the answer is TestWindowNotification's). The tray's Open
// Peerline brings the window back; its Quit quits fully, and Grace sees
// Ada offline.
func TestAlwaysReachable(t *testing.T) {
	requireE2E(t)
	if testing.Short() {
		t.Skip("starts a real window under Xvfb; skipped with -short")
	}
	for _, tool := range []string{"Xvfb", "openbox", "xdotool", "xprop"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs xvfb, openbox, xdotool and x11-utils)", tool)
		}
	}
	desk := notifytest.Start(t)
	panel := trayhost.Start(t, desk.BusAddress)
	bin := buildDesktop(t)
	x := startXServer(t)
	lan := netnstest.NewLAN(t, 2)
	b := StartInstance(t, lan.Hosts[1], "B", Options{Name: "Grace Hopper"})

	data := t.TempDir()
	cmd := lan.Hosts[0].Command(bin, "--data-dir", data, "--name", "Ada Lovelace", "--log-level", "debug")
	cmd.Env = append(x.env(), "DBUS_SESSION_BUS_ADDRESS="+desk.BusAddress)
	a := x.startCmd(t, bin, cmd)
	t.Cleanup(func() {
		if a.running() {
			a.quit(t)
		}
	})
	item := panel.WaitItem(windowUpTimeout)
	a.waitLog(t, `msg="desktop: ui ready" window=app`, windowUpTimeout)
	for _, want := range []string{"Open Peerline", "Do not disturb", "Until I turn it off", "Quit"} {
		if !strings.Contains(strings.Join(item.Labels(), "|"), want) {
			t.Fatalf("the tray menu %q has no %q", item.Labels(), want)
		}
	}
	x.waitVisible(t, a, 1)
	ids := x.visibleWindows(t, a.cmd.Process.Pid)
	ada := waitPeerNamed(t, b, "Ada Lovelace")

	// Closed: hidden (there is a tray), still running, still online.
	b.Mark()
	x.run(t, "xdotool", "windowactivate", "--sync", ids[0])
	x.run(t, "xdotool", "key", "--clearmodifiers", "alt+F4")
	a.waitLog(t, "window closed; Peerline keeps running in the background", 10*time.Second)
	x.waitVisible(t, a, 0)
	if _, err := b.TryWaitEvent("peer:offline", peerIs(ada.ID), 3*time.Second); err == nil {
		t.Fatal("Grace saw Ada go offline when Ada closed her window")
	}
	if !a.running() {
		t.Fatal("closing the window quit Peerline")
	}

	// The tray's Do not disturb, while hidden: Grace hears why. (First:
	// Grace is a stranger, who may ring once a minute, and a refusal for
	// do not disturb gives that ring back.)
	item.Click("Until I turn it off")
	waitFor(t, "the tooltip to say do not disturb", 10*time.Second, func() bool { return strings.Contains(item.Tooltip(), "do not disturb") })
	refused := b.StartCall(ada.ID, true, answerableOffer())
	if end := b.WaitState(refused.ID, "ended", signalTimeout); end.Outcome != "unavailable" || end.Cause != "do_not_disturb" {
		t.Errorf("with do not disturb from the tray, Grace's call ended %q, cause %q (%s); want unavailable, do_not_disturb", end.Outcome, end.Cause, end.Reason)
	}
	item.Click("Turn off")
	waitFor(t, "the tooltip to drop do not disturb", 10*time.Second, func() bool { return !strings.Contains(item.Tooltip(), "do not disturb") })

	// A call while hidden rings through a notification naming Grace.
	call := b.StartCall(ada.ID, true, answerableOffer())
	got := desk.WaitReceived(t, func(r notifytest.Received) bool { return r.Summary == "Grace Hopper is calling" }, notifyTimeout)
	desk.ChooseAction(t, got.ID, "decline")
	if end := b.WaitState(call.ID, "ended", signalTimeout); end.Outcome != "declined" {
		t.Errorf("Grace's call ended %q (%s), want declined from the notification", end.Outcome, end.Reason)
	}

	// The tray: Open Peerline shows the window again.
	item.Click("Open Peerline")
	x.waitVisible(t, a, 1)

	// The tray's Quit (no call): Peerline quits fully; Grace sees Ada go.
	b.Mark()
	clicked := time.Now()
	item.Click("Quit")
	a.wait(t)
	b.WaitEvent("peer:offline", peerIs(ada.ID), 5*time.Second)
	t.Logf("measure: tray Quit → offline at the peer after %v", time.Since(clicked).Round(time.Millisecond))
}

// waitPeerNamed waits until in sees a LAN peer named name online.
func waitPeerNamed(t *testing.T, in *Instance, name string) PeerView {
	t.Helper()
	var found PeerView
	waitFor(t, name+" online at "+in.Label, discoverTimeout, func() bool {
		for _, p := range in.Peers() {
			if p.Name == name && p.Online && p.LAN {
				found = p
				return true
			}
		}
		return false
	})
	return found
}

// waitFor polls cond every 50 ms until it holds, failing t after timeout.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
