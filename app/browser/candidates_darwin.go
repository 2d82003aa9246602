package browser

import (
	"os"
	"os/exec"
	"syscall"
)

// Candidates are the Chromium-family browsers tried, in order. macOS runs
// calls in the app window (WKWebView has WebRTC); these serve an explicit
// request only.
func Candidates() []string {
	return []string{
		"/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
		"/Applications/Chromium.app/Contents/MacOS/Chromium",
		"/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
		"/Applications/Brave Browser.app/Contents/MacOS/Brave Browser",
	}
}

func defaultOpener() []string { return []string{"open"} }

func setProcessAttrs(*exec.Cmd) {}

// terminate is the signal that asks a browser to quit.
var terminate os.Signal = syscall.SIGTERM
