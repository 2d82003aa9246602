package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/peerline/peerline/app/api"
	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/notify"
	"github.com/peerline/peerline/app/ringer"
)

// Ringing through a native notification (packages notify and ringer):
// when Options.Notify asks for it, Start connects to the desktop's
// notification server and subscribes a Ringer to the bus. A desktop with
// no notification server (or Windows and macOS, for now) rings only in
// the window, as before.

// startRinger connects to the notification server and subscribes the
// ringer; failing to is logged, not fatal: calls still ring in the UI.
func (a *App) startRinger() {
	if !a.opts.Notify {
		return
	}
	n, err := notify.New(a.ctx, notify.Options{Logger: a.log.With("part", "notify")})
	if err != nil {
		level := a.log.Warn
		if errors.Is(err, notify.ErrNotSupported) {
			level = a.log.Info
		}
		level("app: incoming calls will not show a desktop notification", "err", err)
		a.raiseOnRing()
		return
	}
	r, err := ringer.New(a.ctx, ringer.Options{Notifier: n, Calls: a.calls, Answer: a.answerFromNotification,
		WindowFocused: a.opts.WindowFocused, Logger: a.log.With("part", "ringer")})
	if err != nil {
		n.Close()
		a.log.Error("app: ringer", "err", err)
		return
	}
	a.notifier, a.ringer = n, r
	a.unsubRinger = a.bus.Subscribe(r)
	caps := n.Capabilities()
	a.log.Info("app: incoming calls show a desktop notification", "server", caps.Server, "actions", caps.Actions)
}

// raiseOnRing is the fallback where no notification can be shown (no
// notification server; Windows and macOS for now): a call that rings
// while the window is hidden or unfocused brings the window to the front,
// so it rings where it can be seen. Headless, nothing is shown.
func (a *App) raiseOnRing() {
	if a.opts.ShowWindow == nil {
		return
	}
	focused := a.opts.WindowFocused
	a.unsubRinger = a.bus.Subscribe(events.SinkFunc(func(name events.Name, _ any) {
		if name == events.CallIncoming && (focused == nil || !focused()) {
			a.opts.ShowWindow()
		}
	}))
}

// stopRinger withdraws a notification still up and disconnects.
func (a *App) stopRinger() {
	if a.ringer == nil {
		if a.unsubRinger != nil {
			a.unsubRinger()
		}
		return
	}
	a.unsubRinger()
	a.ringer.Close()
	if err := a.notifier.Close(); err != nil {
		a.log.Debug("app: notifier", "err", err)
	}
}

// AnswerRequest is the data of call:answer: answer this ringing call, as
// the window's Answer button would (Video false: audio only).
type AnswerRequest struct {
	Call  string `json:"call"`
	Video bool   `json:"video"`
}

// answerFromNotification does what the window's Answer button does. With
// a window, it comes to the front and its UI answers (call:answer): in
// the window itself, or by opening the call window where the webview has
// no WebRTC, the UI's own Answer path either way. With none (headless),
// the call window opens here to answer it.
func (a *App) answerFromNotification(ctx context.Context, c calls.Info, video bool) error {
	if a.opts.ShowWindow != nil {
		a.opts.ShowWindow()
		a.bus.Emit(events.CallAnswer, AnswerRequest{Call: c.ID, Video: video})
		return nil
	}
	if _, err := a.Desktop.OpenCallWindow(api.CallIntent{Action: "accept", Call: c.ID, Video: video}); err != nil {
		return fmt.Errorf("app: answer: %w", err)
	}
	return nil
}
