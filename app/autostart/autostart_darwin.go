//go:build darwin

package autostart

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// label names the LaunchAgent (the app's bundle id).
const label = "app.peerline.Peerline"

func (e *Entry) path() (string, error) {
	home := e.opts.ConfigHome
	if home == "" {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", fmt.Errorf("autostart: %w", err)
		}
	}
	return filepath.Join(home, "Library", "LaunchAgents", label+".plist"), nil
}

// Enabled reports whether the entry exists.
func (e *Entry) Enabled() (bool, error) {
	p, err := e.path()
	if err != nil {
		return false, err
	}
	return fileExists(p)
}

// write puts the LaunchAgent in place whole; launchd reads it at the next
// login (RunAtLoad).
func (e *Entry) write(exe string, args []string) error {
	p, err := e.path()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	var items strings.Builder
	for _, a := range append([]string{exe}, args...) {
		items.WriteString("\t\t<string>")
		xml.EscapeText(&items, []byte(a))
		items.WriteString("</string>\n")
	}
	plist := `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + label + `</string>
	<key>ProgramArguments</key>
	<array>
` + items.String() + `	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>ProcessType</key>
	<string>Interactive</string>
</dict>
</plist>
`
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(plist), 0o644); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

func (e *Entry) remove() error {
	p, err := e.path()
	if err != nil {
		return err
	}
	return removeFile(p)
}
