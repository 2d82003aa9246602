package notify

import (
	"fmt"
	"log/slog"
	"time"
)

// ID identifies a shown notification (the server's id).
type ID uint32

// DefaultKey is the key of the default action: the one a click on the
// notification's body invokes, and dunst's `dunstctl action N`.
const DefaultKey = "default"

// Action is one button of a notification.
type Action struct {
	// Key is what OnAction receives; DefaultKey makes it the default.
	Key string
	// Label is the button's text (plain text).
	Label string
	// Kind says whether the button accepts or refuses (Windows colours
	// such buttons green and red, macOS shows a refusal as destructive;
	// D-Bus has no such hint). Default ActionPlain.
	Kind ActionKind
}

// ActionKind is what a button does, for the platforms that style it.
type ActionKind uint8

// Action kinds. The zero value is a plain button.
const (
	ActionPlain   ActionKind = iota // "plain"
	ActionAccept                    // "accept": Answer
	ActionDecline                   // "decline": Decline
)

// String returns the kind's name.
func (k ActionKind) String() string {
	switch k {
	case ActionPlain:
		return "plain"
	case ActionAccept:
		return "accept"
	case ActionDecline:
		return "decline"
	}
	return fmt.Sprintf("ActionKind(%d)", uint8(k))
}

// Urgency is a notification's urgency level. The zero value is normal.
type Urgency uint8

// Urgencies. The zero value is normal; wire gives the spec's byte.
const (
	UrgencyNormal   Urgency = iota // "normal" (spec value 1)
	UrgencyLow                     // "low" (spec value 0)
	UrgencyCritical                // "critical" (spec value 2): stays until withdrawn on most servers
)

// String returns the spec's name.
func (u Urgency) String() string {
	switch u {
	case UrgencyNormal:
		return "normal"
	case UrgencyLow:
		return "low"
	case UrgencyCritical:
		return "critical"
	}
	return fmt.Sprintf("Urgency(%d)", uint8(u))
}

// wire is the spec's byte value.
func (u Urgency) wire() byte {
	switch u {
	case UrgencyLow:
		return 0
	case UrgencyCritical:
		return 2
	}
	return 1
}

// CloseReason says why a notification went away.
type CloseReason uint8

// Close reasons, the spec's values.
const (
	CloseUnknown   CloseReason = iota // "unknown": undefined or reserved (spec 4)
	CloseExpired                      // "expired": its timeout ran out (spec 1)
	CloseDismissed                    // "dismissed": the person closed it (spec 2)
	CloseWithdrawn                    // "withdrawn": Withdraw or Close closed it (spec 3)
)

// String returns a readable name.
func (r CloseReason) String() string {
	switch r {
	case CloseExpired:
		return "expired"
	case CloseDismissed:
		return "dismissed"
	case CloseWithdrawn:
		return "withdrawn"
	}
	return "unknown"
}

func parseCloseReason(v uint32) CloseReason {
	if v >= 1 && v <= 3 {
		return CloseReason(v)
	}
	return CloseUnknown
}

// Notification is what Show shows. Summary and Body are plain text.
type Notification struct {
	// Summary is the title line ("Grace is calling").
	Summary string
	// Body is the text below it; may be empty.
	Body string
	// Actions are the buttons, in order; dropped where the server has
	// no actions (Capabilities.Actions). Keys must be unique.
	Actions []Action
	// Urgency. Default UrgencyNormal.
	Urgency Urgency
	// Timeout is how long the server shows it. 0: the server's default;
	// Persistent overrides it.
	Timeout time.Duration
	// Persistent: it never expires; it goes when the person acts on it or
	// Withdraw is called.
	Persistent bool
	// Category is the spec's category hint ("im.received", or a
	// vendor "x-…" one); empty sends none.
	Category string
	// Sound is a sound theme name the server may play ("phone-incoming-call"
	// from the freedesktop sound naming spec); empty sends none.
	Sound string

	// OnAction is called with the action's key when the person chooses
	// one. OnClosed is called once when the notification goes, for
	// whatever reason (after OnAction, if an action closed it). Both run
	// on the Notifier's goroutine, in the order the server sent them:
	// they must not block. Either may be nil.
	OnAction func(key string)
	OnClosed func(reason CloseReason)
}

// Capabilities are what the notification server says it supports.
type Capabilities struct {
	// Actions: it shows action buttons (and invokes the default action).
	Actions bool
	// BodyMarkup: it reads markup in the body (so text is escaped).
	BodyMarkup bool
	// Sound: it plays sounds (the "sound" capability).
	Sound bool
	// Server is the server's name and version ("dunst 1.9.0").
	Server string
	// Raw is every capability string it listed.
	Raw []string
}

// Options configure a Notifier. The zero value works.
type Options struct {
	// AppName is the sending application's name. Default "Peerline".
	AppName string
	// Icon is the app icon: a theme icon name or a file:// URI. Default
	// "peerline" (the icon the .desktop file installs).
	Icon string
	// DesktopEntry is the .desktop file's name without ".desktop", for the
	// server to find the app's icon and name. Default "peerline".
	DesktopEntry string
	// BusAddress is the D-Bus address to use. Default: the session bus
	// ($DBUS_SESSION_BUS_ADDRESS, else the per-user bus).
	BusAddress string
	// Logger. Default slog.Default().
	Logger *slog.Logger

	// Activator routes clicks that arrive as text to the notification
	// they were on (Windows, macOS): the app makes one and hands it to the
	// instance socket too, so a click that starts another launch reaches
	// this one. Nil: the Notifier makes its own. D-Bus does not use it.
	Activator *Activator
	// DataDir is the app's data dir (Windows): a click with no Peerline
	// running starts `peerline --toast-activated --data-dir DataDir`,
	// which passes it to the Peerline running with it. Empty: the default
	// data dir.
	DataDir string
	// IconPNG is the app icon as PNG (Windows: written to the data dir,
	// the toasts' icon). Nil: Windows shows a generic one.
	IconPNG []byte
	// Categories are the sets of buttons notifications will carry
	// (macOS: each set is a notification category, registered at setup,
	// before the first ring, rather than at the first Show that uses it).
	// Others are still registered when first shown. Ignored elsewhere.
	Categories [][]Action
	// Window is the Wails window's runtime (macOS notifications go
	// through Wails): nil (headless) is ErrNotSupported on macOS.
	Window *Window
}

// Default names of Options.
const (
	DefaultAppName      = "Peerline"
	DefaultIcon         = "peerline"
	DefaultDesktopEntry = "peerline"
)

func (o *Options) defaults() {
	if o.AppName == "" {
		o.AppName = DefaultAppName
	}
	if o.Icon == "" {
		o.Icon = DefaultIcon
	}
	if o.DesktopEntry == "" {
		o.DesktopEntry = DefaultDesktopEntry
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Activator == nil {
		o.Activator = NewActivator(o.Logger)
	}
}

// validate checks a notification before it is sent.
func (n *Notification) validate() error {
	seen := make(map[string]bool, len(n.Actions))
	for _, a := range n.Actions {
		if a.Key == "" || a.Label == "" {
			return fmt.Errorf("notify: action %q: key and label are required", a.Key)
		}
		if seen[a.Key] {
			return fmt.Errorf("notify: action key %q twice", a.Key)
		}
		seen[a.Key] = true
	}
	return nil
}
