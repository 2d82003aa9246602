//go:build linux && cgo && desktop

package webview

// #include <stdlib.h>
import "C"

import "log/slog"

//export peerlineIsAppOrigin
func peerlineIsAppOrigin(uri *C.char) C.int {
	if IsAppOrigin(C.GoString(uri)) {
		return 1
	}
	return 0
}

//export peerlineConfigured
func peerlineConfigured(found, media, webrtc, hasWebRTC C.int) {
	configured(Report{Found: found != 0, MediaStream: media != 0, WebRTC: webrtc != 0, WebRTCSetting: hasWebRTC != 0})
}

//export peerlineActive
func peerlineActive(on C.int) {
	if was := active.Swap(on != 0); was != (on != 0) {
		// Whether a ring notifies follows this; tests wait on the line.
		slog.Debug("webview: the window's focus", "active", on != 0)
	}
}
