//go:build linux

package e2e

import (
	"fmt"
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
	for _, tool := range []string{"Xvfb", "openbox", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (make test installs xvfb, openbox and imagemagick)", tool)
		}
	}
	root, _ := filepath.Abs("..")
	dir := t.TempDir()
	bin := filepath.Join(dir, "peerline")
	build := exec.Command("go", "build", "-tags", "desktop,production,webkit2_41", "-ldflags", "-w -s", "-o", bin, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	display := fmt.Sprintf(":%d", 90+os.Getpid()%9)
	start := func(name string, env []string, args ...string) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), env...)
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	start("Xvfb", nil, display, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	time.Sleep(500 * time.Millisecond)
	env := []string{"DISPLAY=" + display}
	start("openbox", env)
	logPath := filepath.Join(dir, "peerline.log")
	logf, _ := os.Create(logPath)
	app := exec.Command(bin, "--data-dir", filepath.Join(dir, "data"), "--name", "Ada Lovelace", "--no-discovery")
	app.Env = append(os.Environ(), env...)
	app.Stdout, app.Stderr = logf, logf
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { app.Process.Kill(); app.Wait() })

	shot := filepath.Join(dir, "window.png")
	deadline := time.Now().Add(30 * time.Second)
	var colours int
	for time.Now().Before(deadline) {
		time.Sleep(time.Second)
		if app.ProcessState != nil {
			break
		}
		cmd := exec.Command("import", "-window", "root", shot)
		cmd.Env = append(os.Environ(), env...)
		if cmd.Run() != nil {
			continue
		}
		colours = distinctColours(t, shot)
		// A blank or all-white window has a handful of colours; the UI
		// with text, icons and the window frame has hundreds.
		if colours > 200 {
			break
		}
	}
	logs, _ := os.ReadFile(logPath)
	if colours <= 200 {
		t.Fatalf("the window looks blank (%d colours on screen) after 30 s; app log:\n%s", colours, logs)
	}
	t.Logf("window rendered: %d colours on screen", colours)
	ready := waitLogLine(t, logPath, `msg="desktop: ui ready" window=app`, 20*time.Second)
	for _, want := range []string{"media_devices=true", "since_launch_ms="} {
		if !strings.Contains(ready, want) {
			t.Errorf("the window's ready line lacks %s:\n%s", want, ready)
		}
	}
	conf := waitLogLine(t, logPath, `msg="peerline: webview configured"`, 5*time.Second)
	if !strings.Contains(conf, "media_stream=true") {
		t.Errorf("webview not configured for media: %s", conf)
	}
	t.Logf("%s\n%s", conf, ready)
	logs, _ = os.ReadFile(logPath)
	for _, l := range strings.Split(string(logs), "\n") {
		if strings.Contains(l, "level=ERROR") {
			t.Errorf("the app logged an error: %s", l)
		}
	}
	if os.Getenv("PEERLINE_UPDATE_SCREENSHOTS") == "1" {
		if data, err := os.ReadFile(shot); err == nil {
			os.WriteFile(filepath.Join(root, "docs", "screenshots", "window.png"), data, 0o644)
		}
	}
}

// waitLogLine waits for a line of the log file containing sub and returns it.
func waitLogLine(t *testing.T, path, sub string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		data, _ := os.ReadFile(path)
		for _, l := range strings.Split(string(data), "\n") {
			if strings.Contains(l, sub) {
				return l
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q within %s; log:\n%s", sub, timeout, data)
		}
		time.Sleep(50 * time.Millisecond)
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
