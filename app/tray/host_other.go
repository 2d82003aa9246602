//go:build !linux

package tray

import "log/slog"

// The Windows notification area and the macOS menu bar are always there.
type alwaysHost struct{}

func watchHost(_ *slog.Logger, set func(bool)) (host, error) {
	set(true)
	return alwaysHost{}, nil
}

func (alwaysHost) close() {}
