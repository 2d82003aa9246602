//go:build !linux

package tray

// The Windows notification area and the macOS menu bar are always there.
type alwaysHost struct{}

func watchHost(func(bool)) (host, bool, error) { return alwaysHost{}, true, nil }

func (alwaysHost) close() {}
