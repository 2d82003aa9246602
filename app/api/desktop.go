package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"sync"
	"time"

	"github.com/peerline/peerline/app/browser"
	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
)

// ringing says which call rings now (calls.Manager).
type ringing interface {
	Incoming() (calls.Incoming, bool)
}

// windowURL makes the call window's URL on the bridge, with a one-time
// ticket (bridge.Bridge).
type windowURL interface {
	LaunchURL(fragment string) (string, error)
}

// windowOpener opens the call window (browser.Launcher).
type windowOpener interface {
	Open(ctx context.Context, url string) (browser.Window, error)
}

// loginEntry is the entry that starts Peerline at login (autostart.Entry).
type loginEntry interface {
	Enabled() (bool, error)
	Set(on bool) error
}

// Desktop is the bound service for the app's place on the desktop: the
// window says what its web engine can do, and asks for the call window
// when it cannot make calls itself; "Start Peerline when I log in".
type Desktop struct {
	ctx        context.Context
	log        *slog.Logger
	launchedAt time.Time
	ringing    ringing
	window     windowURL
	browser    windowOpener

	firstReady func() // run once, at the first window's Ready
	login      loginEntry

	mu        sync.Mutex
	readySeen bool
}

// NewDesktop returns the Desktop service; launchedAt is when the process
// started, for the launch-to-ready figure Ready logs. firstReady (may be
// nil) runs once, when the first window says its UI is up: what the
// launch was for that needs a UI to show it (an invite link).
// login is the start-at-login entry.
func NewDesktop(ctx context.Context, log *slog.Logger, launchedAt time.Time, r ringing, w windowURL, b windowOpener, login loginEntry, firstReady func()) *Desktop {
	return &Desktop{ctx: ctx, log: log, launchedAt: launchedAt, ringing: r, window: w, browser: b, login: login, firstReady: firstReady}
}

// StartsAtLogin reports whether Peerline starts, in the tray, when this
// user logs in ("Start Peerline when I log in"). The OS entry is the
// truth, not a stored setting: the person may remove it by hand.
func (d *Desktop) StartsAtLogin() (bool, error) {
	on, err := d.login.Enabled()
	return on, coded(err)
}

// SetStartAtLogin writes (on) or removes (off) the entry that starts
// Peerline with --hidden at login.
func (d *Desktop) SetStartAtLogin(on bool) error {
	if err := d.login.Set(on); err != nil {
		return coded(err)
	}
	d.log.Info("desktop: start at login", "on", on)
	return nil
}

// Capabilities are what a window's web engine can do, as its page saw it.
type Capabilities struct {
	// WebRTC: the page has RTCPeerConnection.
	WebRTC bool `json:"webrtc"`
	// MediaDevices: the page has navigator.mediaDevices (camera and
	// microphone can be asked for).
	MediaDevices bool `json:"mediaDevices"`
	// Window is "app" for the app's own window, "browser" for a page on the
	// bridge.
	Window string `json:"window"`
}

// Ready is called by each window once its UI is up and has loaded its
// data. The first call is the launch-to-interactive moment that the
// footprint figures report.
func (d *Desktop) Ready(c Capabilities) error {
	d.mu.Lock()
	first := !d.readySeen
	d.readySeen = true
	d.mu.Unlock()
	since := time.Since(d.launchedAt)
	// The Go runtime's own share of the process, for the footprint
	// figures (the window process also maps WebKitGTK and GTK).
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	d.log.Info("desktop: ui ready", "window", c.Window, "webrtc", c.WebRTC, "media_devices", c.MediaDevices,
		"first", first, "since_launch_ms", since.Milliseconds(), "go_sys_kb", ms.Sys>>10, "go_heap_inuse_kb", ms.HeapInuse>>10)
	if first && d.firstReady != nil {
		d.firstReady()
	}
	return nil
}

// CallIntent is what the call window does once it opens: place a call
// (Action "call", Peer) or answer the ringing one (Action "accept", Call).
type CallIntent struct {
	Action string `json:"action"`
	Peer   string `json:"peer,omitempty"`
	Call   string `json:"call,omitempty"`
	Video  bool   `json:"video"`
}

// fragment checks the intent and encodes it for the call window's URL.
func (d *Desktop) fragment(in CallIntent) (string, error) {
	v := url.Values{}
	switch in.Action {
	case "call":
		id, err := parsePeer(in.Peer)
		if err != nil {
			return "", err
		}
		v.Set("call", id.String())
	case "accept":
		ringing, ok := d.ringing.Incoming()
		if !ok || ringing.Call.ID != in.Call {
			return "", fmt.Errorf("%w: that call is no longer ringing", calls.ErrWrongTime)
		}
		v.Set("accept", in.Call)
	default:
		return "", errcode.Errorf(errcode.BadInput, "call window action %q (want call or accept)", in.Action)
	}
	if in.Video {
		v.Set("video", "1")
	} else {
		v.Set("video", "0")
	}
	return v.Encode(), nil
}

// OpenCallWindow opens the call window, a browser window on the bridge
// that places or answers the call (in.Action) with no typing. Used where
// the app window has no WebRTC (Debian's and Ubuntu's WebKitGTK).
func (d *Desktop) OpenCallWindow(in CallIntent) (browser.Window, error) {
	frag, err := d.fragment(in)
	if err != nil {
		return browser.Window{}, err
	}
	u, err := d.window.LaunchURL(frag)
	if err != nil {
		return browser.Window{}, coded(fmt.Errorf("call window: %w", err))
	}
	ctx, cancel := context.WithTimeout(d.ctx, callTimeout)
	defer cancel()
	w, err := d.browser.Open(ctx, u)
	if err != nil {
		return browser.Window{}, coded(fmt.Errorf("call window: %w", err))
	}
	return w, nil
}
