package tray

import (
	"fmt"

	"github.com/godbus/dbus/v5"
)

// The StatusNotifierWatcher: a desktop's tray host owns this name on the
// session bus and tells its hosts of the items that register with it.
const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	watcherIface = "org.kde.StatusNotifierWatcher"
)

// sniHost follows the session bus's StatusNotifierWatcher on a private
// connection of its own (the library's is godbus's shared one).
type sniHost struct {
	conn *dbus.Conn
	done chan struct{}
}

// watchHost returns whether a StatusNotifierWatcher with a registered
// host is on the session bus now, and reports each change through set
// until close. An error means there is no session bus.
func watchHost(set func(bool)) (host, bool, error) {
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, false, fmt.Errorf("tray: session bus: %w", err)
	}
	rules := [][]dbus.MatchOption{
		{dbus.WithMatchSender("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"), dbus.WithMatchArg(0, watcherName)},
		{dbus.WithMatchInterface(watcherIface), dbus.WithMatchMember("StatusNotifierHostRegistered")},
		{dbus.WithMatchInterface(watcherIface), dbus.WithMatchMember("StatusNotifierHostUnregistered")},
		{dbus.WithMatchInterface("org.freedesktop.DBus.Properties"), dbus.WithMatchMember("PropertiesChanged"), dbus.WithMatchObjectPath(watcherPath)},
	}
	for _, r := range rules {
		if err := conn.AddMatchSignal(r...); err != nil {
			conn.Close()
			return nil, false, fmt.Errorf("tray: watch for a status notifier host: %w", err)
		}
	}
	signals := make(chan *dbus.Signal, 16)
	conn.Signal(signals)
	h := &sniHost{conn: conn, done: make(chan struct{})}
	present := hostPresent(conn) // after AddMatch: no change is missed
	go func() {
		defer close(h.done)
		for sig := range signals { // closed when conn closes
			if sig == nil {
				return
			}
			set(hostPresent(conn))
		}
	}()
	return h, present, nil
}

// hostPresent asks whether a watcher owns its name and has a host. A
// watcher that cannot say (no such property) counts as having one.
func hostPresent(conn *dbus.Conn) bool {
	var owned bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, watcherName).Store(&owned); err != nil || !owned {
		return false
	}
	v, err := conn.Object(watcherName, watcherPath).GetProperty(watcherIface + ".IsStatusNotifierHostRegistered")
	if err != nil {
		return true
	}
	registered, ok := v.Value().(bool)
	return !ok || registered
}

func (h *sniHost) close() {
	h.conn.Close()
	<-h.done
}
