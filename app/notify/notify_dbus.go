//go:build unix && !darwin

package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// The freedesktop.org notification service (spec 1.2).
const (
	busName   = "org.freedesktop.Notifications"
	busPath   = dbus.ObjectPath("/org/freedesktop/Notifications")
	busIface  = "org.freedesktop.Notifications"
	sigAction = busIface + ".ActionInvoked"
	sigClosed = busIface + ".NotificationClosed"
)

// withdrawTimeout bounds the withdrawals Close makes.
const withdrawTimeout = 2 * time.Second

// Notifier shows notifications through the session bus's notification
// server. Its methods are safe for concurrent use.
type Notifier struct {
	opts Options
	log  *slog.Logger
	conn *dbus.Conn
	obj  dbus.BusObject
	caps Capabilities
	sigs chan *dbus.Signal
	done chan struct{} // closed when the signal loop has ended

	mu     sync.Mutex
	shown  map[ID]*shown
	closed bool
}

// shown is a notification on screen: its callbacks, and the server's
// unique bus name, the only sender its signals are taken from.
type shown struct {
	note  Notification
	owner string
}

// New connects to the notification server and reads its capabilities.
// It returns an error wrapping ErrNotSupported when there is no session
// bus or no notification server on it.
func New(ctx context.Context, opts Options) (*Notifier, error) {
	opts.defaults()
	dial := []dbus.ConnOption{dbus.WithContext(ctx), dbus.WithSignalHandler(dbus.NewSequentialSignalHandler())}
	var conn *dbus.Conn
	var err error
	if opts.BusAddress != "" {
		conn, err = dbus.Connect(opts.BusAddress, dial...)
	} else {
		conn, err = sessionBus(dial)
	}
	if err != nil {
		return nil, fmt.Errorf("notify: session bus: %w (%w)", err, ErrNotSupported)
	}
	n := &Notifier{opts: opts, log: opts.Logger, conn: conn, obj: conn.Object(busName, busPath),
		sigs: make(chan *dbus.Signal, 16), done: make(chan struct{}), shown: make(map[ID]*shown)}
	if err := n.init(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	go n.loop()
	return n, nil
}

// sessionBus connects to the session bus that is running, never
// autolaunching one: godbus's ConnectSessionBus would run dbus-launch
// where none is found, and leave a stray bus daemon behind.
func sessionBus(opts []dbus.ConnOption) (*dbus.Conn, error) {
	conn, err := dbus.SessionBusPrivateNoAutoStartup(opts...)
	if err != nil {
		return nil, err
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, err
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// init subscribes to the server's signals and reads what it supports.
func (n *Notifier) init(ctx context.Context) error {
	// The signals are sent to whoever called Notify (this connection); the
	// match rules let them through the bus to us.
	for _, member := range []string{"ActionInvoked", "NotificationClosed"} {
		if err := n.conn.AddMatchSignalContext(ctx, dbus.WithMatchObjectPath(busPath),
			dbus.WithMatchInterface(busIface), dbus.WithMatchMember(member)); err != nil {
			return fmt.Errorf("notify: subscribe to %s: %w", member, err)
		}
	}
	n.conn.Signal(n.sigs)
	var raw []string
	if err := n.obj.CallWithContext(ctx, busIface+".GetCapabilities", 0).Store(&raw); err != nil {
		var de dbus.Error
		if errors.As(err, &de) && noServer(de.Name) {
			return fmt.Errorf("notify: no notification server on the session bus: %w (%w)", err, ErrNotSupported)
		}
		return fmt.Errorf("notify: capabilities: %w", err)
	}
	n.caps = Capabilities{Raw: raw, Actions: slices.Contains(raw, "actions"),
		BodyMarkup: slices.Contains(raw, "body-markup"), Sound: slices.Contains(raw, "sound")}
	var name, vendor, version, spec string
	if err := n.obj.CallWithContext(ctx, busIface+".GetServerInformation", 0).Store(&name, &vendor, &version, &spec); err == nil {
		n.caps.Server = strings.TrimSpace(name + " " + version)
	}
	n.log.Debug("notify: server", "server", n.caps.Server, "capabilities", strings.Join(raw, ","))
	return nil
}

// noServer reports whether a D-Bus error means nobody serves the name:
// none registered, or the bus's attempt to start one (service activation,
// dunst's .service file, say, with no display) failed.
func noServer(name string) bool {
	return name == "org.freedesktop.DBus.Error.ServiceUnknown" || name == "org.freedesktop.DBus.Error.NameHasNoOwner" ||
		strings.HasPrefix(name, "org.freedesktop.DBus.Error.Spawn.")
}

// Capabilities returns what the server said it supports when New ran.
func (n *Notifier) Capabilities() Capabilities {
	c := n.caps
	c.Raw = slices.Clone(c.Raw)
	return c
}

// Show shows note and returns its id. Its OnAction and OnClosed run for
// the signals the server sends about it until it is closed.
func (n *Notifier) Show(ctx context.Context, note Notification) (ID, error) {
	if err := note.validate(); err != nil {
		return 0, err
	}
	actions := []string{}
	if n.caps.Actions {
		for _, a := range note.Actions {
			actions = append(actions, a.Key, PlainText(a.Label, MaxLabelRunes))
		}
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(note.Urgency.wire()),
		"desktop-entry": dbus.MakeVariant(n.opts.DesktopEntry),
	}
	if note.Category != "" {
		hints["category"] = dbus.MakeVariant(note.Category)
	}
	if note.Sound != "" {
		hints["sound-name"] = dbus.MakeVariant(note.Sound)
	}
	timeout := int32(-1) // the server's default
	switch {
	case note.Persistent:
		timeout = 0
	case note.Timeout > 0:
		timeout = int32(min(note.Timeout.Milliseconds(), 1<<31-1))
	}

	// Held across the call: a signal about the new id that arrives before
	// Notify's reply waits for the id to be registered.
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return 0, ErrClosed
	}
	// Signals are taken only from the server that showed the notification.
	var owner string
	if err := n.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, busName).Store(&owner); err != nil {
		return 0, fmt.Errorf("notify: show: no notification server: %w", err)
	}
	var id uint32
	err := n.obj.CallWithContext(ctx, busIface+".Notify", 0, n.opts.AppName, uint32(0), n.opts.Icon,
		summaryText(note.Summary), bodyText(note.Body, n.caps.BodyMarkup), actions, hints, timeout).Store(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: show: %w", err)
	}
	n.shown[ID(id)] = &shown{note: note, owner: owner}
	return ID(id), nil
}

// Withdraw closes a notification that is still showing; its OnClosed
// runs with CloseWithdrawn. Withdrawing one that is gone is no error.
func (n *Notifier) Withdraw(ctx context.Context, id ID) error {
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed {
		return ErrClosed
	}
	return n.withdraw(ctx, id)
}

func (n *Notifier) withdraw(ctx context.Context, id ID) error {
	if err := n.obj.CallWithContext(ctx, busIface+".CloseNotification", 0, uint32(id)).Err; err != nil {
		return fmt.Errorf("notify: withdraw %d: %w", id, err)
	}
	return nil
}

// Close withdraws the notifications still showing (their actions would
// lead nowhere once this Notifier is gone), stops the signal goroutine
// and closes the connection. Their OnClosed callbacks do not run.
func (n *Notifier) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	ids := make([]ID, 0, len(n.shown))
	for id := range n.shown {
		ids = append(ids, id)
	}
	clear(n.shown)
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), withdrawTimeout)
	defer cancel()
	for _, id := range ids {
		if err := n.withdraw(ctx, id); err != nil {
			n.log.Debug("notify: close", "err", err)
		}
	}
	err := n.conn.Close() // ends the signal channel, so the loop
	<-n.done
	if err != nil {
		return fmt.Errorf("notify: close: %w", err)
	}
	return nil
}

// loop hands the server's signals to the notifications' callbacks until
// the connection closes.
func (n *Notifier) loop() {
	defer close(n.done)
	for sig := range n.sigs {
		n.signal(sig)
	}
}

func (n *Notifier) signal(sig *dbus.Signal) {
	if sig.Path != busPath || len(sig.Body) < 2 {
		return
	}
	raw, ok := sig.Body[0].(uint32)
	if !ok {
		return
	}
	id := ID(raw)
	n.mu.Lock()
	s := n.shown[id]
	if s == nil || s.owner != sig.Sender {
		n.mu.Unlock()
		if s != nil {
			n.log.Warn("notify: signal from another bus name than the server's ignored", "sender", sig.Sender, "signal", sig.Name)
		}
		return
	}
	closedReason, isClosed := uint32(0), sig.Name == sigClosed
	if isClosed {
		closedReason, _ = sig.Body[1].(uint32)
		delete(n.shown, id)
	}
	n.mu.Unlock()

	switch {
	case sig.Name == sigAction:
		key, _ := sig.Body[1].(string)
		if !slices.ContainsFunc(s.note.Actions, func(a Action) bool { return a.Key == key }) {
			n.log.Warn("notify: unknown action ignored", "id", id, "key", key)
			return
		}
		n.log.Debug("notify: action", "id", id, "key", key)
		if s.note.OnAction != nil {
			s.note.OnAction(key)
		}
	case isClosed:
		reason := parseCloseReason(closedReason)
		n.log.Debug("notify: closed", "id", id, "reason", reason.String())
		if s.note.OnClosed != nil {
			s.note.OnClosed(reason)
		}
	}
}
