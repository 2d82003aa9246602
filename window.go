package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/peerline/peerline/app"
	"github.com/peerline/peerline/app/instance"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/app/tray"
	"github.com/peerline/peerline/app/webview"
)

// The window's default and smallest size.
const (
	defaultWidth  = 1100
	defaultHeight = 720
	minWidth      = 720
	minHeight     = 480
)

// frameW and frameH are room left on screen for the window manager's
// frame, which the window's size leaves out: borders, and a title bar
// (20-40 pixels on the desktops we know).
const frameW, frameH = 16, 48

// activateTimeout bounds how long a second launch waits for the running
// Peerline to answer.
const activateTimeout = 5 * time.Second

// window is the Wails window's side of the app's behaviours: it reopens
// where it was closed (size, position, maximised); it comes to the front
// when Peerline is launched again with the same data dir; closing it
// hides it while Peerline keeps running (unless the setting says quit),
// and only quit (tray Quit, --quit, SIGTERM) ends the app. Its methods
// are the Wails callbacks of the same names.
type window struct {
	log      *slog.Logger
	store    windowStore
	ctx      atomic.Pointer[context.Context]
	restore  sync.Once
	quitting atomic.Bool    // quit was asked for: the next close quits
	hidden   atomic.Bool    // hidden (closed to the tray, or --hidden) until raised
	quitMu   sync.Mutex     // guards quitSent and closing
	quitSent bool           // runtime.Quit was called
	closing  bool           // a close was let through: GTK's loop is ending
	signals  chan os.Signal // SIGINT, SIGTERM (quitOnSignals); nil: Wails keeps them
	ended    chan struct{}  // closed when the window goes for good (end)
	endOnce  sync.Once
	bg       sync.WaitGroup // the hidden start's tray check

	mu    sync.Mutex // Wails calls back from several goroutines
	saved store.WindowState
	had   bool // saved holds a saved geometry

	tray *tray.Tray // nil without one; set before wails.Run
}

// windowStore is where the geometry lives between runs, and the setting
// that says what closing does (the app).
type windowStore interface {
	WindowState() (store.WindowState, bool)
	SaveWindowState(store.WindowState) error
	KeepRunningWhenClosed() bool
}

func newWindow(log *slog.Logger) *window { return &window{log: log, ended: make(chan struct{})} }

// hiddenGrace is how long a window started hidden waits for a tray host
// to show its icon (at login the panel may start after Peerline) before
// it shows itself minimised, so that it can be found.
const hiddenGrace = 10 * time.Second

// startHidden is options.App StartHidden: --hidden starts with the
// window hidden (startup checks for a tray).
func (w *window) startHidden(hidden bool) bool {
	w.hidden.Store(hidden)
	return hidden
}

// end stops what the window runs in the background (once).
func (w *window) end() { w.endOnce.Do(func() { close(w.ended) }) }

// load reads the saved geometry; call it before wails.Run.
func (w *window) load(s windowStore) {
	w.store = s
	w.mu.Lock()
	w.saved, w.had = s.WindowState()
	w.mu.Unlock()
}

// last returns the saved geometry.
func (w *window) last() (store.WindowState, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.saved, w.had
}

// size is the size to open with (options.App Width and Height).
func (w *window) size() (width, height int) {
	saved, had := w.last()
	if !had {
		return defaultWidth, defaultHeight
	}
	return min(max(saved.Width, minWidth), store.MaxWindowSize), min(max(saved.Height, minHeight), store.MaxWindowSize)
}

// startState is options.App WindowStartState: maximised if it closed so.
func (w *window) startState() options.WindowStartState {
	if saved, had := w.last(); had && saved.Maximised {
		return options.Maximised
	}
	return options.Normal
}

// startup is OnStartup: it keeps the runtime context for raise and quit,
// takes SIGINT and SIGTERM over from Wails (whose handler would make them
// a close, which only hides the window), quits at once if quit came
// first, and, started hidden, makes sure the window can be found.
func (w *window) startup(ctx context.Context) {
	w.ctx.Store(&ctx)
	if w.signals != nil {
		signal.Reset(os.Interrupt, syscall.SIGTERM) // Wails' Notify
		signal.Notify(w.signals, os.Interrupt, syscall.SIGTERM)
	}
	if w.hidden.Load() {
		w.bg.Add(1)
		go func() {
			defer w.bg.Done()
			w.showIfNoTray(ctx)
		}()
	}
	w.quitMu.Lock()
	defer w.quitMu.Unlock()
	if w.quitting.Load() && !w.quitSent && !w.closing {
		w.quitSent = true
		runtime.Quit(ctx)
	}
}

// showIfNoTray shows a window started hidden minimised when, after
// hiddenGrace, no tray host shows the icon: hidden with no icon, nobody
// could find Peerline (plain GNOME has no tray).
func (w *window) showIfNoTray(ctx context.Context) {
	select {
	case <-time.After(hiddenGrace):
	case <-w.ended:
		return
	}
	if !w.hidden.Load() || w.trayAvailable() || w.quitting.Load() {
		return
	}
	w.log.Info("peerline: started hidden, but no tray shows the icon: the window is shown minimised")
	w.hidden.Store(false)
	runtime.WindowShow(ctx)
	runtime.WindowMinimise(ctx)
}

// quit ends the app fully (tray Quit, --quit, SIGINT/SIGTERM): Wails
// closes the window and its OnShutdown closes the app, which hangs up a
// call, says goodbye on mDNS and closes the hub. It does not block, and
// asks Wails once, and not after a close was let through: two quits at
// once crash GTK (gtk_main_quit from two goroutines).
func (w *window) quit() {
	w.quitMu.Lock()
	defer w.quitMu.Unlock()
	w.quitting.Store(true)
	if ctx := w.ctx.Load(); ctx != nil && !w.quitSent && !w.closing {
		w.quitSent = true
		runtime.Quit(*ctx)
	}
}

// quitOnSignals makes SIGINT and SIGTERM quit until stop is called (which
// also ends the window's background work). Wails registers its own
// handler when it runs; startup takes the signals back.
func (w *window) quitOnSignals() (stop func()) {
	w.signals = make(chan os.Signal, 1)
	signal.Notify(w.signals, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-w.signals:
			w.quit()
		case <-done:
		}
	}()
	return func() {
		signal.Stop(w.signals)
		close(done)
		wg.Wait()
		w.end()
		w.bg.Wait()
	}
}

// domReady is OnDomReady: it moves the window where it was, once. (Wails
// centres the window after showing it, so OnStartup would be too early.)
func (w *window) domReady(ctx context.Context) {
	w.restore.Do(func() {
		saved, had := w.last()
		if !had || saved.Maximised {
			return
		}
		sw, sh := currentScreen(ctx)
		fit := fitWindow(saved, sw, sh)
		if fw, fh := w.size(); fit.Width != fw || fit.Height != fh {
			runtime.WindowSetSize(ctx, fit.Width, fit.Height)
		}
		runtime.WindowSetPosition(ctx, fit.X, fit.Y)
		w.log.Debug("peerline: window restored", "x", fit.X, "y", fit.Y, "width", fit.Width, "height", fit.Height)
	})
}

// beforeClose is OnBeforeClose, which Wails calls for the window's close
// button and for runtime.Quit, while the window still exists: it saves
// the geometry; then a quit closes the window (and the app), and a close
// hides it (Peerline keeps running, in the tray) unless the setting says
// quit, or minimises it when there is no tray to find it again.
//
// Once a close is let through, every later one is refused: each would
// end GTK's loop again (gtk_main_quit from another goroutine), which
// crashes.
func (w *window) beforeClose(ctx context.Context) (prevent bool) {
	w.quitMu.Lock()
	if w.closing {
		w.quitMu.Unlock()
		return true
	}
	closeNow := w.store == nil || w.quitting.Load() || !w.store.KeepRunningWhenClosed()
	w.closing = closeNow
	w.quitMu.Unlock()
	if w.store != nil && !w.hidden.Load() {
		w.saveGeometry(ctx) // a hidden window's geometry was saved as it hid
	}
	if closeNow {
		w.end()
		return false
	}
	if !w.trayAvailable() {
		runtime.WindowMinimise(ctx)
		w.log.Info("peerline: window closed; no tray here, so it is minimised and Peerline keeps running")
		return true
	}
	w.hidden.Store(true)
	runtime.WindowHide(ctx)
	w.log.Info("peerline: window closed; Peerline keeps running in the background")
	return true
}

// saveGeometry saves the window's size and position for the next start.
func (w *window) saveGeometry(ctx context.Context) {
	sw, sh := currentScreen(ctx)
	o := observed{
		Maximised: runtime.WindowIsMaximised(ctx), Minimised: runtime.WindowIsMinimised(ctx),
		Fullscreen: runtime.WindowIsFullscreen(ctx), ScreenW: sw, ScreenH: sh,
	}
	o.X, o.Y = runtime.WindowGetPosition(ctx)
	o.Width, o.Height = runtime.WindowGetSize(ctx)
	saved, had := w.last()
	next, save := nextWindowState(saved, had, o)
	if !save {
		return
	}
	if err := w.store.SaveWindowState(next); err != nil {
		w.log.Warn("peerline: window geometry not saved", "err", err)
		return
	}
	w.mu.Lock()
	w.saved, w.had = next, true
	w.mu.Unlock()
	w.log.Debug("peerline: window geometry saved", "x", next.X, "y", next.Y, "width", next.Width, "height", next.Height, "maximised", next.Maximised)
}

// raise is app.Options.OnSecondLaunch: show, unminimise and focus the
// window (gtk_window_present on Linux). Before OnStartup there is no
// window yet; it is about to appear anyway.
func (w *window) raise() {
	ctx := w.ctx.Load()
	if ctx == nil {
		return
	}
	w.hidden.Store(false)
	runtime.WindowShow(*ctx)
	runtime.WindowUnminimise(*ctx)
}

// focused is app.Options.WindowFocused: the window is shown and has the
// keyboard focus (GTK's is-active, followed by package webview), so a
// call rings in it and needs no notification. Where that is not known
// (Windows and macOS, until they are wired), it says false, and a ring
// notifies wherever notifications work.
func (w *window) focused() bool {
	return webview.Focused()
}

// currentScreen returns the size of the screen the window is on (else
// the primary one), or zeros when unknown.
func currentScreen(ctx context.Context) (width, height int) {
	screens, err := runtime.ScreenGetAll(ctx)
	if err != nil {
		return 0, 0
	}
	for _, s := range screens {
		if s.IsCurrent {
			return s.Width, s.Height
		}
	}
	for _, s := range screens {
		if s.IsPrimary {
			return s.Width, s.Height
		}
	}
	return 0, 0
}

// observed is the window as it is about to close.
type observed struct {
	X, Y, Width, Height              int
	Maximised, Minimised, Fullscreen bool
	ScreenW, ScreenH                 int // 0: unknown
}

// nextWindowState is what to save given the saved state (had: there is
// one) and the window as it closes; save is false when nothing should be
// written. Minimised and fullscreen windows report no useful geometry
// (Windows puts minimised ones at -32000), so they keep the saved one. A
// maximised window reports its maximised size: it keeps the saved normal
// geometry (or the default size, centred) and sets the flag.
func nextWindowState(prev store.WindowState, had bool, o observed) (next store.WindowState, save bool) {
	switch {
	case o.Minimised || o.Fullscreen:
		return prev, false
	case o.Maximised:
		if !had {
			prev = store.WindowState{Width: defaultWidth, Height: defaultHeight,
				X: max(0, (o.ScreenW-defaultWidth)/2), Y: max(0, (o.ScreenH-defaultHeight)/2)}
		}
		prev.Maximised = true
		return prev, true
	default:
		return store.WindowState{X: o.X, Y: o.Y, Width: o.Width, Height: o.Height}, true
	}
}

// fitWindow puts a saved geometry on a screen of screenW x screenH (0:
// unknown) so that a window saved on a monitor that is gone, or larger
// than this one, opens whole and on screen: with its frame (frameW x
// frameH), no larger than the screen (nor smaller than the minimum size),
// its top-left corner at or right and below the screen's, and its
// bottom-right corner on the screen. Position and size are in the
// screen's coordinates, as Wails sets them.
func fitWindow(ws store.WindowState, screenW, screenH int) store.WindowState {
	ws.Width = min(max(ws.Width, minWidth), store.MaxWindowSize)
	ws.Height = min(max(ws.Height, minHeight), store.MaxWindowSize)
	if screenW > 0 && screenH > 0 {
		ws.Width = max(min(ws.Width, screenW-frameW), minWidth)
		ws.Height = max(min(ws.Height, screenH-frameH), minHeight)
		ws.X = min(ws.X, screenW-ws.Width-frameW)
		ws.Y = min(ws.Y, screenH-ws.Height-frameH)
	}
	ws.X, ws.Y = max(ws.X, 0), max(ws.Y, 0)
	return ws
}

// quitRunning is --quit: it asks the Peerline running with dataDir to
// quit and waits until it has. None running is not an error (the wish is
// met); it says so.
func quitRunning(dataDir string, stderr io.Writer) error {
	if dataDir == "" {
		dir, err := app.DefaultDataDir()
		if err != nil {
			return err
		}
		dataDir = dir
	}
	err := instance.Quit(context.Background(), dataDir)
	switch {
	case errors.Is(err, instance.ErrNotRunning):
		fmt.Fprintln(stderr, "peerline: no Peerline is running with this data dir")
		return nil
	case err != nil:
		return err
	}
	fmt.Fprintln(stderr, "peerline: Peerline quit")
	return nil
}

// secondLaunchLink hands an invite link (a click on peerline://add?…) to
// the Peerline running with dataDir, which shows Add person filled in
// from it; nil means it took the link and this launch should exit 0.
func secondLaunchLink(dataDir, link string, locked error, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), activateTimeout)
	defer cancel()
	if dataDir == "" {
		dir, err := app.DefaultDataDir()
		if err != nil {
			return fmt.Errorf("%w; %w", locked, err)
		}
		dataDir = dir
	}
	if err := instance.Open(ctx, dataDir, link); err != nil {
		return fmt.Errorf("%w; passing it the link failed: %w", locked, err)
	}
	fmt.Fprintln(stderr, "peerline: Peerline is already running with this data dir; it shows the invite in Add person")
	return nil
}

// secondLaunch handles a window launch that found the data dir in use
// (locked wraps app.ErrAlreadyRunning): it asks the running Peerline to
// bring its window to the front and says so in one line on stderr. nil
// means that worked and this launch should exit 0.
func secondLaunch(dataDir string, locked error, stderr io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), activateTimeout)
	defer cancel()
	if dataDir == "" {
		dir, err := app.DefaultDataDir()
		if err != nil {
			return fmt.Errorf("%w; %w", locked, err)
		}
		dataDir = dir
	}
	if err := instance.Activate(ctx, dataDir); err != nil {
		if errors.Is(err, instance.ErrNoWindow) {
			return fmt.Errorf("%w; it runs headless, with no window to show", locked)
		}
		return fmt.Errorf("%w; asking it to show its window failed: %w", locked, err)
	}
	fmt.Fprintln(stderr, "peerline: Peerline is already running with this data dir; brought its window to the front")
	return nil
}
