//go:build linux

package ringer_test

import (
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/notify"
	"github.com/peerline/peerline/app/notify/notifytest"
	"github.com/peerline/peerline/app/ringer"
)

// bus is a real events.Bus whose call:answer events the test can wait on.
func bus(t *testing.T) (*events.Bus, chan ringer.AnswerRequest) {
	t.Helper()
	b := events.NewBus(events.BusConfig{})
	t.Cleanup(b.Close)
	answers := make(chan ringer.AnswerRequest, 4)
	b.Subscribe(events.SinkFunc(func(name events.Name, data any) {
		if name == events.CallAnswer {
			answers <- data.(ringer.AnswerRequest)
		}
	}))
	return b, answers
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("%s did not happen", what)
	}
	var zero T
	return zero
}

// TestStartAnswers: Start rings through the real notification server, and
// Answer from the notification does what the window's Answer button does:
// with a window, shows it and hands the UI call:answer; headless, opens
// the call window for that call.
func TestStartAnswers(t *testing.T) {
	for _, window := range []bool{true, false} {
		name := map[bool]string{true: "window", false: "headless"}[window]
		t.Run(name, func(t *testing.T) {
			d := notifytest.Start(t)
			ctx := notifytest.Context(t)
			b, answers := bus(t)
			shown := make(chan struct{}, 4)
			opened := make(chan ringer.AnswerRequest, 4)
			opts := ringer.StartOptions{Bus: b, Calls: recorder{got: make(chan answered, 4)},
				Notify: notify.Options{BusAddress: d.BusAddress},
				OpenCallWindow: func(c calls.Info, video bool) error {
					opened <- ringer.AnswerRequest{Call: c.ID, Video: video}
					return nil
				}}
			if window {
				opts.WindowFocused = func() bool { return false }
				opts.ShowWindow = func() { shown <- struct{}{} }
			}
			stop := ringer.Start(ctx, opts)
			defer stop()

			c := ringing("c1", "Grace Hopper", true)
			b.Emit(calls.EventIncoming, calls.Incoming{Call: c, Offer: "v=0"})
			got := d.WaitReceived(t, func(r notifytest.Received) bool { return r.Summary == "Grace Hopper is calling" }, wait)
			d.ChooseAction(t, got.ID, ringer.KeyAnswerVideo)
			want := ringer.AnswerRequest{Call: "c1", Video: true}
			if window {
				waitFor(t, shown, "ShowWindow")
				if got := waitFor(t, answers, "call:answer"); got != want {
					t.Fatalf("call:answer %+v, want %+v", got, want)
				}
				return
			}
			if got := waitFor(t, opened, "OpenCallWindow"); got != want {
				t.Fatalf("OpenCallWindow %+v, want %+v", got, want)
			}
		})
	}
}

// TestStartBodyClickShows: with a window, a click on the notification's
// body brings the window up (ShowWindow) and answers nothing: the call
// rings on in the window.
func TestStartBodyClickShows(t *testing.T) {
	d := notifytest.Start(t)
	b, answers := bus(t)
	shown := make(chan struct{}, 4)
	stop := ringer.Start(notifytest.Context(t), ringer.StartOptions{Bus: b, Calls: recorder{got: make(chan answered, 4)},
		Notify:        notify.Options{BusAddress: d.BusAddress},
		WindowFocused: func() bool { return false },
		ShowWindow:    func() { shown <- struct{}{} }})
	defer stop()
	b.Emit(calls.EventIncoming, calls.Incoming{Call: ringing("c1", "Grace Hopper", true), Offer: "v=0"})
	d.WaitReceived(t, func(r notifytest.Received) bool { return r.Summary == "Grace Hopper is calling" }, wait)
	d.DefaultAction(t, 0)
	waitFor(t, shown, "ShowWindow")
	d.WaitDisplayed(t, 0, wait)
	select {
	case a := <-answers:
		t.Fatalf("a click on the body answered: %+v", a)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestStartWithoutNotificationServer: where no notification can be shown,
// a ring while the window is not looked at raises it; a focused window is
// left as it is (it rings there).
func TestStartWithoutNotificationServer(t *testing.T) {
	addr := notifytest.StartBus(t) // a session bus, no notification server on it
	b, _ := bus(t)
	// The bus delivers on its own goroutine: the window's focus is asked
	// once per ring, in order, focused for the first call only.
	focus := make(chan bool, 2)
	focus <- true
	focus <- false
	shown := make(chan struct{}, 4)
	stop := ringer.Start(notifytest.Context(t), ringer.StartOptions{Bus: b, Calls: recorder{},
		Notify:        notify.Options{BusAddress: addr},
		WindowFocused: func() bool { return <-focus },
		ShowWindow:    func() { shown <- struct{}{} }})
	defer stop()

	b.Emit(calls.EventIncoming, calls.Incoming{Call: ringing("c0", "Quiet Caller", false)})
	b.Emit(calls.EventIncoming, calls.Incoming{Call: ringing("c1", "Grace Hopper", false)})
	waitFor(t, shown, "the window raised on a ring")
	if len(focus) != 0 {
		t.Fatalf("the window's focus was asked %d times, want 2", 2-len(focus))
	}
	select {
	case <-shown:
		t.Fatal("the focused window was raised too")
	case <-time.After(200 * time.Millisecond):
	}
}
