//go:build unix && !darwin

package autostart

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// fileName is the entry's name in the autostart directory.
const fileName = "peerline.desktop"

// path is the autostart file.
func (e *Entry) path() (string, error) {
	dir := e.opts.ConfigHome
	if dir == "" {
		dir = os.Getenv("XDG_CONFIG_HOME")
	}
	// The spec says a relative XDG_CONFIG_HOME is invalid and to be ignored.
	if dir == "" || !filepath.IsAbs(dir) {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("autostart: where the autostart directory is: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "autostart", fileName), nil
}

// Enabled reports whether the entry exists.
func (e *Entry) Enabled() (bool, error) {
	p, err := e.path()
	if err != nil {
		return false, err
	}
	return fileExists(p)
}

// write puts the entry in place whole (a temporary file renamed over it,
// so a crash mid-write leaves the old one or none, never half of one).
func (e *Entry) write(exe string, args []string) error {
	p, err := e.path()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".peerline-*.desktop")
	if err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, nothing is left to remove
	if _, err := tmp.WriteString(desktopEntry(exe, args)); err != nil {
		tmp.Close()
		return fmt.Errorf("autostart: write %s: %w", p, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("autostart: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("autostart: write %s: %w", p, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("autostart: write %s: %w", p, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
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

// desktopEntry is the autostart file's text (Desktop Entry Specification
// 1.5; the XDG Autostart Specification reads it).
func desktopEntry(exe string, args []string) string {
	exec := make([]string, 0, 1+len(args))
	for _, a := range append([]string{exe}, args...) {
		exec = append(exec, execArg(a))
	}
	return "[Desktop Entry]\n" +
		"Type=Application\n" +
		"Name=Peerline\n" +
		"Comment=Keeps Peerline running in the tray so people can call you\n" +
		"Exec=" + strings.Join(exec, " ") + "\n" +
		"Icon=peerline\n" +
		"Terminal=false\n" +
		"X-GNOME-Autostart-enabled=true\n"
}

// execArg quotes one argument of an Exec key. The spec's rules, in order
// of reading: the string type's escapes (a backslash is written "\\"),
// then the Exec quoting (an argument with a reserved character goes in
// double quotes, in which `"`, "`", "$" and "\" take a backslash), and
// "%" is a field code unless doubled. A line break cannot be in a value
// at all: it is written as the string escape "\n" (or "\r").
func execArg(a string) string {
	a = strings.ReplaceAll(a, "%", "%%")
	if a != "" && !strings.ContainsAny(a, " \t\r\n\"'\\><~|&;$*?#()`") {
		return a
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(a); i++ { // bytes: a path need not be UTF-8
		switch c := a[i]; c {
		case '"', '`', '$':
			b.WriteString(`\\` + string(c)) // Exec's \" read through the string escape
		case '\\':
			b.WriteString(`\\\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
