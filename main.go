// Command peerline is the Peerline desktop app. main only wires: it parses
// the command line, builds the core (package app), and either runs it
// headless or binds its services to the Wails window.
package main

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"

	"github.com/peerline/peerline/app"
	"github.com/peerline/peerline/app/events"
)

// The built frontend (npm run build); it must exist before any go command.
//
//go:embed all:frontend/dist
var assets embed.FS

// Window icon on Linux; macOS and Windows take it from the app bundle.
//
//go:embed build/appicon.png
var icon []byte

func main() {
	opts, err := parseFlags(os.Args[1:], os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "peerline:", err)
		os.Exit(2)
	}
	if opts == nil {
		return // --help or --version
	}
	if err := run(opts); err != nil {
		fmt.Fprintln(os.Stderr, "peerline:", err)
		os.Exit(1)
	}
}

func run(f *flags) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: f.logLevel}))
	slog.SetDefault(logger)
	dist, err := fs.Sub(assets, "frontend/dist")
	if err != nil {
		return err
	}
	a, err := app.New(app.Options{
		DataDir: f.dataDir, Name: f.name, UIAddr: f.uiAddr, HubPort: f.hubPort, RingTimeout: f.ringTimeout,
		SignalURLs: f.signalURLs, NoDiscovery: f.noDiscovery, Interfaces: f.interfaces, Assets: dist, Logger: logger,
	})
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
		<-ctx.Done()
		logger.Info("peerline: shutting down")
		return nil
	}
	return wails.Run(&options.App{
		Title:     "Peerline",
		Width:     1100,
		Height:    720,
		MinWidth:  720,
		MinHeight: 480,
		AssetServer: &assetserver.Options{
			Assets: assets,
		},
		// Matches the UI's light background so the window doesn't flash dark.
		BackgroundColour: &options.RGBA{R: 247, G: 248, B: 250, A: 255},
		OnStartup: func(ctx context.Context) {
			a.Events().Subscribe(events.SinkFunc(func(name events.Name, data any) {
				runtime.EventsEmit(ctx, string(name), data)
			}))
		},
		OnShutdown: func(context.Context) { a.Close() },
		Bind:       a.Bindings(),
		Linux: &linux.Options{
			Icon:        icon,
			ProgramName: "peerline", // WM_CLASS, matches build/linux/peerline.desktop
		},
	})
}
