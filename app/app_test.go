package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerline/peerline/app/api"
	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

const offer = "v=0\r\na=fingerprint:sha-256 AA:BB\r\n"
const answer = "v=0\r\na=fingerprint:sha-256 CC:DD\r\n"

type got struct {
	name events.Name
	data any
}

// testApp is a real App (real SQLite file, real hub, real bridge) with its
// events collected.
type testApp struct {
	*App
	events chan got
	uiURL  string // the bridge, with its token
}

func startApp(t *testing.T, name string, signalURLs ...string) *testApp {
	t.Helper()
	// No mDNS in unit tests, but the hub listens: tests call by address.
	a, err := New(Options{DataDir: t.TempDir(), Name: name, NoDiscovery: true, ListenLAN: true, SignalURLs: signalURLs,
		RingTimeout: 3 * time.Second, Logger: testLogger(name)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	ta := &testApp{App: a, events: make(chan got, 256)}
	a.Events().Subscribe(events.SinkFunc(func(n events.Name, d any) { ta.events <- got{n, d} }))
	var err2 error
	if ta.uiURL, err2 = a.Start(); err2 != nil {
		t.Fatal(err2)
	}
	return ta
}

func (ta *testApp) wait(t *testing.T, name events.Name, match func(any) bool) any {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case g := <-ta.events:
			if g.name == name && (match == nil || match(g.data)) {
				return g.data
			}
		case <-deadline:
			t.Fatalf("%s: no %s event", ta.key.ID().Short(), name)
		}
	}
}

func (ta *testApp) waitState(t *testing.T, s calls.State) calls.Info {
	t.Helper()
	return ta.wait(t, calls.EventState, func(d any) bool { return d.(calls.Info).State == s }).(calls.Info)
}

// call runs one accepted call from a to b and hangs up.
func call(t *testing.T, a, b *testApp) {
	t.Helper()
	info, err := a.Calls.Start(b.key.ID().String(), true, offer)
	if err != nil {
		t.Fatal(err)
	}
	in := b.wait(t, calls.EventIncoming, nil).(calls.Incoming)
	if in.Offer != offer {
		t.Fatalf("offer %q", in.Offer)
	}
	if _, err := b.Calls.Accept(info.ID, true, answer); err != nil {
		t.Fatal(err)
	}
	a.waitState(t, calls.StateConnecting)
	a.Calls.MediaState(info.ID, "connected")
	b.Calls.MediaState(info.ID, "connected")
	if err := a.Calls.Hangup(info.ID); err != nil {
		t.Fatal(err)
	}
	b.waitState(t, calls.StateEnded)
	b.wait(t, events.HistoryChanged, nil) // recorded right after the state event
}

func TestCallOverLANAddress(t *testing.T) {
	a, b := startApp(t, "Ada"), startApp(t, "Bob")
	me, _ := b.Identity.Me()
	if _, err := a.Contacts.Add(api.ContactInput{ID: me.ID, Name: "Bob", Address: "127.0.0.1:" + strconv.Itoa(me.HubPort)}); err != nil {
		t.Fatal(err)
	}
	call(t, a, b)
	for _, x := range []*testApp{a, b} {
		page, err := x.History.List(10, "")
		if err != nil || len(page.Entries) != 1 || page.Entries[0].Outcome != "completed" {
			t.Fatalf("history %+v %v", page, err)
		}
	}
	// Answering pinned keys both ways (trust on first use).
	list, _ := b.Contacts.List()
	if len(list) != 1 || !list[0].Verified || list[0].ID != a.key.ID().String() {
		t.Fatalf("b's contacts after the call: %+v", list)
	}
}

func TestCallThroughServerThenReinstall(t *testing.T) {
	srv := signalingtest.Serve(t, server.Config{Logger: testLogger("server")})
	a, b := startApp(t, "Ada", srv.URL), startApp(t, "Bob", srv.URL)
	if _, err := a.Contacts.Add(api.ContactInput{ID: b.key.ID().String(), Name: "Bob", Server: srv.URL}); err != nil {
		t.Fatal(err)
	}
	a.wait(t, events.PeerOnline, nil) // presence through the server
	call(t, a, b)
	if _, err := b.Contacts.Rename(a.key.ID().String(), "Ada"); err != nil {
		t.Fatal(err)
	}

	// Ada reinstalls: same name, new key. A name proves nothing: Bob's app
	// rings it as a stranger "using Ada's name" and leaves Ada's contact
	// as it was (before, any stranger with the name got Ada flagged).
	a2 := startApp(t, "Ada", srv.URL)
	a2.Calls.Start(b.key.ID().String(), true, offer)
	in := b.wait(t, calls.EventIncoming, nil).(calls.Incoming)
	if in.Call.Verified || in.Call.SameNameAs != "Ada" || in.Call.Peer != a2.key.ID().String() {
		t.Fatalf("the reinstalled Ada's call: %+v", in.Call)
	}
	if c, err := b.store.GetContact(context.Background(), a.key.ID()); err != nil || c.KeyChanged() || c.Key == nil {
		t.Fatalf("Ada's contact after the new identity called: %+v, %v", c, err)
	}
}

func TestBlockedPeerCannotRing(t *testing.T) {
	a, b := startApp(t, "Ada"), startApp(t, "Bob")
	me, _ := b.Identity.Me()
	a.Contacts.Add(api.ContactInput{ID: me.ID, Address: "127.0.0.1:" + strconv.Itoa(me.HubPort)})
	if _, err := b.Contacts.SetBlocked(a.key.ID().String(), true); err != nil {
		t.Fatal(err)
	}
	a.Calls.Start(me.ID, false, offer)
	if e := a.waitState(t, calls.StateEnded); e.Outcome != calls.OutcomeUnavailable {
		t.Fatalf("outcome %s", e.Outcome)
	}
	if _, ok := b.calls.Current(); ok {
		t.Fatal("a blocked peer rang")
	}
}

func TestBoundServicesRejectBadInput(t *testing.T) {
	a := startApp(t, "Ada")
	if _, err := a.Calls.Start("not-an-id", true, offer); err == nil {
		t.Fatal("Start accepted a bad peer id")
	}
	if _, err := a.Calls.Start(a.key.ID().String(), true, offer); err == nil {
		t.Fatal("calling yourself succeeded")
	}
	if _, err := a.Contacts.Add(api.ContactInput{ID: a.key.ID().String()}); err == nil {
		t.Fatal("added yourself as a contact")
	}
	if _, err := a.Contacts.Add(api.ContactInput{ID: signalingtest.Key(t).ID().String(), Server: "http://x"}); err == nil {
		t.Fatal("accepted a non-ws server URL")
	}
	if err := a.Calls.MediaState("nope", "dancing"); err == nil {
		t.Fatal("accepted a bad media state")
	}
	if err := a.Calls.Hangup("no-such-call"); err == nil {
		t.Fatal("hung up a call that does not exist")
	}
}

func testLogger(name string) *slog.Logger {
	if os.Getenv("PEERLINE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("app", name)
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func TestOneAppPerDataDir(t *testing.T) {
	dir := t.TempDir()
	a, err := New(Options{DataDir: dir, NoDiscovery: true, Logger: testLogger("a")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{DataDir: dir, NoDiscovery: true, Logger: testLogger("b")}); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second app on one data dir: %v, want ErrAlreadyRunning", err)
	}
	a.Close()
	b, err := New(Options{DataDir: dir, NoDiscovery: true, Logger: testLogger("b")})
	if err != nil {
		t.Fatalf("after the first closed: %v", err)
	}
	b.Close()
}

// TestRingRaisesWindowWithoutNotifications: where no notification can be
// shown (here: no session bus at all), a call that rings while the window
// is not focused brings the window to the front; a focused one is left
// alone.
func TestRingRaisesWindowWithoutNotifications(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	var focused atomic.Bool
	shown := make(chan struct{}, 4)
	a, err := New(Options{DataDir: t.TempDir(), Name: "Ada", NoDiscovery: true, ListenLAN: true, RingTimeout: 3 * time.Second,
		Logger: testLogger("Ada"), Notify: true, WindowFocused: focused.Load, ShowWindow: func() { shown <- struct{}{} }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	if _, err := a.Start(); err != nil {
		t.Fatal(err)
	}
	me, _ := a.Identity.Me()
	// A caller each time: a stranger may ring only once a minute.
	for _, tc := range []struct {
		caller  string
		focused bool
		raise   bool
	}{{"Bob", false, true}, {"Cyd", true, false}} {
		b := startApp(t, tc.caller)
		if _, err := b.Contacts.Add(api.ContactInput{ID: me.ID, Name: "Ada", Address: "127.0.0.1:" + strconv.Itoa(me.HubPort)}); err != nil {
			t.Fatal(err)
		}
		focused.Store(tc.focused)
		info, err := b.Calls.Start(me.ID, true, offer)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-shown:
			if !tc.raise {
				t.Error("a focused window was raised for a ring")
			}
		case <-time.After(time.Second): // absence: nothing to wait on
			if tc.raise {
				t.Error("an unfocused window was not raised for a ring with no notifications")
			}
		}
		b.waitState(t, calls.StateRinging) // Ada's ring acknowledged
		if err := b.Calls.Cancel(info.ID); err != nil {
			t.Fatal(err)
		}
		b.waitState(t, calls.StateEnded)
	}
}
