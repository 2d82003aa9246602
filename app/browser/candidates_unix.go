//go:build !windows && !darwin

package browser

import (
	"os"
	"os/exec"
	"syscall"
)

// Candidates are the Chromium-family browsers tried, in order, by name on
// PATH.
func Candidates() []string {
	return []string{
		"chromium", "chromium-browser",
		"google-chrome-stable", "google-chrome",
		"microsoft-edge-stable", "microsoft-edge",
		"brave-browser", "brave",
	}
}

// defaultOpener is the command (then the URL) that opens the default browser.
func defaultOpener() []string { return []string{"xdg-open"} }

func setProcessAttrs(*exec.Cmd) {}

// terminate is the signal that asks a browser to quit.
var terminate os.Signal = syscall.SIGTERM
