// Package app is the Go half of the Peerline desktop app. App assembles the
// parts (identity, store, LAN hub, discovery, links, calls, bridge) and
// exposes them to the UI as a few bound services, one per noun: Identity,
// Peers, Contacts, Calls, History, Settings. The Wails window binds them;
// the loopback bridge serves the very same methods and events to a browser.
// Bound methods return (T, error) and take no context.Context (Wails v2
// does not supply one); they run under the App's own context.
package app

import (
	"context"
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

	"github.com/peerline/peerline/app/bridge"
	"github.com/peerline/peerline/app/browser"
	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/discovery"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/app/links"
	"github.com/peerline/peerline/app/store"
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
	// NoDiscovery turns LAN discovery off regardless of settings.
	NoDiscovery bool
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
	// data dir and asks this one to show itself (ActivateRunning): the
	// window comes to the front. It must not block. Nil (headless): the
	// other launch is told there is no window (ErrNoWindow).
	OnSecondLaunch func()
}

// App is the running core. Create it with New, start it with Start, stop
// it with Close.
type App struct {
	opts  Options
	log   *slog.Logger
	key   *identity.KeyPair
	store *store.Store
	bus   *events.Bus

	hub      *server.Server
	hubLn    net.Listener
	hubHTTP  *http.Server
	router   *links.Router
	disc     *discovery.MDNS // nil when discovery is off
	calls    *calls.Manager
	bridge   *bridge.Bridge
	presence *presence
	browser  *browser.Launcher // call windows (where the webview has no WebRTC)

	// Bound services.
	Identity *Identity
	Peers    *Peers
	Contacts *Contacts
	Calls    *Calls
	History  *History
	Settings *Settings
	Desktop  *Desktop

	lock     *instanceLock   // one running app per data dir
	instance *instanceServer // answers later launches; nil if it could not listen

	rejectedMu sync.Mutex
	rejected   map[[2]identity.PeerID]bool // (contact, new identity) pairs the user rejected

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

// DefaultDataDir is where the app keeps its files unless told otherwise.
func DefaultDataDir() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("app: data dir: %w", err)
	}
	return filepath.Join(dir, "Peerline"), nil
}

// New opens the identity and the database. Nothing listens yet.
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
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("app: data dir %s: %w", opts.DataDir, err)
	}
	lock, err := lockDataDir(opts.DataDir)
	if err != nil {
		return nil, err
	}
	key, created, err := identity.LoadOrCreate(filepath.Join(opts.DataDir, "identity.pem"))
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("app: %w", err)
	}
	if created {
		opts.Logger.Info("app: new identity created", "peer", key.ID().Short())
	}
	ctx, cancel := context.WithCancel(context.Background())
	st, err := store.Open(ctx, filepath.Join(opts.DataDir, "peerline.db"))
	if err != nil {
		cancel()
		lock.release()
		return nil, fmt.Errorf("app: %w", err)
	}
	a := &App{opts: opts, log: opts.Logger, key: key, store: st, ctx: ctx, cancel: cancel, lock: lock,
		rejected: map[[2]identity.PeerID]bool{},
		// A deep queue: a sink that drops call:signal loses candidates.
		bus: events.NewBus(events.BusConfig{QueueSize: 4096, Logger: opts.Logger})}
	// Not fatal: without it a later launch cannot raise this window.
	if a.instance, err = listenInstance(opts.DataDir, opts.Logger, opts.OnSecondLaunch); err != nil {
		opts.Logger.Warn("app: a second launch will not find this one", "err", err)
	} else {
		a.goRun(a.instance.serve)
	}
	if opts.Name != "" {
		set, err := st.Settings(ctx)
		if err == nil && set.DisplayName != opts.Name {
			set.DisplayName = opts.Name
			_, err = st.PutSettings(ctx, set)
		}
		if err != nil {
			a.Close()
			return nil, fmt.Errorf("app: name: %w", err)
		}
	}
	return a, nil
}

// PeerID is this install's id.
func (a *App) PeerID() identity.PeerID { return a.key.ID() }

// Events is the app's event bus (the window subscribes its sink here).
func (a *App) Events() *events.Bus { return a.bus }

// Start brings up the LAN hub, links, discovery, calls and the bridge,
// and returns the bridge URL (with its token).
func (a *App) Start() (uiURL string, err error) {
	ctx := a.ctx
	set, err := a.store.Settings(ctx)
	if err != nil {
		return "", fmt.Errorf("app: start: %w", err)
	}
	name := set.DisplayName
	if name == "" {
		name, _ = os.Hostname()
	}

	// The LAN hub: a personal signaling server others dial to reach us.
	a.hub, err = server.New(server.Config{Identity: a.key, Personal: true, Logger: a.log.With("part", "hub")})
	if err != nil {
		return "", fmt.Errorf("app: hub: %w", err)
	}
	a.hubLn, err = discovery.ListenHub(a.opts.HubPort)
	if err != nil {
		return "", fmt.Errorf("app: hub: %w", err)
	}
	a.hubHTTP = &http.Server{Handler: a.hub.Handler(), ReadHeaderTimeout: 10 * time.Second}
	a.goRun(func() {
		if err := a.hubHTTP.Serve(a.hubLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("app: hub stopped", "err", err)
		}
	})
	hubPort := a.hubLn.Addr().(*net.TCPAddr).Port

	a.presence = newPresence(a)
	a.Identity = &Identity{a: a, hubPort: hubPort}
	a.Peers = &Peers{a: a}
	a.Contacts = &Contacts{a: a}
	a.Calls = &Calls{a: a}
	a.History = &History{a: a}
	a.Settings = &Settings{a: a}
	a.Desktop = &Desktop{a: a}
	bopts := a.opts.Browser
	if bopts.ProfileDir == "" {
		bopts.ProfileDir = filepath.Join(a.opts.DataDir, "call-window")
	}
	if bopts.Logger == nil {
		bopts.Logger = a.log.With("part", "browser")
	}
	a.browser = browser.New(bopts)

	ring := set.RingTimeout()
	if a.opts.RingTimeout > 0 {
		ring = a.opts.RingTimeout
	}
	a.router, err = links.New(links.Config{
		Identity: a.key, Hub: a.hub.Hub(), Handler: (*linkHandler)(a), Resolver: (*resolver)(a),
		Presence: a.presence.fromServer, ServerStatus: a.presence.serverStatus, Logger: a.log.With("part", "links"),
	})
	if err != nil {
		return "", fmt.Errorf("app: links: %w", err)
	}
	a.calls, err = calls.New(calls.Config{
		Identity: a.key, Sender: a.router, Gate: (*gate)(a), Recorder: (*recorder)(a), Events: a.bus,
		Name: name, RingTimeout: ring, Logger: a.log.With("part", "calls"),
	})
	if err != nil {
		return "", fmt.Errorf("app: calls: %w", err)
	}
	if set.LANDiscovery() && !a.opts.NoDiscovery {
		ifaces := set.DiscoveryInterfaces
		if len(a.opts.Interfaces) > 0 {
			ifaces = a.opts.Interfaces
		}
		a.disc, err = discovery.NewMDNS(discovery.Config{ID: a.key.ID(), HubPort: hubPort, Name: name,
			Interfaces: ifaces, Logger: a.log.With("part", "discovery")})
		if err != nil {
			return "", fmt.Errorf("app: discovery: %w", err)
		}
		// Contacts added by address are probed like discovered peers.
		if contacts, err := a.store.ListContacts(ctx); err == nil {
			for _, c := range contacts {
				if ap, err := netip.ParseAddrPort(c.LANAddr); err == nil {
					a.disc.AddStatic(ap)
				}
			}
		}
	}

	// Everything exists now; start the goroutines that use it.
	a.goRun(func() { a.router.Run(ctx) })
	if a.disc != nil {
		a.goRun(func() {
			if err := a.disc.Run(ctx); err != nil && ctx.Err() == nil {
				a.log.Error("app: discovery stopped", "err", err)
			}
		})
		a.goRun(func() { a.presence.fromDiscovery(ctx, a.disc.Events()) })
	}

	for _, s := range set.SignalingServers {
		a.addServer(s.URL, string(s.Token))
	}
	for _, u := range a.opts.SignalURLs {
		a.addServer(u, "")
	}

	a.bridge, err = bridge.New(bridge.Config{Addr: a.opts.UIAddr, Assets: a.opts.Assets, Logger: a.log.With("part", "bridge"),
		Version: version, Services: a.services()})
	if err != nil {
		return "", fmt.Errorf("app: bridge: %w", err)
	}
	a.bus.Subscribe(a.bridge)
	uiURL, err = a.bridge.Start(ctx)
	if err != nil {
		return "", fmt.Errorf("app: bridge: %w", err)
	}
	a.log.Info("app: started", "peer", a.key.ID().Short(), "hub_port", hubPort, "discovery", a.disc != nil)
	return uiURL, nil
}

// Services returns the bound services by name, for Wails and the bridge.
func (a *App) services() map[string]any {
	return map[string]any{
		"Identity": a.Identity, "Peers": a.Peers, "Contacts": a.Contacts,
		"Calls": a.Calls, "History": a.History, "Settings": a.Settings,
		"Desktop": a.Desktop,
	}
}

// ServiceTypes returns zero values of the bound services, in the order
// of Bindings: what Wails reads to generate frontend/wailsjs, with no App
// started.
func ServiceTypes() []any {
	return []any{&Identity{}, &Peers{}, &Contacts{}, &Calls{}, &History{}, &Settings{}, &Desktop{}}
}

// Bindings returns the bound services for wails.Run's Bind option. Call it
// after Start.
func (a *App) Bindings() []any {
	return []any{a.Identity, a.Peers, a.Contacts, a.Calls, a.History, a.Settings, a.Desktop}
}

func (a *App) addServer(url, token string) {
	peers := a.serverPeers(url)
	if err := a.router.AddServer(url, token, peers); err != nil {
		a.log.Warn("app: signaling server", "url", url, "err", err)
	}
}

func (a *App) rememberRejected(contact, newID identity.PeerID) {
	a.rejectedMu.Lock()
	a.rejected[[2]identity.PeerID{contact, newID}] = true
	a.rejectedMu.Unlock()
}

func (a *App) wasRejected(contact, newID identity.PeerID) bool {
	a.rejectedMu.Lock()
	defer a.rejectedMu.Unlock()
	return a.rejected[[2]identity.PeerID{contact, newID}]
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
		if a.instance != nil {
			a.instance.close()
		}
		if a.calls != nil {
			a.calls.Close()
		}
		if a.bridge != nil {
			a.bridge.Close()
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
		a.cancel()
		a.wg.Wait()
		a.bus.Close()
		if err := a.store.Close(); err != nil {
			a.log.Error("app: close store", "err", err)
		}
		a.lock.release()
	})
}
