// Command peerline is the Peerline desktop app. main only wires: it parses
// the command line, builds the core (package app), and either runs it
// headless or binds its services to the Wails window.
package main

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/options/mac"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/peerline/peerline/app"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/notify"
	"github.com/peerline/peerline/app/webview"
)

// The built frontend (npm run build); it must exist before any go command.
//
//go:embed all:frontend/dist
var assets embed.FS

// Window icon on Linux (macOS and Windows take it from the app bundle),
// and the icon of Windows toasts.
//
//go:embed build/appicon.png
var icon []byte

func main() {
	launchedAt := time.Now()
	if generatingBindings {
		// `wails build` and `wails generate module` run this binary only to
		// read the bound types: no data dir, no hub, no mDNS on the
		// build machine's network.
		if err := wails.Run(&options.App{Title: "Peerline", Bind: app.ServiceTypes()}); err != nil {
			fmt.Fprintln(os.Stderr, "peerline: bindings:", err)
			os.Exit(1)
		}
		return
	}
	opts, err := parseFlags(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peerline:", err)
		os.Exit(2)
	}
	if opts == nil {
		return // --help or --version
	}
	if err := run(opts, launchedAt); err != nil {
		fmt.Fprintln(os.Stderr, "peerline:", err)
		os.Exit(1)
	}
}

func run(f *flags, launchedAt time.Time) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: f.logLevel}))
	slog.SetDefault(logger)
	dist, err := fs.Sub(assets, "frontend/dist")
	if err != nil {
		return err
	}
	if f.quit {
		return quitRunning(f.dataDir, os.Stderr)
	}
	if f.toastActivated && toastLaunch(f.dataDir, logger) {
		return nil // the running Peerline took the click
	}
	win := newWindow(logger)
	if !f.headless {
		// From here on SIGINT and SIGTERM quit cleanly, also while the
		// core starts (before Wails runs, they would kill it outright).
		defer win.quitOnSignals()()
	}
	var onSecondLaunch, showWindow func() // headless: no window to raise
	var windowFocused func() bool         // headless: no window to look at
	if !f.headless {
		onSecondLaunch, showWindow, windowFocused = win.raise, win.raise, win.focused
	}
	// --quit (instance.Quit): the window app quits through Wails (its
	// OnShutdown closes the app); headless, run's wait below ends.
	quitHeadless := make(chan struct{})
	var quitOnce sync.Once
	onQuit := win.quit
	if f.headless {
		onQuit = func() { quitOnce.Do(func() { close(quitHeadless) }) }
	}
	// macOS notifications go through the window's Wails runtime, once up.
	var notifyWindow *notify.Window
	if !f.headless {
		notifyWindow = notify.NewWindow()
	}
	autostart, err := autostartOptions(f.dataDir)
	if err != nil {
		return err
	}
	a, err := app.New(app.Options{
		Autostart: autostart,
		DataDir:   f.dataDir, Name: f.name, UIAddr: f.uiAddr, HubPort: f.hubPort, RingTimeout: f.ringTimeout,
		SignalURLs: f.signalURLs, NoDiscovery: f.noDiscovery, ListenLAN: f.lanHub, Interfaces: f.interfaces, Assets: dist, Logger: logger,
		LaunchedAt: launchedAt, OnSecondLaunch: onSecondLaunch, OnQuit: onQuit, OpenLink: f.openLink,
		// A ring while the window is hidden or unfocused shows a desktop
		// notification; headless, only when asked (--notify).
		Notify: !f.headless || f.notify, WindowFocused: windowFocused, ShowWindow: showWindow,
		NotifyWith: notify.Options{Window: notifyWindow, IconPNG: icon},
	})
	if errors.Is(err, app.ErrAlreadyRunning) && f.openLink != "" {
		return secondLaunchLink(f.dataDir, f.openLink, err, os.Stderr) // the running one shows Add person
	}
	if errors.Is(err, app.ErrAlreadyRunning) && f.hidden {
		// The login entry (or a second one) while Peerline runs already:
		// nothing to do, and no window to pop up.
		fmt.Fprintln(os.Stderr, "peerline: Peerline is already running with this data dir")
		return nil
	}
	if errors.Is(err, app.ErrAlreadyRunning) && !f.headless {
		return secondLaunch(f.dataDir, err, os.Stderr) // the running one's window comes to the front
	}
	if err != nil {
		return err
	}
	defer a.Close()
	uiURL, err := a.Start()
	if err != nil {
		return err
	}
	if f.headless {
		// The one line tests and scripts wait for.
		fmt.Fprintf(os.Stdout, "ui: %s\n", uiURL)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		select {
		case <-ctx.Done():
		case <-quitHeadless:
		}
		logger.Info("peerline: shutting down")
		return nil
	}
	win.load(a)
	if win.quitting.Load() {
		return nil // a signal or --quit while the core started
	}
	trayCtx, stopTray := context.WithCancel(context.Background())
	defer stopTray()
	if t := startTray(trayCtx, a, win, logger); t != nil {
		defer t.Close()
	}
	width, height := win.size()
	return wails.Run(&options.App{
		Title:            "Peerline",
		Width:            width,
		Height:           height,
		MinWidth:         minWidth,
		MinHeight:        minHeight,
		WindowStartState: win.startState(),
		StartHidden:      win.startHidden(f.hidden), // in the tray: the login autostart entry
		AssetServer: &assetserver.Options{
			Assets: assets,
		},
		// Matches the UI's light background so the window doesn't flash dark.
		BackgroundColour: &options.RGBA{R: 247, G: 248, B: 250, A: 255},
		OnStartup: func(ctx context.Context) {
			win.startup(ctx)
			notifyWindow.Started(ctx)
			a.Events().Subscribe(events.SinkFunc(func(name events.Name, data any) {
				runtime.EventsEmit(ctx, string(name), data)
			}))
			// Camera, microphone and (where compiled in) WebRTC in the
			// webview; Wails leaves them off on Linux.
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if r, err := webview.Configure(wctx); err != nil {
				logger.Warn("peerline: webview", "err", err)
			} else if r.Found {
				logger.Info("peerline: webview configured", "media_stream", r.MediaStream, "webrtc", r.WebRTC, "webrtc_setting", r.WebRTCSetting)
			}
		},
		OnDomReady:    win.domReady,
		OnBeforeClose: win.beforeClose, // saves the window's size and position
		OnShutdown:    func(context.Context) { a.Close() },
		// Bound methods' errors reach the page as {code, message}, as the
		// bridge sends them (package errcode).
		ErrorFormatter: errcode.Format,
		Bind:           a.Bindings(),
		// macOS hands a clicked peerline: link to the running app here.
		Mac: &mac.Options{OnUrlOpen: func(link string) {
			if err := a.OpenInvite(link); err != nil {
				logger.Warn("peerline: invite link refused", "err", err)
			}
		}},
		Linux: &linux.Options{
			Icon:        icon,
			ProgramName: "peerline", // WM_CLASS, matches build/linux/peerline.desktop
		},
	})
}
