package e2e

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// TestInviteLinkHandoff: a click on an invite link runs `peerline LINK`
// (the installers register peerline: with `peerline %u`); with Peerline
// already running on that data dir, the link goes to it over the
// single-instance socket and its UI gets invite:open with the link in
// canonical form, and the second launch exits 0. A hostile link is
// refused by the running one: the second launch fails with a message,
// and nothing reaches the UI.
func TestInviteLinkHandoff(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 2)
	a := StartInstance(t, lan.Hosts[0], "A", Options{NoDiscovery: true})
	b := StartInstance(t, lan.Hosts[1], "B", Options{NoDiscovery: true})

	link := "peerline://add?name=Grace+Hopper&id=" + strings.ToLower(b.ID()) + "&server=" + url.QueryEscape("WSS://Signal.Example.com")
	want := "peerline://add?id=" + b.ID() + "&server=" + url.QueryEscape("wss://signal.example.com/v1/signal") + "&name=Grace+Hopper"
	a.Mark()
	code, _, stderr := runToExit(t, a.NS, "--headless", "--data-dir", a.Dir, link)
	if code != 0 {
		t.Fatalf("second launch with a link: exit %d, stderr %s", code, stderr)
	}
	ev := a.WaitEvent("invite:open", func(json.RawMessage) bool { return true }, signalTimeout)
	var got struct{ Link string }
	if err := json.Unmarshal(ev.Data, &got); err != nil || got.Link != want {
		t.Errorf("invite:open = %s, want link %q", ev.Data, want)
	}

	for _, bad := range []string{
		"peerline://add?id=" + b.ID() + "&id=" + a.ID(),
		"peerline://add?id=" + b.ID() + "&server=http%3A%2F%2Fevil.example",
		"peerline://add?id=" + b.ID() + "&name=%E2%80%AEevil",
		"peerline://call?id=" + b.ID(),
	} {
		a.Mark()
		code, _, stderr := runToExit(t, a.NS, "--headless", "--data-dir", a.Dir, bad)
		if code == 0 || !strings.Contains(stderr, "not a valid Peerline link") {
			t.Errorf("second launch with %q: exit %d, stderr %q; want a refusal", bad, code, stderr)
		}
		if _, err := a.TryWaitEvent("invite:open", func(json.RawMessage) bool { return true }, 300*time.Millisecond); err == nil {
			t.Errorf("a refused link %q reached the UI", bad)
		}
	}
	if !a.running() {
		t.Fatal("A stopped")
	}
}

// TestInviteLinkStartsPeerline: a click on an invite link with no
// Peerline running starts it with the link; once the first window says
// its UI is up (Desktop.Ready), the UI gets invite:open with the link, and
// only once. A hostile link at start changes nothing: no event, and the
// app runs.
func TestInviteLinkStartsPeerline(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 2)
	b := StartInstance(t, lan.Hosts[1], "B", Options{NoDiscovery: true})
	link := "peerline://add?id=" + b.ID() + "&name=Grace"
	a := StartInstance(t, lan.Hosts[0], "A", Options{NoDiscovery: true, Extra: []string{link}})
	ready := map[string]any{"window": "browser", "webrtc": true, "mediaDevices": true}

	a.Mark()
	if _, err := a.Call("Desktop.Ready", ready); err != nil {
		t.Fatal(err)
	}
	ev := a.WaitEvent("invite:open", func(json.RawMessage) bool { return true }, signalTimeout)
	var got struct{ Link string }
	if err := json.Unmarshal(ev.Data, &got); err != nil || got.Link != link {
		t.Errorf("invite:open = %s, want link %q", ev.Data, link)
	}
	a.Mark()
	if _, err := a.Call("Desktop.Ready", ready); err != nil {
		t.Fatal(err)
	}
	if _, err := a.TryWaitEvent("invite:open", func(json.RawMessage) bool { return true }, 300*time.Millisecond); err == nil {
		t.Error("a second window's Ready showed the launch's link again")
	}

	c := StartInstance(t, lan.Hosts[0], "C", Options{NoDiscovery: true, Extra: []string{"peerline://add?id=" + b.ID() + "&server=http%3A%2F%2Fevil.example"}})
	c.Mark()
	if _, err := c.Call("Desktop.Ready", ready); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TryWaitEvent("invite:open", func(json.RawMessage) bool { return true }, 300*time.Millisecond); err == nil {
		t.Error("a hostile launch link reached the UI")
	}
	if !c.running() {
		t.Fatal("C stopped after a hostile launch link")
	}
}
