// Package trayhost plays a desktop's tray for tests, on a real session
// bus: a StatusNotifierWatcher with a host registered (what a panel puts
// on the bus, so apps show their icon), and a host's reading and clicking
// of an item's menu over com.canonical.dbusmenu. It is test scaffolding,
// like netnstest: the app under test runs its real tray code against it.
package trayhost

import (
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// The StatusNotifierItem and dbusmenu names (freedesktop's SNI spec, as
// KDE published it, and libdbusmenu's interface).
const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	watcherIface = "org.kde.StatusNotifierWatcher"
	itemIface    = "org.kde.StatusNotifierItem"
	menuIface    = "com.canonical.dbusmenu"
)

// Host is the tray: it takes items' registrations and reads their menus.
type Host struct {
	t     testing.TB
	conn  *dbus.Conn
	items chan item
}

type item struct{ sender, path string }

// Start claims the watcher's name on the bus at addr (a private session
// bus of the test's) and says a host is registered. It fails t when the
// name is taken. The connection closes with the test.
func Start(t testing.TB, addr string) *Host {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatalf("trayhost: connect %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	h := &Host{t: t, conn: conn, items: make(chan item, 8)}
	if err := conn.Export(watcher{h}, watcherPath, watcherIface); err != nil {
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
		t.Fatalf("trayhost: claim %s: %v %v", watcherName, reply, err)
	}
	return h
}

// watcher is the exported object; its methods are the watcher's.
type watcher struct{ h *Host }

// RegisterStatusNotifierItem records an item; service is a bus name or
// the item's object path on the sender.
func (w watcher) RegisterStatusNotifierItem(sender dbus.Sender, service string) *dbus.Error {
	it := item{sender: string(sender), path: "/StatusNotifierItem"}
	if len(service) > 0 && service[0] == '/' {
		it.path = service
	}
	w.h.items <- it
	return nil
}

// RegisterStatusNotifierHost is the watcher's other method.
func (watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

// Item is a registered tray item, as the host sees it.
type Item struct {
	h    *Host
	obj  dbus.BusObject
	menu dbus.BusObject
}

// WaitItem waits for the next item to register.
func (h *Host) WaitItem(timeout time.Duration) *Item {
	h.t.Helper()
	select {
	case it := <-h.items:
		obj := h.conn.Object(it.sender, dbus.ObjectPath(it.path))
		v, err := obj.GetProperty(itemIface + ".Menu")
		if err != nil {
			h.t.Fatalf("trayhost: the item's menu: %v", err)
		}
		var menu dbus.ObjectPath
		if err := v.Store(&menu); err != nil {
			h.t.Fatalf("trayhost: the item's menu: %v", err)
		}
		return &Item{h: h, obj: obj, menu: h.conn.Object(it.sender, menu)}
	case <-time.After(timeout):
		h.t.Fatalf("trayhost: no tray item registered within %v", timeout)
		return nil
	}
}

// Tooltip returns the item's tooltip title.
func (it *Item) Tooltip() string {
	it.h.t.Helper()
	v, err := it.obj.GetProperty(itemIface + ".ToolTip")
	if err != nil {
		it.h.t.Fatalf("trayhost: tooltip: %v", err)
	}
	var tip struct {
		Icon   string
		Pixmap []struct {
			W, H int32
			Data []byte
		}
		Title, Body string
	}
	if err := v.Store(&tip); err != nil {
		it.h.t.Fatalf("trayhost: tooltip %v: %v", v, err)
	}
	return tip.Title
}

// Labels lists the menu's item labels, submenus' included, in the order
// the app added them. It reads them as GetGroupProperties of every id:
// GetLayout in fyne.io/systray v1.12.2 races under -race (app/tray's
// tests say why).
func (it *Item) Labels() []string {
	it.h.t.Helper()
	var ls []string
	for _, e := range it.entries() {
		if l, ok := e.Props["label"].Value().(string); ok && l != "" {
			ls = append(ls, l)
		}
	}
	return ls
}

type entry struct {
	ID    int32
	Props map[string]dbus.Variant
}

func (it *Item) entries() []entry {
	ids := make([]int32, 32)
	for i := range ids {
		ids[i] = int32(i + 1)
	}
	var got []entry
	if err := it.menu.Call(menuIface+".GetGroupProperties", 0, ids, []string{}).Store(&got); err != nil {
		it.h.t.Fatalf("trayhost: GetGroupProperties: %v", err)
	}
	return got
}

// Click clicks the menu item labelled label, as a person does in the
// panel's menu. It fails the test when there is none, or it is disabled.
func (it *Item) Click(label string) {
	it.h.t.Helper()
	for _, e := range it.entries() {
		if l, _ := e.Props["label"].Value().(string); l != label {
			continue
		}
		if on, ok := e.Props["enabled"].Value().(bool); ok && !on {
			it.h.t.Fatalf("trayhost: %q is disabled", label)
		}
		err := it.menu.Call(menuIface+".Event", 0, e.ID, "clicked", dbus.MakeVariant(int32(0)), uint32(time.Now().Unix())).Err
		if err != nil {
			it.h.t.Fatalf("trayhost: click %q: %v", label, err)
		}
		return
	}
	it.h.t.Fatalf("trayhost: no menu item %q in %q", label, it.Labels())
}
