package main

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/peerline/peerline/app"
	"github.com/peerline/peerline/app/instance"
	"github.com/peerline/peerline/app/notify"
)

// toastClickTimeout bounds how long a launch for a toast click waits for
// COM to hand it the click, and the running Peerline to take it.
const toastClickTimeout = 10 * time.Second

// toastLaunch is a launch Windows started for a click on a toast (no
// Peerline had the toast activator registered: the one that showed it is
// between its registration and a restart, or runs elevated): it takes the
// click from COM and hands it to the Peerline running with the data dir,
// which showed the toast, and reports true: nothing is left to do. With
// no click (not Windows, or started by hand), or with no Peerline running
// (the toast outlived the one that showed it, and its call with it), it
// reports false, and this launch starts as a plain one does.
func toastLaunch(dataDir string, log *slog.Logger) (done bool) {
	ctx, cancel := context.WithTimeout(context.Background(), toastClickTimeout)
	defer cancel()
	click, err := notify.AwaitClick(ctx)
	if err != nil {
		log.Warn("peerline: --toast-activated: no notification click to pass on", "err", err)
		return false
	}
	if dataDir == "" {
		if dataDir, err = app.DefaultDataDir(); err != nil {
			log.Error("peerline: notification click", "err", err)
			return false
		}
	}
	switch err := instance.Toast(ctx, dataDir, click); {
	case err == nil:
		log.Info("peerline: notification click passed to the running Peerline")
		return true
	case errors.Is(err, instance.ErrNotRunning):
		log.Info("peerline: a notification click with no Peerline running: its call is over; starting")
		return false
	default:
		log.Warn("peerline: notification click not taken", "err", err)
		return true
	}
}
