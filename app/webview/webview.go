package webview

import (
	"net/url"
	"strings"
)

// AppOrigin is the origin Wails v2 serves the app from on Linux.
const AppOrigin = "wails://wails"

// Report says what Configure did.
type Report struct {
	// Found is false when no webview was found in the app's windows.
	Found bool
	// MediaStream is the value of enable-media-stream afterwards.
	MediaStream bool
	// WebRTC is the value of enable-webrtc afterwards; false also when the
	// setting does not exist (WebKitGTK before 2.38).
	WebRTC bool
	// WebRTCSetting is whether this WebKitGTK has the enable-webrtc
	// setting at all. Having it does not mean WebRTC was compiled in:
	// Debian's 2.50 has the setting and no RTCPeerConnection.
	WebRTCSetting bool
}

// IsAppOrigin reports whether uri is a page of the app itself, the only
// page granted the camera and microphone without asking.
func IsAppOrigin(uri string) bool {
	u, err := url.Parse(uri)
	if err != nil || u.Opaque != "" || u.User != nil {
		return false
	}
	return strings.EqualFold(u.Scheme, "wails") && strings.EqualFold(u.Host, "wails")
}
