// Package app is Peerline's composition root: New builds every part of
// the desktop app's core (instance lock, identity, store, LAN hub, presence,
// trust, links, calls, discovery, the bound services of package api, and
// the bridge) and hands each exactly what it uses; Start starts what runs;
// Close stops it all in order. Read it with main.go to see the whole graph.
//
// It owns that wiring and the few lines of glue the parts need to meet
// (linkHandler below, invitelink.go), and nothing else: behaviour lives
// in the parts. No package below imports it.
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/peerline/peerline/app/api"
	"github.com/peerline/peerline/app/autostart"
	"github.com/peerline/peerline/app/bridge"
	"github.com/peerline/peerline/app/browser"
	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/discovery"
	"github.com/peerline/peerline/app/dnd"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/files"
	"github.com/peerline/peerline/app/instance"
	"github.com/peerline/peerline/app/links"
	"github.com/peerline/peerline/app/notify"
	"github.com/peerline/peerline/app/presence"
	"github.com/peerline/peerline/app/ringer"
	"github.com/peerline/peerline/app/servers"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/app/trust"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
)

// version is the app version shown in the UI. Release builds override it:
//
//	-ldflags "-X github.com/peerline/peerline/app.version=1.2.3"
var version = "dev"

// Version returns the build's version string.
func Version() string { return version }

// Options configure an App. The zero value runs with the defaults.
type Options struct {
	// DataDir holds the key, the database and logs. Default
	// os.UserConfigDir()/Peerline.
	DataDir string
	// Name overrides the display name in settings (and saves it).
	Name string
	// UIAddr is the loopback address of the bridge. Default 127.0.0.1:0.
	UIAddr string
	// HubPort is the LAN hub's port; 0 means discovery.DefaultHubPort,
	// falling back to a free port.
	HubPort int
	// RingTimeout overrides the setting (tests use seconds).
	RingTimeout time.Duration
	// SignalURLs are signaling servers to use besides those in settings.
	SignalURLs []string
	// NoDiscovery turns LAN discovery off regardless of settings. The
	// LAN hub then does not listen either, unless ListenLAN or the
	// setting ListenLANWithoutDiscovery asks for it.
	NoDiscovery bool
	// ListenLAN keeps the LAN hub listening while discovery is off (for
	// people who add this machine by address), regardless of settings.
	ListenLAN bool
	// HubIdleTimeout closes a LAN hub connection idle that long between
	// HTTP requests. Default discovery.DefaultHubIdleTimeout (tests use less).
	HubIdleTimeout time.Duration
	// DownloadDir is where files received in calls go. Default
	// files.DownloadDir(): $PEERLINE_DOWNLOAD_DIR, the XDG download dir,
	// or ~/Downloads.
	DownloadDir string
	// Interfaces overrides the discovery interfaces in settings.
	Interfaces []string
	// Assets is the built frontend for the bridge (fs rooted at index.html).
	Assets fs.FS
	// Logger. Default slog.Default().
	Logger *slog.Logger
	// LaunchedAt is when the process started, for the launch-to-ready
	// figure Desktop.Ready logs. Default: when New ran.
	LaunchedAt time.Time
	// Browser configures the call window's browser (see package browser);
	// its ProfileDir defaults to DataDir/call-window.
	Browser browser.Options
	// OnSecondLaunch is called when Peerline is launched again with this
	// data dir and asks this one to show itself (instance.Activate): the
	// window comes to the front. It must not block. Nil (headless): the
	// other launch is told there is no window (instance.ErrNoWindow).
	OnSecondLaunch func()
	// OnQuit is called when `peerline --quit` asks this one to quit
	// (instance.Quit): it starts a full shutdown (Close) and returns. Nil:
	// such requests are refused.
	OnQuit func()
	// Autostart says which program "Start Peerline when I log in" starts
	// (default: this executable with --hidden, for the current user).
	Autostart autostart.Options
	// Notify rings through a native desktop notification that names the
	// caller (Answer, Decline) when a call comes in while WindowFocused
	// says the window is not looked at, or there is no window (see
	// package ringer). Off by default: the window sets it; headless runs
	// only with --notify, where Answer opens the call window.
	Notify bool
	// NotifyWith is the notifications' platform part (the window's Wails
	// runtime on macOS, the icon on Windows); Start fills in the logger,
	// the click router and the data dir.
	NotifyWith notify.Options
	// WindowFocused reports whether the app window is shown and has the
	// focus (a ring then shows no notification). Nil: there is no window.
	WindowFocused func() bool
	// ShowWindow brings the app window to the front: Answer from a
	// notification shows it, and its UI answers (event call:answer).
	// Nil (headless): Answer opens the call window itself.
	ShowWindow func()
	// OpenLink is the invite link this launch was given (peerline LINK:
	// a click on peerline://add?… with no Peerline running). Add person
	// shows it filled in once the first window is up.
	OpenLink string
}

// App is the running core. Create it with New, start it with Start, stop
// it with Close.
type App struct {
	opts     Options
	log      *slog.Logger
	instance *instance.Instance // one running app per data dir
	key      *identity.KeyPair
	store    *store.Store
	bus      *events.Bus
	settings store.Settings // as they were at New

	hub      *server.Server
	hubLn    net.Listener // nil when the hub does not listen
	hubHTTP  *http.Server
	presence *presence.Tracker
	router   *links.Router
	servers  *servers.Set
	disc     *discovery.MDNS // nil when discovery is off
	calls    *calls.Manager
	dnd      *dnd.Switch // do not disturb: refuses invites while on
	bridge   *bridge.Bridge
	browser  *browser.Launcher // call windows (where the webview has no WebRTC)
	files    *files.Sink       // files received in calls

	// stopRinger stops ringing through desktop notifications (package
	// ringer); nil unless Options.Notify.
	stopRinger func()
	// clicks routes notification clicks that arrive as text (a toast's,
	// here or from a launch Windows started for it) to the ringer's.
	clicks *notify.Activator

	// The bound services (package api), for Wails and the bridge.
	Identity *api.Identity
	Peers    *api.Peers
	Contacts *api.Contacts
	Calls    *api.Calls
	History  *api.History
	Settings *api.Settings
	Desktop  *api.Desktop
	Files    *api.Files

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

// ErrAlreadyRunning: another Peerline holds the data dir (New's error).
var ErrAlreadyRunning = instance.ErrAlreadyRunning

// DefaultDataDir is where the app keeps its files unless told otherwise.
func DefaultDataDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("app: data dir: %w", err)
	}
	return filepath.Join(dir, "Peerline"), nil
}

// New claims the data dir and builds the whole core: every part and the
// bound services, wired together. Only the hub's port is bound; nothing
// is served, browsed or dialled until Start.
func New(opts Options) (*App, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.LaunchedAt.IsZero() {
		opts.LaunchedAt = time.Now()
	}
	if opts.DataDir == "" {
		dir, err := DefaultDataDir()
		if err != nil {
			return nil, err
		}
		opts.DataDir = dir
	}
	if err := privateDir(opts.DataDir); err != nil {
		return nil, fmt.Errorf("app: data dir %s: %w", opts.DataDir, err)
	}
	// A deep queue: a sink that drops call:signal loses candidates.
	bus := events.NewBus(events.BusConfig{QueueSize: 4096, Logger: opts.Logger})
	clicks := notify.NewActivator(opts.Logger.With("part", "notify"))
	hooks := instance.Hooks{Activate: opts.OnSecondLaunch, Quit: opts.OnQuit,
		Open: func(link string) error { return openInvite(bus, link) }}
	if opts.Notify {
		hooks.Toast = clicks.Activate
	}
	inst, err := instance.Claim(opts.DataDir, opts.Logger, hooks)
	if err != nil {
		bus.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &App{opts: opts, log: opts.Logger, instance: inst, ctx: ctx, cancel: cancel, bus: bus, clicks: clicks}
	if err := a.build(); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// build makes the parts, lower ones first; a.Close undoes a partial one.
func (a *App) build() (err error) {
	ctx, log, opts := a.ctx, a.log, a.opts
	var created bool
	if a.key, created, err = identity.LoadOrCreate(filepath.Join(opts.DataDir, "identity.pem")); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	if created {
		log.Info("app: new identity created", "peer", a.key.ID().Short())
	}
	if a.store, err = store.Open(ctx, filepath.Join(opts.DataDir, "peerline.db")); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	if a.settings, err = a.applyName(); err != nil {
		return err
	}
	name := a.settings.DisplayName
	if name == "" {
		name, _ = os.Hostname()
	}

	// The LAN hub: a personal signaling server others dial to reach us.
	// It names its owner only inside the proven, TLS-bound handshake
	// (docs/security/lan-link.md).
	hubName := func() string {
		if set, err := a.store.Settings(ctx); err == nil && set.DisplayName != "" {
			return set.DisplayName
		}
		return name
	}
	if a.hub, err = server.New(server.Config{Identity: a.key, Personal: true, Name: hubName, Logger: log.With("part", "hub")}); err != nil {
		return fmt.Errorf("app: hub: %w", err)
	}
	hubTLS, err := server.EphemeralTLS()
	if err != nil {
		return fmt.Errorf("app: hub: %w", err)
	}
	// With discovery off, nobody on the LAN learns of the hub unless they
	// were given this machine's address: listen only when asked to.
	discover := a.settings.LANDiscovery() && !opts.NoDiscovery
	var hubPort int
	if discover || opts.ListenLAN || a.settings.ListenLANWithoutDiscovery {
		if a.hubLn, err = discovery.ListenHub(opts.HubPort); err != nil {
			return fmt.Errorf("app: hub: %w", err)
		}
		hubPort = a.hubLn.Addr().(*net.TCPAddr).Port
		a.hubLn = tls.NewListener(a.hubLn, hubTLS)
		guarded := discovery.GuardHub(a.hub.Handler(), discovery.HubGuardConfig{ID: a.key.ID(), Port: hubPort})
		a.hubHTTP = discovery.NewHubServer(guarded, opts.HubIdleTimeout, log.With("part", "hub"))
	}
	if discover {
		ifaces := a.settings.DiscoveryInterfaces
		if len(opts.Interfaces) > 0 {
			ifaces = opts.Interfaces
		}
		if a.disc, err = discovery.NewMDNS(discovery.Config{ID: a.key.ID(), HubPort: hubPort, Name: name,
			Interfaces: ifaces, Identity: a.key, Logger: log.With("part", "discovery")}); err != nil {
			return fmt.Errorf("app: discovery: %w", err)
		}
	}

	// Who is online, who may ring, and the events both raise.
	a.presence = presence.New()
	names := &api.Names{Contacts: a.store, LAN: a.presence}
	contactEvents := &api.ContactEvents{Store: a.store, Presence: a.presence, Events: a.bus}
	gate := trust.New(a.store, names, contactEvents, a.presence, log.With("part", "trust"))
	a.presence.NotifyProofs(gate) // "identity changed" from a proven key at a contact's address
	resolver := &presence.Resolver{Ctx: ctx, Contacts: a.store, Tracker: a.presence}
	if a.disc != nil {
		resolver.LAN = a.disc
	}

	// Links to peers (LAN hub and servers) carry the call manager's
	// messages; the handler is filled in once the manager exists.
	var handler linkHandler
	if a.router, err = links.New(links.Config{Identity: a.key, Hub: a.hub.Hub(), Handler: &handler, Resolver: resolver,
		Presence: a.presence.FromServer, ServerStatus: a.presence.ServerStatus, Logger: log.With("part", "links")}); err != nil {
		return fmt.Errorf("app: links: %w", err)
	}
	a.servers = servers.New(ctx, servers.Config{Linker: a.router, Source: a.store, Extra: opts.SignalURLs, Logger: log.With("part", "servers")})
	if a.dnd, err = dnd.New(ctx, dnd.Config{Store: a.store, Events: a.bus, Logger: log.With("part", "dnd")}); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	ring := a.settings.RingTimeout()
	if opts.RingTimeout > 0 {
		ring = opts.RingTimeout
	}
	if a.calls, err = calls.New(calls.Config{Identity: a.key, Sender: a.router, Gate: gate, Events: a.bus, Availability: a.dnd,
		Recorder: &api.Recorder{Store: a.store, Names: names, Events: a.bus},
		Name:     name, RingTimeout: ring, Logger: log.With("part", "calls")}); err != nil {
		return fmt.Errorf("app: calls: %w", err)
	}
	handler = linkHandler{calls: a.calls}

	// The call window's browser and the bridge that serves its page.
	bopts := opts.Browser
	if bopts.ProfileDir == "" {
		bopts.ProfileDir = filepath.Join(opts.DataDir, "call-window")
	}
	if bopts.Logger == nil {
		bopts.Logger = log.With("part", "browser")
	}
	a.browser = browser.New(bopts)
	// Files received in calls (Options.DownloadDir, else Downloads).
	if a.files, err = files.New(files.Config{Dir: opts.DownloadDir, Logger: log.With("part", "files")}); err != nil {
		return fmt.Errorf("app: %w", err)
	}
	if a.bridge, err = bridge.New(bridge.Config{Addr: opts.UIAddr, Assets: opts.Assets, Logger: log.With("part", "bridge"),
		Version: version, LaunchDir: filepath.Join(opts.DataDir, "launch"),
		Handlers: map[string]http.Handler{api.FilesUploadPath: &api.FilesUpload{Sink: a.files}}}); err != nil {
		return fmt.Errorf("app: bridge: %w", err)
	}

	// The bound services: each takes what it uses.
	var announce func(string)
	var statics interface{ AddStatic(netip.AddrPort) error }
	var diagnoser interface{ Diagnose() discovery.Diagnosis }
	if a.disc != nil {
		announce, statics, diagnoser = a.disc.SetName, a.disc, a.disc
	}
	a.Identity = api.NewIdentity(ctx, a.key.ID(), a.store, announce, hubPort, version)
	a.Peers = api.NewPeers(ctx, a.key.ID(), a.store, a.presence, diagnoser)
	a.Contacts = api.NewContacts(ctx, api.ContactsDeps{Self: a.key.ID(), Store: a.store, Servers: a.servers,
		Statics: statics, Presence: a.presence, Names: names, Rejected: gate, Events: contactEvents})
	a.Calls = api.NewCalls(ctx, a.calls, a.store, a.presence)
	a.History = api.NewHistory(ctx, a.store, a.bus, a.key.ID(), a.calls.Calls)
	a.Files = api.NewFiles(ctx, a.files)
	a.Settings = api.NewSettings(ctx, a.store, a.bus, a.dnd)
	a.Desktop = api.NewDesktop(ctx, log, opts.LaunchedAt, a.calls, a.bridge, a.browser,
		autostart.New(opts.Autostart), launchLink(a.bus, log, opts.OpenLink))
	a.presence.Notify(&api.PresenceEvents{Peers: a.Peers, Contacts: contactEvents, Events: a.bus})
	for name, svc := range a.services() {
		if err := a.bridge.Register(name, svc); err != nil {
			return fmt.Errorf("app: bridge: %w", err)
		}
	}
	a.bus.Subscribe(a.bridge)
	return nil
}

// applyName saves Options.Name as the display name and returns the
// settings.
func (a *App) applyName() (store.Settings, error) {
	set, err := a.store.Settings(a.ctx)
	if err == nil && a.opts.Name != "" && set.DisplayName != a.opts.Name {
		set.DisplayName = a.opts.Name
		set, err = a.store.PutSettings(a.ctx, set)
	}
	if err != nil {
		return set, fmt.Errorf("app: name: %w", err)
	}
	return set, nil
}

// PeerID is this install's id.
func (a *App) PeerID() identity.PeerID { return a.key.ID() }

// DoNotDisturb is the do-not-disturb switch, for the tray: Set (a span)
// or SetUntil, Off, Status; dnd:changed on Events follows changes made
// in a window or by the switch's own end.
func (a *App) DoNotDisturb() *dnd.Switch { return a.dnd }

// Events is the app's event bus (the window subscribes its sink here).
func (a *App) Events() *events.Bus { return a.bus }

// Start serves the LAN hub, runs links, discovery and presence, links to
// the signaling servers, and starts the bridge; it returns the bridge URL
// (with its token).
func (a *App) Start() (uiURL string, err error) {
	ctx := a.ctx
	hubPort := 0
	if a.hubLn != nil {
		hubPort = a.hubLn.Addr().(*net.TCPAddr).Port
		a.goRun(func() {
			if err := a.hubHTTP.Serve(a.hubLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Error("app: hub stopped", "err", err)
			}
		})
	}
	a.goRun(func() { a.router.Run(ctx) })
	if a.disc != nil {
		// Contacts added by address are probed like discovered peers.
		if contacts, err := a.store.ListContacts(ctx); err == nil {
			for _, c := range contacts {
				if ap, err := netip.ParseAddrPort(c.LANAddr); err == nil {
					a.disc.AddStatic(ap)
				}
			}
		}
		a.goRun(func() {
			if err := a.disc.Run(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("app: discovery stopped", "err", err)
			}
		})
		a.goRun(func() { a.presence.FromDiscovery(ctx, a.disc.Events()) })
	}
	a.servers.Start()
	if uiURL, err = a.bridge.Start(ctx); err != nil {
		return "", fmt.Errorf("app: bridge: %w", err)
	}
	if a.opts.Notify {
		nopts := a.opts.NotifyWith
		nopts.Logger, nopts.Activator, nopts.DataDir = a.log.With("part", "notify"), a.clicks, a.opts.DataDir
		a.stopRinger = ringer.Start(ctx, ringer.StartOptions{Bus: a.bus, Calls: a.calls,
			WindowFocused: a.opts.WindowFocused, ShowWindow: a.opts.ShowWindow,
			OpenCallWindow: func(c calls.Info, video bool) error {
				_, err := a.Desktop.OpenCallWindow(api.CallIntent{Action: "accept", Call: c.ID, Video: video})
				return err
			}, Notify: nopts, Logger: a.log.With("part", "ringer")})
	}
	a.log.Info("app: started", "peer", a.key.ID().Short(), "hub_port", hubPort, "discovery", a.disc != nil)
	return uiURL, nil
}

// services returns the bound services by name, for the bridge: the names
// Wails gives them too ("Contacts.List").
func (a *App) services() map[string]any {
	return map[string]any{
		"Identity": a.Identity, "Peers": a.Peers, "Contacts": a.Contacts,
		"Calls": a.Calls, "History": a.History, "Settings": a.Settings,
		"Desktop": a.Desktop, "Files": a.Files,
	}
}

// ServiceTypes returns zero values of the bound services, in the order
// of Bindings: what Wails reads to generate frontend/wailsjs, with no App
// started.
func ServiceTypes() []any {
	return []any{&api.Identity{}, &api.Peers{}, &api.Contacts{}, &api.Calls{}, &api.History{}, &api.Settings{}, &api.Desktop{}, &api.Files{}}
}

// Bindings returns the bound services for wails.Run's Bind option.
func (a *App) Bindings() []any {
	return []any{a.Identity, a.Peers, a.Contacts, a.Calls, a.History, a.Settings, a.Desktop, a.Files}
}

func (a *App) goRun(f func()) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		f()
	}()
}

// Close hangs up, stops everything and closes the database.
func (a *App) Close() {
	a.closed.Do(func() {
		if a.stopRinger != nil {
			a.stopRinger() // first: its buttons would lead nowhere
		}
		if a.calls != nil {
			a.calls.Close()
		}
		if a.dnd != nil {
			a.dnd.Close()
		}
		if a.bridge != nil {
			a.bridge.Close()
		}
		if a.files != nil {
			a.files.Close() // after the bridge: no chunk comes any more; partial files go
		}
		if a.browser != nil {
			a.browser.Close() // the call windows: their page's bridge is gone
		}
		sctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if a.hub != nil {
			a.hub.Shutdown(sctx)
		}
		if a.hubHTTP != nil {
			a.hubHTTP.Shutdown(sctx)
		}
		if a.hubLn != nil {
			a.hubLn.Close() // when Start never served it
		}
		a.cancel()
		a.wg.Wait()
		a.bus.Close()
		if a.store != nil {
			if err := a.store.Close(); err != nil {
				a.log.Error("app: close store", "err", err)
			}
		}
		a.instance.Close()
	})
}

// linkHandler passes what the links carry to the call manager: the links
// exist before the manager, which sends through them.
type linkHandler struct {
	calls *calls.Manager
}

func (h *linkHandler) Handle(ctx context.Context, env signaling.Envelope) { h.calls.Handle(ctx, env) }
func (h *linkHandler) HandleError(e *signaling.Error)                     { h.calls.HandleError(e) }
func (h *linkHandler) LinkLost(peer identity.PeerID)                      { h.calls.LinkLost(peer) }
