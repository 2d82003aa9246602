package tray

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/systray"
)

// ErrStarted: the tray was started before in this process (the library
// is a singleton that cannot start twice).
var ErrStarted = errors.New("tray: already started in this process")

// Options configure the tray. The zero value shows the icon with a menu
// that does nothing.
type Options struct {
	// OnOpen is Open Peerline, and a left click on the icon on Windows and
	// Linux (macOS opens the menu, as its menu bar does). Default: nothing.
	OnOpen func()
	// OnQuit is Quit. The tray does not stop itself: the app decides (it
	// may ask first) and closes the tray as it quits. Default: nothing.
	OnQuit func()
	// DoNotDisturb is the app's setting behind the Do not disturb submenu.
	// Default nil: the submenu is greyed out.
	DoNotDisturb DoNotDisturb
	// OnAvailable is called (from the tray's goroutine) when a host that
	// shows the icon comes or goes (Linux: a StatusNotifierWatcher with a
	// host on the session bus). Default: nothing.
	OnAvailable func(available bool)
	// Logger. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// started guards the library's one run per process.
var started atomic.Bool

// Tray is the running tray icon. Its methods are safe for concurrent use.
type Tray struct {
	opts      Options
	log       *slog.Logger
	host      host
	available atomic.Bool

	mu       sync.Mutex
	dnd      State
	inCall   string // who the current call is with; "" for none
	closed   bool
	changed  chan struct{} // cap 1: the state above changed
	quit     chan struct{}
	stopOnce sync.Once
	stop     func() // stops the library; nil when it never started
	wg       sync.WaitGroup
}

// Start shows the tray icon and returns at once; the menu appears as the
// platform's loop gets to it (see the package doc for each OS). It stops
// when ctx is done or on Close. Where no host shows the icon (Linux
// without a StatusNotifierWatcher) it still returns a Tray, whose
// Available reports false. On macOS call it on the main goroutine before
// wails.Run.
func Start(ctx context.Context, opts Options) (*Tray, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	t := &Tray{opts: opts, log: opts.Logger, changed: make(chan struct{}, 1), quit: make(chan struct{})}
	if opts.DoNotDisturb != nil {
		t.dnd = opts.DoNotDisturb.DoNotDisturb()
	}
	h, present, err := watchHost(t.setAvailable)
	if err != nil {
		// No session bus: nothing could show an icon, and the library
		// would fail on its own. The app runs without a tray.
		t.log.Warn("tray: no tray on this desktop", "err", err)
		return t, nil
	}
	if !started.CompareAndSwap(false, true) {
		h.close()
		return nil, ErrStarted
	}
	t.host = h
	t.available.Store(present)
	if !present {
		t.log.Warn("tray: no status notifier host on the session bus: the tray icon is not shown until one starts")
	}
	if opts.OnOpen != nil {
		setOnTapped(opts.OnOpen)
	}
	t.stop = startNative(t.onReady, func() {})
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		select {
		case <-ctx.Done():
			t.shutdown()
		case <-t.quit:
		}
	}()
	return t, nil
}

// Available reports whether something shows the icon now. While it is
// false, closing the window must not hide the app out of reach.
func (t *Tray) Available() bool { return t.available.Load() }

func (t *Tray) setAvailable(ok bool) {
	if t.available.Swap(ok) == ok {
		return
	}
	if ok {
		t.log.Info("tray: a status notifier host shows the tray icon")
	} else {
		t.log.Warn("tray: no status notifier host: the tray icon is not shown")
	}
	if f := t.opts.OnAvailable; f != nil {
		f(ok)
	}
}

// ShowDoNotDisturb shows s as the do-not-disturb state: a change made
// elsewhere (the window's toggle).
func (t *Tray) ShowDoNotDisturb(s State) {
	t.mu.Lock()
	t.dnd = s
	t.mu.Unlock()
	t.poke()
}

// SetInCall sets whom the current call is with, for the tooltip ("" when
// there is no call).
func (t *Tray) SetInCall(with string) {
	t.mu.Lock()
	t.inCall = with
	t.mu.Unlock()
	t.poke()
}

func (t *Tray) poke() {
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// Close removes the icon and stops the tray's goroutines; it returns once
// they are done. It may be called more than once.
func (t *Tray) Close() {
	t.shutdown()
	t.wg.Wait()
}

// shutdown stops the library and tells the goroutines to end.
func (t *Tray) shutdown() {
	t.stopOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		t.mu.Unlock()
		close(t.quit)
		if t.host != nil {
			t.host.close()
		}
		if t.stop != nil {
			t.stop()
		}
		t.available.Store(false)
	})
}

// menu is the tray's menu items.
type menu struct {
	open, dnd, quit          *systray.MenuItem
	hour, tomorrow, on, off  *systray.MenuItem
	shownLabel, shownTooltip string
	shownChecked, rendered   bool
}

// onReady builds the menu (the library calls it on a goroutine of its
// own once the platform is ready) and starts the loop that serves it.
func (t *Tray) onReady() {
	// Not under t.mu: on macOS each item waits for the main thread.
	m := &menu{}
	m.open = systray.AddMenuItem("Open Peerline", "Show the Peerline window")
	systray.AddSeparator()
	m.dnd = systray.AddMenuItemCheckbox("Do not disturb", "Refuse incoming calls for a while", false)
	m.hour = m.dnd.AddSubMenuItem("For 1 hour", "")
	m.tomorrow = m.dnd.AddSubMenuItem("Until tomorrow", "Until 08:00 tomorrow")
	m.on = m.dnd.AddSubMenuItem("Until I turn it off", "")
	m.dnd.AddSeparator()
	m.off = m.dnd.AddSubMenuItem("Turn off", "Take calls again")
	if t.opts.DoNotDisturb == nil {
		m.dnd.Disable()
	}
	systray.AddSeparator()
	m.quit = systray.AddMenuItem("Quit", "Quit Peerline: peers see you offline")
	actions := make(chan func(), 8)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return
	}
	t.wg.Add(2)
	go func() {
		defer t.wg.Done()
		t.serve(m, actions)
	}()
	go func() {
		defer t.wg.Done()
		for f := range actions {
			f()
		}
	}()
}

// serve renders the state into the menu and turns clicks into actions,
// until Close. The library drops a click nobody waits for, so this loop
// only hands clicks on; actions runs them one at a time.
func (t *Tray) serve(m *menu, actions chan<- func()) {
	defer close(actions)
	expiry := time.NewTimer(time.Hour)
	defer expiry.Stop()
	render := func() {
		t.mu.Lock()
		s, with := t.dnd, t.inCall
		t.mu.Unlock()
		now := t.opts.Now()
		t.render(m, s, with, now)
		expiry.Stop()
		if s.Active(now) && !s.Until.IsZero() {
			expiry.Reset(s.Until.Sub(now)) // show it off when it ends
		}
	}
	render()
	do := func(f func()) {
		if f == nil {
			return
		}
		select {
		case actions <- f:
		default:
			t.log.Warn("tray: menu click dropped: the app is busy with earlier ones")
		}
	}
	choose := func(c Choice) func() {
		return func() { t.choose(c) }
	}
	for {
		select {
		case <-t.quit:
			return
		case <-t.changed:
			render()
		case <-expiry.C:
			render()
		case <-m.open.ClickedCh:
			do(t.opts.OnOpen)
		case <-m.quit.ClickedCh:
			do(t.opts.OnQuit)
		case <-m.hour.ClickedCh:
			do(choose(ChoiceHour))
		case <-m.tomorrow.ClickedCh:
			do(choose(ChoiceTomorrow))
		case <-m.on.ClickedCh:
			do(choose(ChoiceUntilTurnedOff))
		case <-m.off.ClickedCh:
			do(choose(ChoiceOff))
		case <-m.dnd.ClickedCh:
			// The parent of the submenu: some hosts send its clicks too.
		}
	}
}

// choose applies a submenu choice to the app's setting and shows it.
func (t *Tray) choose(c Choice) {
	d := t.opts.DoNotDisturb
	if d == nil {
		return
	}
	s := c.State(t.opts.Now())
	if err := d.SetDoNotDisturb(s); err != nil {
		t.log.Warn("tray: do not disturb", "choice", c, "err", err)
		return
	}
	t.log.Info("tray: do not disturb", "choice", c, "until", s.Until)
	t.ShowDoNotDisturb(s)
}

// render updates only what changed: each update is a D-Bus signal (Linux)
// or a main-thread call (macOS).
func (t *Tray) render(m *menu, s State, with string, now time.Time) {
	if l := label(s, now); l != m.shownLabel {
		m.dnd.SetTitle(l)
		m.shownLabel = l
	}
	if on := s.Active(now); on != m.shownChecked || !m.rendered {
		if on {
			m.dnd.Check()
			m.off.Enable()
		} else {
			m.dnd.Uncheck()
			m.off.Disable()
		}
		m.shownChecked = on
	}
	if tip := tooltip(with, s, now); tip != m.shownTooltip {
		systray.SetTooltip(tip)
		m.shownTooltip = tip
	}
	m.rendered = true
}

// host reports whether something shows the icon.
type host interface{ close() }
