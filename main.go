// Command peerline is the Peerline desktop app. main only wires: it builds
// the services in package app, binds them to the window and hands their
// start/stop hooks to Wails.
package main

import (
	"embed"
	"log"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"

	"github.com/peerline/peerline/app"
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
	a := app.New()

	err := wails.Run(&options.App{
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
		OnStartup:        a.Startup,
		OnShutdown:       a.Shutdown,
		Bind:             []any{a},
		Linux: &linux.Options{
			Icon:        icon,
			ProgramName: "peerline", // WM_CLASS, matches build/linux/peerline.desktop
		},
	})
	if err != nil {
		log.Fatalf("peerline: %v", err)
	}
}
