package tray

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// These tests run on a private session bus of their own (TestMain starts a
// dbus-daemon and points DBUS_SESSION_BUS_ADDRESS at it before anything
// connects); the test plays the panel: a StatusNotifierWatcher with a
// host, and a host that reads the item's menu and clicks it over D-Bus.

const (
	itemPath  = "/StatusNotifierItem"
	itemIface = "org.kde.StatusNotifierItem"
	menuIface = "com.canonical.dbusmenu"
	waitFor   = 10 * time.Second
)

// busErr says why there is no private bus (the tests skip then).
var busErr error

func TestMain(m *testing.M) {
	if os.Getenv("TRAY_TEST_CHILD") != "" {
		os.Exit(m.Run()) // on the parent's bus
	}
	stop, err := privateBus()
	if err != nil {
		busErr = err
	}
	code := m.Run()
	if stop != nil {
		stop()
	}
	os.Exit(code)
}

// privateBus starts a session dbus-daemon for this process and its
// children.
func privateBus() (stop func(), err error) {
	if _, err := exec.LookPath("dbus-daemon"); err != nil {
		return nil, fmt.Errorf("dbus-daemon not installed (apt dbus): %w", err)
	}
	out, err := exec.Command("dbus-daemon", "--session", "--fork", "--nopidfile", "--print-address=1", "--print-pid=1").Output()
	if err != nil {
		return nil, fmt.Errorf("dbus-daemon: %w", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != 2 {
		return nil, fmt.Errorf("dbus-daemon printed %q", out)
	}
	pid, err := strconv.Atoi(lines[1])
	if err != nil {
		return nil, fmt.Errorf("dbus-daemon pid %q: %w", lines[1], err)
	}
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", lines[0])
	return func() {
		if p, err := os.FindProcess(pid); err == nil {
			p.Kill()
		}
	}, nil
}

func needBus(t *testing.T) {
	t.Helper()
	if busErr == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("no private session bus: %v", busErr)
	}
	t.Skipf("no private session bus: %v", busErr)
}

// panel is a StatusNotifierWatcher with a host registered: what a
// desktop's tray puts on the session bus.
type panel struct {
	conn  *dbus.Conn
	items chan string // the sender of each RegisterStatusNotifierItem
}

func startPanel(t *testing.T) *panel {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	p := &panel{conn: conn, items: make(chan string, 8)}
	if err := conn.Export(p, watcherPath, watcherIface); err != nil {
		t.Fatal(err)
	}
	if _, err := prop.Export(conn, watcherPath, prop.Map{watcherIface: {
		"RegisteredStatusNotifierItems":  {Value: []string{}},
		"IsStatusNotifierHostRegistered": {Value: true},
		"ProtocolVersion":                {Value: int32(0)},
	}}); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claim %s: %v %v", watcherName, reply, err)
	}
	return p
}

// RegisterStatusNotifierItem is the watcher's method; service is a bus
// name or, as here, the item's object path on the sender.
func (p *panel) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	if service != itemPath {
		return dbus.MakeFailedError(fmt.Errorf("unexpected item %q", service))
	}
	p.items <- string(sender)
	return nil
}

// RegisterStatusNotifierHost is the watcher's other method.
func (p *panel) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

func (p *panel) close() { p.conn.Close() }

// app records what the tray asked of the app.
type app struct {
	opened, quit chan struct{}
	available    chan bool

	mu     sync.Mutex
	state  State
	states chan State
}

func newApp() *app {
	return &app{opened: make(chan struct{}, 4), quit: make(chan struct{}, 4), available: make(chan bool, 8), states: make(chan State, 4)}
}

func (a *app) DoNotDisturb() State {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state
}

func (a *app) SetDoNotDisturb(s State) error {
	a.mu.Lock()
	a.state = s
	a.mu.Unlock()
	a.states <- s
	return nil
}

// host is the test's view of the item: a tray host reading it over D-Bus.
type itemView struct {
	t       *testing.T
	conn    *dbus.Conn
	item    dbus.BusObject
	menu    dbus.BusObject
	signals chan *dbus.Signal
}

func viewItem(t *testing.T, sender string) *itemView {
	t.Helper()
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.AddMatchSignal(dbus.WithMatchSender(sender)); err != nil {
		t.Fatal(err)
	}
	v := &itemView{t: t, conn: conn, item: conn.Object(sender, itemPath), signals: make(chan *dbus.Signal, 64)}
	conn.Signal(v.signals)
	var menuPath dbus.ObjectPath
	v.get(itemIface+".Menu", &menuPath)
	v.menu = conn.Object(sender, menuPath)
	return v
}

func (v *itemView) get(property string, into any) {
	v.t.Helper()
	val, err := v.item.GetProperty(property)
	if err != nil {
		v.t.Fatalf("get %s: %v", property, err)
	}
	if err := val.Store(into); err != nil {
		v.t.Fatalf("get %s: %v", property, err)
	}
}

// entry is one menu item of the layout.
type entry struct {
	id       int32
	props    map[string]dbus.Variant
	children []entry
}

func (e entry) label() string { s, _ := e.props["label"].Value().(string); return s }
func (e entry) checked() bool { n, _ := e.props["toggle-state"].Value().(int32); return n == 1 }
func (e entry) enabled() bool { b, ok := e.props["enabled"].Value().(bool); return !ok || b }

// find returns the item labelled l, at any depth.
func (e entry) find(l string) (entry, bool) {
	for _, c := range e.children {
		if c.label() == l {
			return c, true
		}
		if f, ok := c.find(l); ok {
			return f, true
		}
	}
	return entry{}, false
}

// byID returns the item with id, at any depth.
func (e entry) byID(id int32) (entry, bool) {
	for _, c := range e.children {
		if c.id == id {
			return c, true
		}
		if f, ok := c.byID(id); ok {
			return f, true
		}
	}
	return entry{}, false
}

func (e entry) labels() []string {
	var ls []string
	for _, c := range e.children {
		if t, _ := c.props["type"].Value().(string); t == "separator" {
			ls = append(ls, "--")
			continue
		}
		ls = append(ls, c.label())
	}
	return ls
}

// layout reads the menu as a host does, all of it, as one flat list in
// menu order (GetGroupProperties of every id: the library numbers its
// items from 1 in the order they were added). Under the race detector it
// must not be GetLayout: see layoutTree.
func (v *itemView) layout() entry {
	v.t.Helper()
	ids := make([]int32, 32)
	for i := range ids {
		ids[i] = int32(i + 1)
	}
	var got []struct {
		ID    int32
		Props map[string]dbus.Variant
	}
	if err := v.menu.Call(menuIface+".GetGroupProperties", 0, ids, []string{}).Store(&got); err != nil {
		v.t.Fatalf("GetGroupProperties: %v", err)
	}
	var root entry
	for _, g := range got {
		root.children = append(root.children, entry{id: g.ID, props: g.Props})
	}
	return root
}

// layoutTree reads the menu's tree (GetLayout of the root, all levels).
// The first GetLayout starts a goroutine in fyne.io/systray v1.12.2 that
// writes the menu's revision unlocked 150 ms later (a fix for blank
// submenus in libdbusmenu-gtk3): a data race with that GetLayout's own
// read of it, benign (a uint32) but fatal under -race, so the tree is
// read only without the race detector.
func (v *itemView) layoutTree() entry {
	v.t.Helper()
	var rev uint32
	var root struct {
		ID       int32
		Props    map[string]dbus.Variant
		Children []dbus.Variant
	}
	if err := v.menu.Call(menuIface+".GetLayout", 0, int32(0), int32(-1), []string{}).Store(&rev, &root); err != nil {
		v.t.Fatalf("GetLayout: %v", err)
	}
	return entry{id: root.ID, props: root.Props, children: parseChildren(v.t, root.Children)}
}

func parseChildren(t *testing.T, vs []dbus.Variant) []entry {
	var es []entry
	for _, v := range vs {
		f, ok := v.Value().([]any)
		if !ok || len(f) != 3 {
			t.Fatalf("menu item %v is not (ia{sv}av)", v)
		}
		id, _ := f[0].(int32)
		props, _ := f[1].(map[string]dbus.Variant)
		kids, _ := f[2].([]dbus.Variant)
		es = append(es, entry{id: id, props: props, children: parseChildren(t, kids)})
	}
	return es
}

// click sends the host's "clicked" event for a menu item.
func (v *itemView) click(e entry) {
	v.t.Helper()
	if err := v.menu.Call(menuIface+".Event", 0, e.id, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err; err != nil {
		v.t.Fatalf("Event clicked %q: %v", e.label(), err)
	}
}

// until waits for cond, checking it now and after each signal the item
// sends (layout and property updates), for up to waitFor.
func (v *itemView) until(what string, cond func() bool) {
	v.t.Helper()
	deadline := time.After(waitFor)
	for !cond() {
		select {
		case <-v.signals:
		case <-deadline:
			v.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// signal waits for the item to send a signal named name
// (interface.member).
func (v *itemView) signal(name string) {
	v.t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case sig := <-v.signals:
			if sig.Name == name {
				return
			}
		case <-deadline:
			v.t.Fatalf("timed out waiting for the signal %s", name)
		}
	}
}

func receive[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitFor):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// TestTray is the tray's whole life in one process (the library starts
// once per process): with a panel on the bus it registers, serves its
// menu, turns clicks into the app's calls, shows do-not-disturb and the
// call in its tooltip, follows the panel leaving and coming back, and
// stops on ctx cancel without leaving goroutines.
func TestTray(t *testing.T) {
	needBus(t)
	p := startPanel(t)
	defer func() { p.close() }()

	a := newApp()
	now := time.Date(2026, 3, 31, 15, 0, 0, 0, time.Local)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tr, err := Start(ctx, Options{
		OnOpen:       func() { a.opened <- struct{}{} },
		OnQuit:       func() { a.quit <- struct{}{} },
		DoNotDisturb: a,
		OnAvailable:  func(ok bool) { a.available <- ok },
		Now:          func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if !tr.Available() {
		t.Fatal("Available() = false with a watcher and a host on the bus")
	}
	sender := receive(t, "the item to register with the watcher", p.items)
	v := viewItem(t, sender)

	t.Run("item", func(t *testing.T) {
		var id, status string
		var isMenu bool
		var pixmaps []struct {
			W, H int32
			Pix  []byte
		}
		v.get(itemIface+".Id", &id)
		v.get(itemIface+".Status", &status)
		v.get(itemIface+".ItemIsMenu", &isMenu)
		v.get(itemIface+".IconPixmap", &pixmaps)
		if id != "Peerline" || status != "Active" || isMenu {
			t.Errorf("Id %q Status %q ItemIsMenu %v, want Peerline Active false (a left click opens the window)", id, status, isMenu)
		}
		if len(pixmaps) != 1 || pixmaps[0].W != 32 || pixmaps[0].H != 32 || len(pixmaps[0].Pix) != 32*32*4 {
			t.Errorf("IconPixmap: want one 32x32 ARGB image, got %d", len(pixmaps))
		}
	})

	var root entry
	t.Run("menu", func(t *testing.T) {
		// The library serves one level on the first GetLayout (for
		// libdbusmenu-gtk3), then says the layout changed.
		root = v.layout()
		if got, want := root.labels(), []string{"Open Peerline", "--", "Do not disturb", "For 1 hour", "Until tomorrow",
			"Until I turn it off", "--", "Turn off", "--", "Quit"}; !slices.Equal(got, want) {
			t.Errorf("menu items = %q, want %q", got, want)
		}
		if dnd, _ := root.find("Do not disturb"); dnd.props["children-display"].Value() != "submenu" {
			t.Errorf("Do not disturb has no submenu: %v", dnd.props)
		}
		if dnd, _ := root.find("Do not disturb"); dnd.checked() {
			t.Error("Do not disturb checked while off")
		}
		if off, _ := root.find("Turn off"); off.enabled() {
			t.Error("Turn off enabled while do not disturb is off")
		}
		if raceEnabled {
			return
		}
		// The library serves one level on the first GetLayout (for
		// libdbusmenu-gtk3), then says the layout changed.
		v.layoutTree()
		v.signal(menuIface + ".LayoutUpdated")
		tree := v.layoutTree()
		if got, want := tree.labels(), []string{"Open Peerline", "--", "Do not disturb", "--", "Quit"}; !slices.Equal(got, want) {
			t.Errorf("menu = %q, want %q", got, want)
		}
		dnd, _ := tree.find("Do not disturb")
		if got, want := dnd.labels(), []string{"For 1 hour", "Until tomorrow", "Until I turn it off", "--", "Turn off"}; !slices.Equal(got, want) {
			t.Errorf("Do not disturb submenu = %q, want %q", got, want)
		}
	})

	t.Run("open", func(t *testing.T) {
		e, _ := root.find("Open Peerline")
		v.click(e)
		receive(t, "OnOpen from Open Peerline", a.opened)
		if err := v.item.Call(itemIface+".Activate", 0, int32(0), int32(0)).Err; err != nil {
			t.Fatalf("Activate: %v", err)
		}
		receive(t, "OnOpen from a left click (Activate)", a.opened)
	})

	dndID := func() int32 { e, _ := root.find("Do not disturb"); return e.id }()
	dndItem := func() entry { e, _ := v.layout().byID(dndID); return e }
	t.Run("do not disturb for 1 hour", func(t *testing.T) {
		e, _ := root.find("For 1 hour")
		v.click(e)
		s := receive(t, "SetDoNotDisturb", a.states)
		if !s.On || !s.Until.Equal(now.Add(time.Hour)) {
			t.Fatalf("SetDoNotDisturb(%+v), want on until %v", s, now.Add(time.Hour))
		}
		v.until("the item checked, saying until when", func() bool {
			e := dndItem()
			return e.checked() && e.label() == "Do not disturb (until 16:00)"
		})
		var tip struct {
			Icon   string
			Images []struct {
				W, H int32
				Pix  []byte
			}
			Title, Text string
		}
		v.until("the tooltip to say so", func() bool {
			v.get(itemIface+".ToolTip", &tip)
			return tip.Title == "Peerline — do not disturb until 16:00"
		})
	})

	t.Run("turn off", func(t *testing.T) {
		e, _ := root.find("Turn off")
		v.until("Turn off enabled", func() bool { e, _ = v.layout().find("Turn off"); return e.enabled() })
		v.click(e)
		if s := receive(t, "SetDoNotDisturb", a.states); s.On {
			t.Fatalf("SetDoNotDisturb(%+v), want off", s)
		}
		v.until("the item unchecked", func() bool { e := dndItem(); return !e.checked() && e.label() == "Do not disturb" })
	})

	t.Run("the app's changes show", func(t *testing.T) {
		tr.ShowDoNotDisturb(State{On: true})
		v.until("the item checked", func() bool { return dndItem().checked() })
		tr.ShowDoNotDisturb(State{})
		tr.SetInCall("Grace")
		var tip struct {
			Icon   string
			Images []struct {
				W, H int32
				Pix  []byte
			}
			Title, Text string
		}
		v.until("the tooltip to name the call", func() bool {
			v.get(itemIface+".ToolTip", &tip)
			return tip.Title == "Peerline — in a call with Grace"
		})
	})

	t.Run("quit", func(t *testing.T) {
		e, _ := root.find("Quit")
		v.click(e)
		receive(t, "OnQuit", a.quit)
	})

	t.Run("panel leaves and comes back", func(t *testing.T) {
		p.close()
		if ok := receive(t, "OnAvailable", a.available); ok {
			t.Fatal("OnAvailable(true) when the watcher left")
		}
		if tr.Available() {
			t.Fatal("Available() with no watcher")
		}
		p = startPanel(t)
		if ok := receive(t, "OnAvailable", a.available); !ok {
			t.Fatal("OnAvailable(false) when a watcher came")
		}
		if again := receive(t, "the item to register with the new watcher", p.items); again != sender {
			t.Errorf("registered from %s, want %s", again, sender)
		}
	})

	t.Run("stops on cancel", func(t *testing.T) {
		// The item's connection closes: its unique name leaves the bus.
		if err := p.conn.AddMatchSignal(dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, sender)); err != nil {
			t.Fatal(err)
		}
		owners := make(chan *dbus.Signal, 4)
		p.conn.Signal(owners)
		cancel()
		tr.Close() // waits for the goroutines cancel stopped
		if sig := receive(t, "the item to leave the bus", owners); len(sig.Body) != 3 || sig.Body[2] != "" {
			t.Errorf("NameOwnerChanged %v, want %s gone", sig.Body, sender)
		}
		if tr.Available() {
			t.Error("Available() after Close")
		}
		buf := make([]byte, 1<<20)
		if stacks := string(buf[:runtime.Stack(buf, true)]); strings.Contains(stacks, "app/tray.(*Tray)") || strings.Contains(stacks, "app/tray.watchHost") {
			t.Errorf("tray goroutines left after Close:\n%s", stacks)
		}
		if _, err := Start(context.Background(), Options{}); !errors.Is(err, ErrStarted) {
			t.Errorf("second Start: err %v, want ErrStarted", err)
		}
	})
}

// TestNoHost starts the tray in a fresh process on a bus with no watcher:
// it says no host shows it, and stops cleanly.
func TestNoHost(t *testing.T) {
	if os.Getenv("TRAY_TEST_CHILD") == "nohost" {
		tr, err := Start(context.Background(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Available() {
			t.Fatal("Available() = true with no StatusNotifierWatcher on the bus")
		}
		tr.Close()
		return
	}
	needBus(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoHost$", "-test.v")
	cmd.Env = append(os.Environ(), "TRAY_TEST_CHILD=nohost")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestNoHost") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "no status notifier host") && !strings.Contains(string(out), "failed to register") {
		t.Logf("child output:\n%s", out)
	}
}

// TestNoSessionBus: with no session bus there is no tray, and no crash.
func TestNoSessionBus(t *testing.T) {
	if os.Getenv("TRAY_TEST_CHILD") != "" {
		t.Skip("parent only")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/peerline-tray-test")
	tr, err := Start(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tr.Available() {
		t.Error("Available() with no session bus")
	}
	tr.Close()
}
