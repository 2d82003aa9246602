//go:build darwin

package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// Notifier shows macOS user notifications through Wails v2's own
// notification support (UNUserNotificationCenter, in
// wails/v2/internal/frontend/desktop/darwin): the actions are a
// notification category registered for each set of buttons; Wails reports
// a click as the notification's identifier and the action's identifier
// (Activator.Respond). It needs the window's runtime (Options.Window) and
// an app bundle with a bundle identifier (wails build makes one); the
// first start asks the person to allow notifications.
//
// What macOS does not report through Wails is not reported: a
// notification the person dismisses runs no OnClosed; OnClosed runs after
// a click only (CloseDismissed).
type Notifier struct {
	opts Options
	log  *slog.Logger
	act  *Activator
	ctx  context.Context // ends with Close: stops a setup still waiting
	stop context.CancelFunc

	mu         sync.Mutex
	wctx       context.Context // the window's runtime, once set up
	setupErr   error           // why notifications cannot be shown at all, if so
	authorized bool            // the person allowed them (checked again while not)
	categories map[string]bool // registered categories
	idents     map[ID]string   // the notifications showing
	closed     bool
}

// New returns a Notifier that sets itself up once the window has started
// (Options.Window): a ring before then is an error from Show, and rings
// in the window alone. Headless (no Window) is ErrNotSupported.
func New(ctx context.Context, opts Options) (*Notifier, error) {
	opts.defaults()
	if opts.Window == nil {
		return nil, fmt.Errorf("notify: macOS notifications go through the window, and there is none: %w", ErrNotSupported)
	}
	nctx, stop := context.WithCancel(context.Background())
	n := &Notifier{opts: opts, log: opts.Logger, act: opts.Activator, ctx: nctx, stop: stop,
		categories: make(map[string]bool), idents: make(map[ID]string)}
	go n.setup()
	return n, nil
}

// setup initialises Wails's notifications once the window is up and asks
// for permission (the person's answer can take minutes: it runs here, not
// in Show). A refusal, or a request that failed or timed out, is not kept
// for the run: Show checks again at the next ring (checkAuthLocked), as
// the person may allow notifications in System Settings meanwhile.
func (n *Notifier) setup() {
	wctx, err := n.opts.Window.wait(n.ctx)
	if err != nil {
		return // closed first
	}
	if err := runtime.InitializeNotifications(wctx); err != nil {
		n.mu.Lock()
		n.setupErr = fmt.Errorf("notify: macOS: %w", err)
		n.mu.Unlock()
		n.log.Warn("notify: incoming calls will not show a notification", "err", err)
		return
	}
	runtime.OnNotificationResponse(wctx, n.response)
	n.mu.Lock()
	n.wctx = wctx
	for _, as := range n.opts.Categories {
		if err := n.registerLocked(as); err != nil {
			n.log.Warn("notify: macOS: category not registered; tried again at Show", "err", err)
		}
	}
	n.mu.Unlock()
	allowed, err := runtime.RequestNotificationAuthorization(wctx)
	n.mu.Lock()
	defer n.mu.Unlock()
	n.authorized = err == nil && allowed
	if !n.authorized {
		n.log.Warn("notify: notifications not allowed (yet); asked again at the next ring", "err", err)
		return
	}
	n.log.Info("notify: macOS user notifications ready")
}

// checkAuthLocked reports whether notifications are allowed, asking
// macOS again (a quick check, no prompt) when they were not: refused at
// setup, or the request timed out. n.mu is held.
func (n *Notifier) checkAuthLocked() error {
	if n.authorized {
		return nil
	}
	allowed, err := runtime.CheckNotificationAuthorization(n.wctx)
	if err != nil {
		return fmt.Errorf("notify: macOS: authorization: %w", err)
	}
	if !allowed {
		return errors.New("notify: macOS: the person did not allow Peerline's notifications (System Settings, Notifications)")
	}
	n.authorized = true
	return nil
}

// response is a click Wails reports (on its own goroutine).
func (n *Notifier) response(r runtime.NotificationResult) {
	if r.Error != nil {
		n.log.Warn("notify: notification response", "err", r.Error)
		return
	}
	id, err := n.act.respond(r.Response.ID, r.Response.ActionIdentifier)
	if err != nil {
		n.log.Warn("notify: notification click ignored", "err", err)
		return
	}
	n.mu.Lock()
	delete(n.idents, id)
	n.mu.Unlock()
}

// Capabilities: buttons, plain text.
func (n *Notifier) Capabilities() Capabilities {
	return Capabilities{Actions: true, Server: "macOS user notifications (Wails)", Raw: []string{"actions"}}
}

// Show shows note; it fails until the window is up and the person has
// allowed notifications.
func (n *Notifier) Show(ctx context.Context, note Notification) (ID, error) {
	if err := note.validateToast(); err != nil {
		return 0, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	switch {
	case n.closed:
		return 0, ErrClosed
	case n.setupErr != nil:
		return 0, n.setupErr
	case n.wctx == nil:
		return 0, errors.New("notify: macOS: notifications are not set up yet (the window is starting)")
	}
	if err := n.checkAuthLocked(); err != nil {
		return 0, err
	}
	if err := n.registerLocked(note.Actions); err != nil {
		return 0, fmt.Errorf("notify: show: %w", err)
	}
	category, actions := appleCategory(note.Actions)
	id, tag := n.act.add(note)
	ident := appleIdent(id, tag)
	opts := runtime.NotificationOptions{ID: ident, Title: PlainText(note.Summary, MaxSummaryRunes),
		Body: clean(note.Body, MaxBodyRunes, true)}
	var err error
	if len(actions) > 0 {
		opts.CategoryID = category
		err = runtime.SendNotificationWithActions(n.wctx, opts)
	} else {
		err = runtime.SendNotification(n.wctx, opts)
	}
	if err != nil {
		n.act.remove(id)
		return 0, fmt.Errorf("notify: show: %w", err)
	}
	n.idents[id] = ident
	return id, nil
}

// registerLocked registers the category of a set of buttons, once; n.mu
// is held and n.wctx set.
func (n *Notifier) registerLocked(as []Action) error {
	category, actions := appleCategory(as)
	if len(actions) == 0 || n.categories[category] {
		return nil
	}
	if err := runtime.RegisterNotificationCategory(n.wctx, runtime.NotificationCategory{ID: category, Actions: actions}); err != nil {
		return fmt.Errorf("category %s: %w", category, err)
	}
	n.categories[category] = true
	return nil
}

// appleCategory is the category for a set of buttons: its id names the
// keys, and the default action is the click on the notification, no
// button.
func appleCategory(as []Action) (string, []runtime.NotificationAction) {
	keys := []string{"peerline"}
	var actions []runtime.NotificationAction
	for _, a := range as {
		if a.Key == DefaultKey {
			continue
		}
		keys = append(keys, a.Key)
		actions = append(actions, runtime.NotificationAction{ID: a.Key, Title: PlainText(a.Label, MaxLabelRunes),
			Destructive: a.Kind == ActionDecline})
	}
	return strings.Join(keys, "."), actions
}

// Withdraw removes the notification from the screen and the notification
// centre; a click on it from now on is refused. No OnClosed runs.
func (n *Notifier) Withdraw(ctx context.Context, id ID) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	return n.withdrawLocked(id)
}

func (n *Notifier) withdrawLocked(id ID) error {
	n.act.remove(id)
	ident, ok := n.idents[id]
	delete(n.idents, id)
	if !ok || n.wctx == nil {
		return nil
	}
	if err := runtime.RemoveDeliveredNotification(n.wctx, ident); err != nil {
		return fmt.Errorf("notify: withdraw %d: %w", id, err)
	}
	if err := runtime.RemovePendingNotification(n.wctx, ident); err != nil {
		return fmt.Errorf("notify: withdraw %d: %w", id, err)
	}
	return nil
}

// Close withdraws the notifications still showing.
func (n *Notifier) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	n.stop()
	var errs []error
	for id := range n.idents {
		errs = append(errs, n.withdrawLocked(id))
	}
	return errors.Join(errs...)
}
