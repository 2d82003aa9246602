//go:build linux

package ringer_test

import (
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/notify"
	"github.com/peerline/peerline/app/notify/notifytest"
	"github.com/peerline/peerline/app/ringer"
)

const wait = 10 * time.Second

// answered is what Answer or Decline was asked.
type answered struct {
	call   string
	video  bool
	action string // "answer" or "decline"
}

// recorder stands in for what the app does on Answer and Decline (the
// e2e test runs the real ones).
type recorder struct{ got chan answered }

func (r recorder) Decline(_ context.Context, id string) error {
	r.got <- answered{call: id, action: "decline"}
	return nil
}

func (r recorder) answer(_ context.Context, c calls.Info, video bool) error {
	r.got <- answered{call: c.ID, video: video, action: "answer"}
	return nil
}

func ringing(id, name string, video bool) calls.Info {
	media := []string{"audio"}
	if video {
		media = append(media, "video")
	}
	return calls.Info{ID: id, Peer: "P", PeerName: name, Direction: calls.DirectionIncoming, Media: media,
		State: calls.StateRinging, Verified: true}
}

type rig struct {
	d       *notifytest.Desktop
	r       *ringer.Ringer
	rec     recorder
	focused atomic.Bool
	shown   chan struct{} // Show: the window brought up for a body click
}

func start(t *testing.T) *rig {
	t.Helper()
	d := notifytest.Start(t)
	ctx := notifytest.Context(t)
	n, err := notify.New(ctx, notify.Options{BusAddress: d.BusAddress})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	g := &rig{d: d, rec: recorder{got: make(chan answered, 4)}, shown: make(chan struct{}, 4)}
	g.r, err = ringer.New(ctx, ringer.Options{Notifier: n, Calls: g.rec, Answer: g.rec.answer, WindowFocused: g.focused.Load,
		Show: func() { g.shown <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.r.Close)
	return g
}

func (g *rig) ring(t *testing.T, c calls.Info) notifytest.Received {
	t.Helper()
	g.r.Emit(calls.EventIncoming, calls.Incoming{Call: c, Offer: "v=0"})
	g.r.Emit(calls.EventState, c)
	return g.d.WaitReceived(t, func(r notifytest.Received) bool { return strings.Contains(r.Summary, c.PeerName) }, wait)
}

func (g *rig) next(t *testing.T) answered {
	t.Helper()
	select {
	case a := <-g.rec.got:
		return a
	case <-time.After(wait):
		t.Fatal("the notification's action did not reach the app")
	}
	return answered{}
}

func TestRinger(t *testing.T) {
	g := start(t)

	t.Run("focused window rings there", func(t *testing.T) {
		g.focused.Store(true)
		g.r.Emit(calls.EventIncoming, calls.Incoming{Call: ringing("c0", "Quiet Caller", false)})
		g.r.Emit(calls.EventState, calls.Info{ID: "c0", State: calls.StateEnded})
		g.focused.Store(false)
		// The next notification dunst receives is the first one shown.
		got := g.ring(t, ringing("c1", "Grace Hopper", true))
		if all := g.d.Received(); len(all) != 1 || all[0].Summary != "Grace Hopper is calling" {
			t.Fatalf("dunst received %+v; want only Grace's call", all)
		}
		if got.Body != "Video call" || got.Urgency != "CRITICAL" {
			t.Errorf("notification %+v", got)
		}
		t.Run("click on the body shows the window, does not answer", func(t *testing.T) {
			g.d.DefaultAction(t, 0)
			select {
			case <-g.shown:
			case <-time.After(wait):
				t.Fatal("a click on the notification did not show the window")
			}
			g.d.WaitDisplayed(t, 0, wait) // it rings in the window now
			select {
			case a := <-g.rec.got:
				t.Errorf("a click on the body did %+v", a)
			default:
			}
		})
	})

	t.Run("answer button", func(t *testing.T) {
		got := g.ring(t, ringing("c1a", "Katherine Johnson", true))
		g.d.ChooseAction(t, got.ID, ringer.KeyAnswerVideo)
		if a := g.next(t); a != (answered{call: "c1a", video: true, action: "answer"}) {
			t.Errorf("got %+v, want c1a answered with video", a)
		}
		g.d.WaitDisplayed(t, 0, wait) // withdrawn once acted on
	})

	t.Run("decline button", func(t *testing.T) {
		got := g.ring(t, ringing("c2", "Ada Lovelace", false))
		g.d.ChooseAction(t, got.ID, ringer.KeyDecline)
		if a := g.next(t); a != (answered{call: "c2", action: "decline"}) {
			t.Errorf("got %+v, want c2 declined; menu:\n%s", a, g.d.Menu())
		}
		g.d.WaitDisplayed(t, 0, wait)
	})

	t.Run("audio only", func(t *testing.T) {
		got := g.ring(t, ringing("c3", "Linus", true))
		g.d.ChooseAction(t, got.ID, ringer.KeyAnswerAudio)
		if a := g.next(t); a != (answered{call: "c3", video: false, action: "answer"}) {
			t.Errorf("got %+v, want c3 answered audio only", a)
		}
		g.d.WaitDisplayed(t, 0, wait)
	})

	t.Run("caller hangs up", func(t *testing.T) {
		g.ring(t, ringing("c4", "Margaret", false))
		g.d.WaitDisplayed(t, 1, wait)
		g.r.Emit(calls.EventState, calls.Info{ID: "c4", Direction: calls.DirectionIncoming, State: calls.StateEnded, Outcome: calls.OutcomeMissed})
		g.d.WaitDisplayed(t, 0, wait)
	})

	t.Run("answered in the window", func(t *testing.T) {
		g.ring(t, ringing("c5", "Barbara", false))
		g.d.WaitDisplayed(t, 1, wait)
		g.r.Emit(calls.EventState, calls.Info{ID: "c5", Direction: calls.DirectionIncoming, State: calls.StateConnecting})
		g.d.WaitDisplayed(t, 0, wait)
		select {
		case a := <-g.rec.got:
			t.Errorf("unexpected %+v", a)
		default:
		}
	})
}

// TestNoWindow: with no window (headless, WindowFocused nil) every ring
// notifies.
func TestNoWindow(t *testing.T) {
	d := notifytest.Start(t)
	ctx := notifytest.Context(t)
	n, err := notify.New(ctx, notify.Options{BusAddress: d.BusAddress})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	rec := recorder{got: make(chan answered, 1)}
	r, err := ringer.New(ctx, ringer.Options{Notifier: n, Calls: rec, Answer: rec.answer})
	if err != nil {
		t.Fatal(err)
	}
	r.Emit(calls.EventIncoming, calls.Incoming{Call: ringing("c1", "Grace", false)})
	d.WaitReceived(t, func(x notifytest.Received) bool { return x.Summary == "Grace is calling" }, wait)
	r.Close()
	d.WaitDisplayed(t, 0, wait) // Close withdraws it
}

func TestNotificationText(t *testing.T) {
	tests := []struct {
		name          string
		call          calls.Info
		summary, body string
		keys          []string
	}{
		{"contact, video", ringing("c", "Grace", true), "Grace is calling", "Video call",
			[]string{"default", "answer", "answer-audio", "decline"}},
		{"stranger, audio", calls.Info{PeerName: "Ada", Media: []string{"audio"}}, "Ada is calling", "Audio call · not a verified contact",
			[]string{"default", "answer", "decline"}},
		{"no name", calls.Info{Media: []string{"audio"}, Verified: true}, "Someone is calling", "Audio call", nil},
		{"someone using a contact's name", calls.Info{PeerName: "Grace", SameNameAs: "Grace", Media: []string{"audio"}},
			"Someone using Grace’s name is calling", "Audio call · not a verified contact", nil},
		{"long, hostile name", calls.Info{PeerName: strings.Repeat("A", 100) + "\x1b", Verified: true, Media: []string{"audio"}},
			strings.Repeat("A", ringer.MaxNameRunes-1) + "… is calling", "Audio call", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := ringer.Notification(tt.call)
			if n.Summary != tt.summary || n.Body != tt.body {
				t.Errorf("got %q / %q, want %q / %q", n.Summary, n.Body, tt.summary, tt.body)
			}
			if !n.Persistent || n.Urgency != notify.UrgencyCritical {
				t.Errorf("a ring must stay up until withdrawn: %+v", n)
			}
			if tt.keys != nil {
				var keys []string
				for _, a := range n.Actions {
					keys = append(keys, a.Key)
				}
				if strings.Join(keys, ",") != strings.Join(tt.keys, ",") {
					t.Errorf("actions %v, want %v", keys, tt.keys)
				}
			}
		})
	}
}

// TestScreenshot shows Grace's video call as dunst draws it. With
// PEERLINE_UPDATE_SCREENSHOTS=1 it saves docs/screenshots/notification.png.
func TestScreenshot(t *testing.T) {
	if _, err := exec.LookPath("import"); err != nil {
		t.Skip("import (ImageMagick) not installed")
	}
	d := notifytest.Start(t)
	ctx := notifytest.Context(t)
	icon, _ := filepath.Abs("../../build/appicon.png")
	n, err := notify.New(ctx, notify.Options{BusAddress: d.BusAddress, Icon: "file://" + icon})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	c := ringing("c1", "Grace Hopper", true)
	if _, err := n.Show(ctx, ringer.Notification(c)); err != nil {
		t.Fatal(err)
	}
	d.WaitReceived(t, nil, wait)
	d.WaitDisplayed(t, 1, wait)
	shot := filepath.Join(t.TempDir(), "notification.png")
	// dunst draws on its next frame after taking the notification: the
	// screenshot is retried until the notification's pixels are there.
	deadline := time.Now().Add(wait)
	for {
		d.Screenshot(t, shot)
		if img, err := readPNG(shot); err == nil && img.Bounds().Dx() > 0 && !blank(img) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing drawn on the screen")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if os.Getenv("PEERLINE_UPDATE_SCREENSHOTS") == "1" {
		out, _ := filepath.Abs("../../docs/screenshots/notification.png")
		crop := exec.Command("convert", shot, "-crop", "480x112+544+0", "+repage", out)
		if b, err := crop.CombinedOutput(); err != nil {
			t.Fatalf("convert: %v: %s", err, b)
		}
		t.Logf("saved %s", out)
	}
}

func readPNG(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return png.Decode(f)
}

// blank reports whether img is one colour (an X screen with nothing on it).
func blank(img image.Image) bool {
	b := img.Bounds()
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			if img.At(x, y) != first {
				return false
			}
		}
	}
	return true
}

// TestShowFailedRaises: a ring whose notification fails to show (here a
// real Notifier, closed: Show is ErrClosed, as a refused toast or a macOS
// notification not allowed is an error) calls OnShowFailed with the call,
// which Start makes the window's raise; a focused window is not asked.
func TestShowFailedRaises(t *testing.T) {
	d := notifytest.Start(t)
	ctx := notifytest.Context(t)
	n, err := notify.New(ctx, notify.Options{BusAddress: d.BusAddress})
	if err != nil {
		t.Fatal(err)
	}
	n.Close()
	raised := make(chan string, 4)
	var focused atomic.Bool
	rec := recorder{got: make(chan answered, 4)}
	r, err := ringer.New(ctx, ringer.Options{Notifier: n, Calls: rec, Answer: rec.answer, WindowFocused: focused.Load,
		OnShowFailed: func(c calls.Info) { raised <- c.ID }})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	focused.Store(true)
	r.Emit(calls.EventIncoming, calls.Incoming{Call: ringing("c0", "Quiet Caller", false)})
	focused.Store(false)
	r.Emit(calls.EventIncoming, calls.Incoming{Call: ringing("c1", "Grace Hopper", true)})
	select {
	case id := <-raised:
		if id != "c1" {
			t.Fatalf("OnShowFailed for %q, want c1 (c0 rang in the focused window)", id)
		}
	case <-time.After(wait):
		t.Fatal("OnShowFailed was not called")
	}
	if len(raised) != 0 {
		t.Fatal("OnShowFailed called twice")
	}
}
