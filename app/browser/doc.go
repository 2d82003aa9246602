// Package browser opens the call window where the app's own webview cannot
// make calls (Debian's and Ubuntu's WebKitGTK have no RTCPeerConnection):
// a Chromium-family browser in app mode (--app=URL: a plain window with no
// tabs or address bar) with a profile of its own, or, when none is
// installed, the system's default browser.
//
// It owns finding a browser and starting, and at Close ending, the
// processes it started. It does not build the URL it opens, serve the
// page or talk to it (the loopback bridge does), and it never reads or
// writes a browser profile's files: an app-mode window gets a directory
// of its own (Options.ProfileDir), which the browser itself fills.
package browser
