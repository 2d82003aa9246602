package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/peerline/peerline/signaling"
)

// version is set by release builds:
//
//	go build -ldflags "-X main.version=v1.2.3" ./signaling/cmd/peerline-signal
//
// Otherwise it comes from the build info (module version or VCS revision).
var version string

// versionString returns the server's version.
func versionString() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "devel"
	}
	return "devel-" + rev + dirty
}

// versionLine is what --version prints.
func versionLine() string {
	return fmt.Sprintf("%s %s (protocol v%d, %s %s/%s)", progName, versionString(),
		signaling.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
