package ringer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/notify"
)

// Bus is the app's event bus (events.Bus): the ring comes from it, and
// an Answer with a window goes to the window's UI through it.
type Bus interface {
	Subscribe(s events.Sink) (unsubscribe func())
	Emit(name events.Name, data any)
}

// AnswerRequest is the data of call:answer: answer this ringing call, as
// the window's Answer button would (Video false: audio only).
type AnswerRequest struct {
	Call  string `json:"call"`
	Video bool   `json:"video"`
}

// StartOptions configure Start. Bus and Calls are required.
type StartOptions struct {
	Bus   Bus
	Calls Decliner
	// WindowFocused reports whether the app window is shown and has the
	// focus (Options.WindowFocused). Nil: there is no window.
	WindowFocused func() bool
	// ShowWindow brings the app window to the front (also for a click on
	// the notification's body, which does not answer); Answer then lets its
	// UI answer (call:answer), in the window itself or by opening the call
	// window where the webview has no WebRTC: the UI's own Answer path
	// either way. Nil: there is no window (headless).
	ShowWindow func()
	// OpenCallWindow answers in a call window; headless Answer uses it.
	OpenCallWindow func(call calls.Info, video bool) error
	// Notify configures the notification server's connection (its own
	// Logger; default slog.Default()).
	Notify notify.Options
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

// Start rings through a native notification when a call comes in while
// nobody looks at the window: it connects to the desktop's notification
// server (Linux), registers the toasts (Windows) or sets up Wails's user
// notifications (macOS), and subscribes a Ringer to the bus. Failing to is
// logged, not fatal, and calls still ring in the window: with no
// notification server, a ring while the window is hidden or unfocused
// brings the window to the front instead, so it rings where it can be
// seen, and so does a ring whose notification fails to show (Show's
// error: OnShowFailed); headless, nothing is shown. stop withdraws a notification still
// up and disconnects.
func Start(ctx context.Context, opts StartOptions) (stop func()) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	nopts := opts.Notify
	// The audio call's buttons and the video call's, registered up front
	// (macOS categories) so that the first ring has its buttons.
	nopts.Categories = append(nopts.Categories, Notification(calls.Info{}).Actions,
		Notification(calls.Info{Media: []string{"audio", "video"}}).Actions)
	n, err := notify.New(ctx, nopts)
	if err != nil {
		level := log.Warn
		if errors.Is(err, notify.ErrNotSupported) {
			level = log.Info
		}
		level("ringer: incoming calls will not show a desktop notification", "err", err)
		return raiseOnRing(opts)
	}
	r, err := New(ctx, Options{Notifier: n, Calls: opts.Calls, Answer: answerer(opts),
		WindowFocused: opts.WindowFocused, OnShowFailed: raiser(opts), Show: opts.ShowWindow, Logger: log})
	if err != nil {
		n.Close()
		log.Error("ringer: not started", "err", err)
		return func() {}
	}
	unsubscribe := opts.Bus.Subscribe(r)
	caps := n.Capabilities()
	log.Info("ringer: incoming calls show a desktop notification", "server", caps.Server, "actions", caps.Actions)
	return func() {
		unsubscribe()
		r.Close()
		if err := n.Close(); err != nil {
			log.Debug("ringer: notifier", "err", err)
		}
	}
}

// raiseOnRing is Start's fallback where no notification can be shown.
func raiseOnRing(opts StartOptions) (stop func()) {
	if opts.ShowWindow == nil {
		return func() {}
	}
	focused := opts.WindowFocused
	return opts.Bus.Subscribe(events.SinkFunc(func(name events.Name, _ any) {
		if name == events.CallIncoming && (focused == nil || !focused()) {
			opts.ShowWindow()
		}
	}))
}

// raiser is the Ringer's OnShowFailed: a ring whose notification failed
// brings the window to the front, as raiseOnRing does where there is no
// notification server at all (the Ringer has seen the window unfocused).
func raiser(opts StartOptions) func(calls.Info) {
	if opts.ShowWindow == nil {
		return nil
	}
	return func(calls.Info) { opts.ShowWindow() }
}

// answerer is what Answer in the notification does: what the window's
// Answer button does.
func answerer(opts StartOptions) func(context.Context, calls.Info, bool) error {
	return func(_ context.Context, c calls.Info, video bool) error {
		if opts.ShowWindow != nil {
			opts.ShowWindow()
			opts.Bus.Emit(events.CallAnswer, AnswerRequest{Call: c.ID, Video: video})
			return nil
		}
		if opts.OpenCallWindow == nil {
			return errors.New("ringer: answer: no window and no call window")
		}
		if err := opts.OpenCallWindow(c, video); err != nil {
			return fmt.Errorf("ringer: answer: %w", err)
		}
		return nil
	}
}
