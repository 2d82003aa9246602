//go:build !linux || !cgo || !desktop

package webview

import "context"

// Configure does nothing here: WebView2 (Windows) and WKWebView (macOS)
// have WebRTC and ask the user for the camera and microphone themselves,
// and a build without the desktop tag (tests, headless tools) has no
// window.
func Configure(context.Context) (Report, error) { return Report{}, nil }

// Focused reports false: whether the window has the focus is not known
// here (Windows, macOS, or no window), so a ring notifies where
// notifications work.
func Focused() bool { return false }
