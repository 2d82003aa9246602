//go:build linux

package notify_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/app/notify"
	"github.com/peerline/peerline/app/notify/notifytest"
)

// wait is how long a test waits for dunst.
const wait = 10 * time.Second

// callNote is a call notification whose actions and close reach chans.
func callNote(summary, body string) (notify.Notification, chan string, chan notify.CloseReason) {
	actions, closed := make(chan string, 4), make(chan notify.CloseReason, 4)
	return notify.Notification{
		Summary: summary, Body: body, Urgency: notify.UrgencyCritical, Persistent: true,
		Category: "x-peerline.call", Sound: "phone-incoming-call",
		Actions: []notify.Action{
			{Key: notify.DefaultKey, Label: "Answer"}, {Key: "answer", Label: "Answer"}, {Key: "decline", Label: "Decline"},
		},
		OnAction: func(key string) { actions <- key },
		OnClosed: func(r notify.CloseReason) { closed <- r },
	}, actions, closed
}

func recv[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("no %s in %s", what, wait)
	}
	var zero T
	return zero
}

// TestDunst shows notifications through a real dunst on a private bus and
// acts on them as a person would: the default action (a click), another
// button from dunst's menu, and a withdrawal.
func TestDunst(t *testing.T) {
	d := notifytest.Start(t)
	ctx := notifytest.Context(t)
	n, err := notify.New(ctx, notify.Options{BusAddress: d.BusAddress})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	caps := n.Capabilities()
	if !caps.Actions || !caps.BodyMarkup || !strings.HasPrefix(caps.Server, "dunst") {
		t.Fatalf("capabilities %+v: want dunst with actions and body markup", caps)
	}

	t.Run("default action", func(t *testing.T) {
		note, actions, closed := callNote("Grace Hopper is calling", "Video call")
		id, err := n.Show(ctx, note)
		if err != nil {
			t.Fatal(err)
		}
		got := d.WaitReceived(t, func(r notifytest.Received) bool { return r.ID == uint32(id) }, wait)
		if got.Summary != "Grace Hopper is calling" || got.Body != "Video call" || got.AppName != "Peerline" || got.Urgency != "CRITICAL" {
			t.Errorf("dunst received %+v", got)
		}
		d.DefaultAction(t, 0)
		if key := recv(t, actions, "action"); key != notify.DefaultKey {
			t.Errorf("action %q, want default", key)
		}
		// dunst keeps a notification up after an action (the spec leaves
		// it to the server): the app withdraws it when the call moves on.
		if err := n.Withdraw(ctx, id); err != nil {
			t.Fatal(err)
		}
		if r := recv(t, closed, "close"); r != notify.CloseWithdrawn {
			t.Errorf("closed %s, want withdrawn", r)
		}
		var inHistory bool
		for _, h := range d.History(t) {
			inHistory = inHistory || (h.ID == uint32(id) && h.Summary == "Grace Hopper is calling")
		}
		if !inHistory {
			t.Errorf("dunstctl history lacks notification %d: %+v", id, d.History(t))
		}
	})

	t.Run("decline from the menu", func(t *testing.T) {
		note, actions, closed := callNote("Ada is calling", "Audio call")
		id, err := n.Show(ctx, note)
		if err != nil {
			t.Fatal(err)
		}
		d.WaitReceived(t, func(r notifytest.Received) bool { return r.ID == uint32(id) }, wait)
		d.ChooseAction(t, uint32(id), "decline")
		if key := recv(t, actions, "action"); key != "decline" {
			t.Errorf("action %q, want decline; menu:\n%s", key, d.Menu())
		}
		n.Withdraw(ctx, id)
		recv(t, closed, "close")
	})

	t.Run("withdrawn", func(t *testing.T) {
		note, actions, closed := callNote("Linus is calling", "")
		id, err := n.Show(ctx, note)
		if err != nil {
			t.Fatal(err)
		}
		d.WaitReceived(t, func(r notifytest.Received) bool { return r.ID == uint32(id) }, wait)
		d.WaitDisplayed(t, 1, wait)
		if err := n.Withdraw(ctx, id); err != nil {
			t.Fatal(err)
		}
		if r := recv(t, closed, "close"); r != notify.CloseWithdrawn {
			t.Errorf("closed %s, want withdrawn", r)
		}
		d.WaitDisplayed(t, 0, wait)
		select {
		case key := <-actions:
			t.Errorf("action %q on a withdrawn notification", key)
		default:
		}
		if err := n.Withdraw(ctx, id); err != nil {
			t.Errorf("withdrawing it again: %v", err)
		}
	})

	t.Run("hostile name", func(t *testing.T) {
		note, _, closed := callNote("<b>Eve</b>\u202e & co\x1b[2J is calling", "<i>x</i>\nline two")
		id, err := n.Show(ctx, note)
		if err != nil {
			t.Fatal(err)
		}
		got := d.WaitReceived(t, func(r notifytest.Received) bool { return r.ID == uint32(id) }, wait)
		// dunst hands its script the text after its own markup parsing:
		// had the markup gone through, the tags would be gone.
		if got.Summary != "‹b›Eve‹/b› ＆ co[2J is calling" {
			t.Errorf("summary as dunst received it: %q", got.Summary)
		}
		// The body is escaped for dunst, which reads body markup.
		if got.Body != "&lt;i&gt;x&lt;/i&gt;\nline two" {
			t.Errorf("body as dunst received it: %q (want it escaped)", got.Body)
		}
		n.Withdraw(ctx, id)
		recv(t, closed, "close")
	})

	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Show(ctx, notify.Notification{Summary: "late"}); !errors.Is(err, notify.ErrClosed) {
		t.Errorf("Show after Close: %v, want ErrClosed", err)
	}
}

// TestCloseWithdraws: a Notifier that closes takes its notifications off
// the screen, since their buttons would lead nowhere.
func TestCloseWithdraws(t *testing.T) {
	d := notifytest.Start(t)
	ctx := notifytest.Context(t)
	n, err := notify.New(ctx, notify.Options{BusAddress: d.BusAddress})
	if err != nil {
		t.Fatal(err)
	}
	note, _, _ := callNote("Grace is calling", "")
	if _, err := n.Show(ctx, note); err != nil {
		t.Fatal(err)
	}
	d.WaitDisplayed(t, 1, wait)
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	d.WaitDisplayed(t, 0, wait)
}

// TestNoServer: a bus with no notification server is ErrNotSupported.
func TestNoServer(t *testing.T) {
	notifytest.Require(t)
	bus := notifytest.StartBus(t)
	_, err := notify.New(notifytest.Context(t), notify.Options{BusAddress: bus})
	if !errors.Is(err, notify.ErrNotSupported) {
		t.Fatalf("New on a bus without a server: %v, want ErrNotSupported", err)
	}
}

func TestBadAction(t *testing.T) {
	d := notifytest.Start(t)
	ctx := notifytest.Context(t)
	n, err := notify.New(ctx, notify.Options{BusAddress: d.BusAddress})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	for _, acts := range [][]notify.Action{{{Key: "a", Label: ""}}, {{Key: "a", Label: "A"}, {Key: "a", Label: "B"}}} {
		if _, err := n.Show(ctx, notify.Notification{Summary: "x", Actions: acts}); err == nil {
			t.Errorf("Show with actions %+v: no error", acts)
		}
	}
}

// TestSessionBusFromEnvironment: with no BusAddress, New uses
// $DBUS_SESSION_BUS_ADDRESS; with none there (and no per-user bus), it is
// ErrNotSupported, and no bus is launched.
func TestSessionBusFromEnvironment(t *testing.T) {
	d := notifytest.Start(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", d.BusAddress)
	n, err := notify.New(notifytest.Context(t), notify.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()

	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	if _, err := notify.New(notifytest.Context(t), notify.Options{}); !errors.Is(err, notify.ErrNotSupported) {
		t.Errorf("New with no session bus: %v, want ErrNotSupported", err)
	}
}
