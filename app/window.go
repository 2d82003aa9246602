package app

import (
	"fmt"

	"github.com/peerline/peerline/app/store"
)

// WindowState returns the window geometry SaveWindowState saved last; ok
// is false when there is none (first run, or an unreadable record), and
// the window then opens with its defaults.
func (a *App) WindowState() (w store.WindowState, ok bool) {
	w, ok, err := a.store.WindowState(a.ctx)
	if err != nil {
		a.log.Warn("app: window state", "err", err)
		return store.WindowState{}, false
	}
	return w, ok
}

// SaveWindowState saves the window geometry for the next start. It is
// not part of Settings: the UI saves those whole and would overwrite it.
func (a *App) SaveWindowState(w store.WindowState) error {
	if err := a.store.PutWindowState(a.ctx, w); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	return nil
}

// KeepRunningWhenClosed reports the setting "Keep running when the window
// is closed" (store.Settings.QuitOnClose turned around; on by default). An
// unreadable setting keeps running: hiding is the safer mistake, since
// quitting would leave the person unreachable without telling them.
func (a *App) KeepRunningWhenClosed() bool {
	set, err := a.store.Settings(a.ctx)
	if err != nil {
		a.log.Warn("app: settings", "err", err)
		return true
	}
	return !set.QuitOnClose
}
