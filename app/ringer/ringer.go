// Package ringer rings through a native desktop notification when a call
// comes in while nobody is looking at the app window: the window is
// hidden, minimised or unfocused, or there is no window at all (headless).
// The notification names the caller and carries Answer and Decline where
// the notification server shows actions; a click on the notification
// itself (the default action) shows the window, where the call keeps
// ringing: it does not answer (a click meant to look would send video).
//
// It listens to the call manager's events (an events.Sink on the app's
// bus): call:incoming shows the notification; the first call:state of
// that call that is no longer ringing (answered here or in another
// window, declined, missed, the caller hung up) withdraws it.
//
// What Answer does is the app's to say (Options.Answer): show the window
// and answer there, or open the call window where the webview has no
// WebRTC. Decline is the call manager's.
package ringer

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/notify"
)

// The notification's action keys. A click on the notification (the
// default action, and dunst's `dunstctl action N`) shows the window
// (Options.Show), where it keeps ringing; only the buttons answer.
const (
	KeyShow        = notify.DefaultKey // the click on the body: show the window
	KeyAnswerVideo = "answer"          // the "Answer" button: as offered
	KeyAnswerAudio = "answer-audio"    // "Audio only", on video calls
	KeyDecline     = "decline"         // "Decline"
)

// MaxNameRunes is the most of a caller's name the notification shows.
const MaxNameRunes = 64

// actionTimeout bounds what one action does (opening the call window
// can take seconds while a browser starts).
const actionTimeout = 15 * time.Second

// Notifier shows and withdraws notifications (notify.Notifier).
type Notifier interface {
	Show(ctx context.Context, n notify.Notification) (notify.ID, error)
	Withdraw(ctx context.Context, id notify.ID) error
}

// Decliner declines the ringing call (calls.Manager).
type Decliner interface {
	Decline(ctx context.Context, callID string) error
}

// Options configure a Ringer. Notifier, Calls and Answer are required.
type Options struct {
	Notifier Notifier
	Calls    Decliner
	// Answer answers the ringing call as the window's Answer button does,
	// with video or audio only; it may take seconds.
	Answer func(ctx context.Context, call calls.Info, video bool) error
	// WindowFocused reports whether the app window is shown and has the
	// focus: the call rings in the window then, and no notification is
	// shown. Nil: there is no window (headless), so every ring notifies.
	WindowFocused func() bool
	// OnShowFailed is called when the notification could not be shown
	// (Show failed: a Windows toast refused, macOS notifications not
	// allowed or not set up yet, the notification server gone): Start
	// brings the window to the front there, so the call still rings
	// where it can be seen. Nil: nothing more is done.
	OnShowFailed func(call calls.Info)
	// Show shows and focuses the window, for a click on the
	// notification's body: the call rings on there. Nil (headless): the
	// click does nothing, and the buttons still answer or decline where
	// the notification stays up.
	Show func()
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

// Ringer is an events.Sink that turns ringing calls into notifications.
// Subscribe it to the app's bus; Close it before the Notifier.
type Ringer struct {
	opts Options
	log  *slog.Logger
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup // the actions' goroutines

	mu     sync.Mutex
	ring   *ring // the notification up now, if any
	closed bool
}

// ring is one shown notification and the call it rings for.
type ring struct {
	call calls.Info
	id   notify.ID
	done bool // acted on or withdrawn: a second click does nothing
}

// New checks opts and returns a Ringer.
func New(ctx context.Context, opts Options) (*Ringer, error) {
	if opts.Notifier == nil || opts.Calls == nil || opts.Answer == nil {
		return nil, errors.New("ringer: Notifier, Calls and Answer are required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	rctx, stop := context.WithCancel(ctx)
	return &Ringer{opts: opts, log: opts.Logger, ctx: rctx, stop: stop}, nil
}

// Emit implements events.Sink: it takes call:incoming and call:state.
func (r *Ringer) Emit(name events.Name, data any) {
	switch name {
	case calls.EventIncoming:
		if in, ok := data.(calls.Incoming); ok {
			r.incoming(in.Call)
		}
	case calls.EventState:
		if info, ok := data.(calls.Info); ok && info.State != calls.StateRinging {
			r.moved(info)
		}
	}
}

// incoming shows the notification for a call that rings, unless the
// window has the person's attention.
func (r *Ringer) incoming(call calls.Info) {
	if call.Direction != calls.DirectionIncoming || call.State != calls.StateRinging || call.AutoAccept {
		return
	}
	if r.opts.WindowFocused != nil && r.opts.WindowFocused() {
		r.log.Debug("ringer: the window has the focus; it rings there", "call", call.ID)
		return
	}
	failed := false
	defer func() {
		// After r.mu is let go (deferred first, runs last): raising the
		// window is the app's, and may come back to the Ringer.
		if f := r.opts.OnShowFailed; failed && f != nil {
			f(call)
		}
	}()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return
	}
	r.withdrawLocked() // a call that took over another's ring
	rg := &ring{call: call}
	note := Notification(call)
	note.OnAction = func(key string) { r.action(rg, key) }
	note.OnClosed = func(notify.CloseReason) {
		r.mu.Lock()
		if r.ring == rg {
			r.ring = nil
		}
		r.mu.Unlock()
	}
	// Held while it is shown: a call:state that says the ring is over
	// waits for the id to withdraw.
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	id, err := r.opts.Notifier.Show(ctx, note)
	if err != nil {
		r.log.Warn("ringer: notification not shown", "call", call.ID, "err", err)
		failed = true
		return
	}
	rg.id = id
	r.ring = rg
	r.log.Info("ringer: incoming call notified", "call", call.ID, "notification", uint32(id))
}

// moved withdraws the notification of a call that no longer rings.
func (r *Ringer) moved(info calls.Info) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ring != nil && r.ring.call.ID == info.ID {
		r.withdrawLocked()
	}
}

// withdrawLocked takes the current notification down; r.mu is held.
func (r *Ringer) withdrawLocked() {
	rg := r.ring
	if rg == nil {
		return
	}
	r.ring, rg.done = nil, true
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := r.opts.Notifier.Withdraw(ctx, rg.id); err != nil {
		r.log.Debug("ringer: withdraw", "err", err)
	}
}

// action runs on the Notifier's goroutine: what it does (a browser
// starting, a message to the caller) runs on one of the Ringer's own.
func (r *Ringer) action(rg *ring, key string) {
	r.mu.Lock()
	if rg.done || r.closed || key == KeyShow && r.opts.Show == nil {
		r.mu.Unlock()
		return
	}
	rg.done = true
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		ctx, cancel := context.WithTimeout(r.ctx, actionTimeout)
		defer cancel()
		call := rg.call
		var err error
		switch key {
		case KeyShow:
			r.log.Info("ringer: notification clicked: the window shows the ring", "call", call.ID)
			r.opts.Show()
		case KeyAnswerVideo:
			r.log.Info("ringer: answered from the notification", "call", call.ID)
			err = r.opts.Answer(ctx, call, offersVideo(call))
		case KeyAnswerAudio:
			r.log.Info("ringer: answered from the notification, audio only", "call", call.ID)
			err = r.opts.Answer(ctx, call, false)
		case KeyDecline:
			r.log.Info("ringer: declined from the notification", "call", call.ID)
			err = r.opts.Calls.Decline(ctx, call.ID)
		default:
			return
		}
		if err != nil {
			r.log.Warn("ringer: notification action failed", "call", call.ID, "action", key, "err", err)
		}
		// dunst, for one, leaves a notification up after an action.
		r.mu.Lock()
		if r.ring == rg {
			r.withdrawLocked()
		}
		r.mu.Unlock()
	}()
}

// Close withdraws the notification up now and waits for the actions
// under way (their context is cancelled; an Answer that ignores it is
// waited for). Events after Close do nothing.
func (r *Ringer) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	r.withdrawLocked()
	r.mu.Unlock()
	r.stop()
	r.wg.Wait()
}

func offersVideo(c calls.Info) bool {
	for _, m := range c.Media {
		if m == "video" {
			return true
		}
	}
	return false
}
