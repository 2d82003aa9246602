//go:build linux

package e2e

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRealWindow builds the desktop binary the way `wails build` does
// (tags desktop,production), runs it under Xvfb with openbox, and fails
// if the window stays blank, if its UI never reports ready through the
// Wails bindings, if the webview's camera and microphone support was not
// turned on (WebKitGTK's enable-media-stream; without it the page has no
// navigator.mediaDevices), or if the app logs an error. With
// PEERLINE_UPDATE_SCREENSHOTS=1 it saves the screenshot as
// docs/screenshots/window.png.
func TestRealWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real window under Xvfb; skipped with -short")
	}
	for _, tool := range []string{"Xvfb", "openbox", "xprop", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs xvfb, openbox, x11-utils and imagemagick)", tool)
		}
	}
	bin := buildDesktop(t)
	x := startXServer(t)
	app := x.startProcess(t, bin, "--data-dir", t.TempDir(), "--name", "Ada Lovelace", "--no-discovery")

	shot := filepath.Join(t.TempDir(), "window.png")
	deadline := time.Now().Add(30 * time.Second)
	var colours int
	for time.Now().Before(deadline) && app.running() {
		time.Sleep(time.Second)
		if x.command("import", "-window", "root", shot).Run() != nil {
			continue
		}
		colours = distinctColours(t, shot)
		// A blank or all-white window has a handful of colours; the UI
		// with text, icons and the window frame has hundreds.
		if colours > 200 {
			break
		}
	}
	if colours <= 200 {
		t.Fatalf("the window looks blank (%d colours on screen) after 30 s; app log:\n%s", colours, app.log)
	}
	t.Logf("window rendered: %d colours on screen", colours)
	ready := app.logLine(t, `msg="desktop: ui ready" window=app`, 20*time.Second)
	for _, want := range []string{"media_devices=true", "since_launch_ms="} {
		if !strings.Contains(ready, want) {
			t.Errorf("the window's ready line lacks %s:\n%s", want, ready)
		}
	}
	conf := app.logLine(t, `msg="peerline: webview configured"`, 5*time.Second)
	if !strings.Contains(conf, "media_stream=true") {
		t.Errorf("webview not configured for media: %s", conf)
	}
	t.Logf("%s\n%s", conf, ready)
	for _, l := range strings.Split(app.log.String(), "\n") {
		if strings.Contains(l, "level=ERROR") {
			t.Errorf("the app logged an error: %s", l)
		}
	}
	if os.Getenv("PEERLINE_UPDATE_SCREENSHOTS") == "1" {
		if data, err := os.ReadFile(shot); err == nil {
			root, _ := filepath.Abs("..")
			os.WriteFile(filepath.Join(root, "docs", "screenshots", "window.png"), data, 0o644)
		}
	}
}

func distinctColours(t *testing.T, path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return 0
	}
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	return len(seen)
}

var _ image.Image // the png decoder registers itself through image
