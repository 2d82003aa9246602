// Package app is the Go half of the Peerline desktop app: the services the
// Wails window binds and calls. One bound service per noun; the nouns
// (store, discovery, calls, bridge …) live in subpackages.
package app

import "context"

// version is the app version shown in the UI. Release builds override it:
//
//	-ldflags "-X github.com/peerline/peerline/app.version=1.2.3"
var version = "dev"

// App is the placeholder bound service: it reports the app version and owns
// the start/stop hooks the window calls. Real services will hang off it.
type App struct {
	ctx context.Context
}

// New returns an App ready to be bound to the window.
func New() *App {
	return &App{}
}

// Startup is called by Wails once the window exists. The context it gets is
// the one Wails runtime calls (events, dialogs) need.
func (a *App) Startup(ctx context.Context) {
	a.ctx = ctx
}

// Shutdown is called by Wails when the window closes, after the frontend is
// gone. Services started in Startup stop here.
func (a *App) Shutdown(ctx context.Context) {}

// Version returns the app version, "dev" for unreleased builds.
func (a *App) Version() (string, error) {
	return version, nil
}
