// Package autostart turns "Start Peerline when I log in" on and off: the
// one entry the OS reads at login to run `peerline --hidden` (Peerline in
// the tray, no window). It owns that entry and nothing else: on Linux and
// the BSDs an XDG autostart file, $XDG_CONFIG_HOME/autostart/peerline.desktop
// (default ~/.config/autostart); on Windows the value "Peerline" under
// HKCU\Software\Microsoft\Windows\CurrentVersion\Run; on macOS a
// LaunchAgent, ~/Library/LaunchAgents/app.peerline.Peerline.plist. The
// installers never write it: only the person's choice does.
package autostart

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// HiddenFlag is the flag the entry starts Peerline with.
const HiddenFlag = "--hidden"

// Options say which program the entry starts. The zero value starts the
// running executable with --hidden, in the current user's entry.
type Options struct {
	// Executable is the program to start (default: os.Executable()).
	Executable string
	// Args are its arguments (default: just HiddenFlag).
	Args []string
	// ConfigHome overrides where the entry lives, for tests: on Linux
	// the XDG config dir (else $XDG_CONFIG_HOME, else ~/.config); on
	// macOS the home dir holding Library/LaunchAgents. Unused on Windows.
	ConfigHome string
}

// Entry is the login entry for one user.
type Entry struct{ opts Options }

// New returns the entry opts describe.
func New(opts Options) *Entry { return &Entry{opts: opts} }

// command returns the program and arguments the entry runs.
func (e *Entry) command() (string, []string, error) {
	exe := e.opts.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return "", nil, fmt.Errorf("autostart: which program to start: %w", err)
		}
	}
	args := e.opts.Args
	if args == nil {
		args = []string{HiddenFlag}
	}
	return exe, args, nil
}

// Set turns the entry on (written for the current executable) or off
// (removed). Turning off what is off, or on what is on, is not an error;
// on rewrites the entry, so it follows a moved or updated executable.
func (e *Entry) Set(on bool) error {
	if !on {
		return e.remove()
	}
	exe, args, err := e.command()
	if err != nil {
		return err
	}
	return e.write(exe, args)
}

// fileExists reports whether the entry file p exists (the XDG and macOS
// entries are files).
func fileExists(p string) (bool, error) {
	_, err := os.Lstat(p)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("autostart: %w", err)
	}
}

// removeFile removes the entry file p; none is not an error.
func removeFile(p string) error {
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}
