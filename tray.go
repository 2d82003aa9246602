package main

import (
	"context"
	"fmt"
	"log/slog"
	goruntime "runtime"
	"time"

	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/peerline/peerline/app"
	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/dnd"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/ringer"
	"github.com/peerline/peerline/app/tray"
)

// startTray starts the tray icon of the window app (on the main
// goroutine, before wails.Run: macOS needs it there). Open raises the
// window; Quit quits fully, asking first during a call. It stops when
// ctx is done.
func startTray(ctx context.Context, a *app.App, win *window, log *slog.Logger) *tray.Tray {
	t, err := tray.Start(ctx, tray.Options{
		OnOpen:       win.raise,
		OnQuit:       func() { win.trayQuit(a.Calls.Current) },
		DoNotDisturb: trayDND{a.DoNotDisturb()},
		Logger:       log.With("part", "tray"),
	})
	if err != nil {
		log.Warn("peerline: no tray", "err", err)
		return nil
	}
	// The tooltip names the call; the menu follows do not disturb set in a
	// window or ended by itself.
	a.Events().Subscribe(events.SinkFunc(func(name events.Name, data any) {
		if st, ok := data.(dnd.Status); ok && name == events.DoNotDisturbChanged {
			t.ShowDoNotDisturb(trayState(st))
		}
		if info, ok := data.(calls.Info); ok && name == events.CallState {
			if inCall(info) {
				t.SetInCall(ringer.CallerName(info)) // plain, bounded: the name is the caller's to choose
			} else {
				t.SetInCall("")
			}
		}
	}))
	win.tray = t
	return t
}

// trayDND is the tray's view of the do-not-disturb switch.
type trayDND struct{ s *dnd.Switch }

func (d trayDND) DoNotDisturb() tray.State { return trayState(d.s.Status()) }

func (d trayDND) SetDoNotDisturb(st tray.State) error {
	// The tray's callbacks carry no context; the switch only writes a row.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if st.On {
		_, err = d.s.SetUntil(ctx, st.Until) // zero: until turned off
	} else {
		_, err = d.s.Off(ctx)
	}
	return err
}

// trayState is a dnd.Status as the tray shows it.
func trayState(st dnd.Status) tray.State {
	ts := tray.State{On: st.On}
	if st.Until != nil {
		ts.Until = *st.Until
	}
	return ts
}

// trayQuit is the tray's Quit: the app quits (window.quit). During a call
// it shows the window and asks first. current is the live call
// (api.Calls.Current).
func (w *window) trayQuit(current func() (*calls.Info, error)) {
	ctx := w.ctx.Load()
	if ctx == nil {
		w.quit() // before OnStartup: quits as the window comes up
		return
	}
	if info, err := current(); err == nil && info != nil && inCall(*info) {
		w.raise()
		answer, err := runtime.MessageDialog(*ctx, quitQuestion(goruntime.GOOS, ringer.CallerName(*info)))
		if err != nil || !quitConfirmed(answer) {
			w.log.Info("peerline: quit cancelled: in a call", "answer", answer, "err", err)
			return
		}
	}
	w.quit()
}

// inCall reports whether c is a call in progress (accepted: connecting,
// connected or reconnecting), which quitting would hang up. A call that
// only rings is not asked about.
func inCall(c calls.Info) bool {
	return c.State == calls.StateConnecting || c.State == calls.StateConnected || c.State == calls.StateReconnecting
}

// quitQuestion is the dialog that asks before quitting during a call.
// Wails shows Yes and No on Linux and Windows (ignoring Buttons) and the
// named buttons on macOS; the safe answer is the default everywhere.
func quitQuestion(goos, with string) runtime.MessageDialogOptions {
	if with == "" {
		with = "someone"
	}
	o := runtime.MessageDialogOptions{
		Type:    runtime.QuestionDialog,
		Title:   "Quit Peerline?",
		Message: fmt.Sprintf("You are in a call with %s. Quit Peerline and hang up?", with),
	}
	if goos == "darwin" {
		o.Buttons, o.DefaultButton, o.CancelButton = []string{"Quit", "Cancel"}, "Cancel", "Cancel"
	} else {
		o.DefaultButton = "No"
	}
	return o
}

// quitConfirmed reports whether the dialog's answer is to quit.
func quitConfirmed(answer string) bool { return answer == "Yes" || answer == "Quit" }

// trayAvailable reports whether a tray icon is shown, so that closing the
// window can hide it: without one (Linux with no StatusNotifierItem host)
// a hidden window would leave the app out of reach, so the window
// minimises instead (docs/decisions.md).
func (w *window) trayAvailable() bool { return w.tray != nil && w.tray.Available() }
