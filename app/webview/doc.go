// Package webview configures the app window's web engine where Wails
// leaves it short. On Linux (WebKitGTK) it turns on the media settings
// Wails v2 does not set, enable-media-stream and, where the build has it,
// enable-webrtc, and answers the webview's permission requests: camera and
// microphone (and the device list) are granted to the app's own page only;
// every other request gets WebKitGTK's default. Elsewhere it does nothing:
// WebView2 and WKWebView have WebRTC and ask the user themselves.
//
// It owns those engine settings and the permission answers, and reports
// what it set (Report, for the log). It does not create or lay out the
// window (Wails does), does not decide where a call runs (the page itself
// reports whether it has RTCPeerConnection), and grants nothing to any
// origin but the app's own.
package webview
