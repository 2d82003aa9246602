package notify

import (
	"context"
	"sync"
)

// Window is the Wails window's runtime context, once the window has
// started: macOS notifications go through Wails's own notification
// support, whose calls take that context. The window's OnStartup calls
// Started; the Notifier waits for it (a ring before the window is up
// rings in the window alone). The zero value is not usable: NewWindow.
type Window struct {
	once  sync.Once
	ready chan struct{}
	ctx   context.Context
}

// NewWindow returns a Window that has not started.
func NewWindow() *Window { return &Window{ready: make(chan struct{})} }

// Started records the Wails runtime context (OnStartup's); later calls
// do nothing.
func (w *Window) Started(ctx context.Context) {
	w.once.Do(func() {
		w.ctx = ctx
		close(w.ready)
	})
}

// wait returns the runtime context once Started ran, or ctx's error.
func (w *Window) wait(ctx context.Context) (context.Context, error) {
	select {
	case <-w.ready:
		return w.ctx, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
