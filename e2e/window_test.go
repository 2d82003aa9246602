//go:build linux

package e2e

import (
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestRealWindow builds the desktop binary the way `wails build` does
// (tags desktop,production), runs it under Xvfb with openbox, and fails
// if the window stays blank. With PEERLINE_UPDATE_SCREENSHOTS=1 it saves
// the screenshot as docs/screenshots/window.png.
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
	if os.Getenv("PEERLINE_UPDATE_SCREENSHOTS") == "1" {
		if data, err := os.ReadFile(shot); err == nil {
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
