package browser

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// Candidates are the Chromium-family browsers tried, in order, in the usual
// install folders. Windows runs calls in the app window (WebView2 has
// WebRTC); these serve an explicit request only.
func Candidates() []string {
	var out []string
	for _, root := range []string{os.Getenv("ProgramFiles"), os.Getenv("ProgramFiles(x86)"), os.Getenv("LocalAppData")} {
		if root == "" {
			continue
		}
		out = append(out,
			filepath.Join(root, `Google\Chrome\Application\chrome.exe`),
			filepath.Join(root, `Microsoft\Edge\Application\msedge.exe`),
			filepath.Join(root, `BraveSoftware\Brave-Browser\Application\brave.exe`),
		)
	}
	return out
}

func defaultOpener() []string { return []string{"rundll32", "url.dll,FileProtocolHandler"} }

// setProcessAttrs keeps a console window from flashing up.
func setProcessAttrs(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true}
}

// terminate ends a browser: Windows has no gentler signal for another process.
var terminate os.Signal = os.Kill
