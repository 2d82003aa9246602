//go:build windows

package notify

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"git.sr.ht/~jackmordaunt/go-toast/v2/wintoast"
	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/registry"
)

// Notifier shows Windows toasts (ToastXML) through go-toast's COM path
// and hears their clicks through its activator, registered under
// Peerline's own CLSID (toast_windows.go). Its methods are safe for
// concurrent use.
//
// What Windows does not report is not reported: a toast the person
// dismisses, or one that times out into the notification centre, runs no
// OnClosed; OnClosed runs after a click only (CloseDismissed).
type Notifier struct {
	opts Options
	log  *slog.Logger
	act  *Activator

	mu     sync.Mutex // serialises Show, Withdraw and Close
	closed bool
}

// toastIconName is the app icon written to the data dir for toasts.
const toastIconName = "toast-icon.png"

// New writes Peerline's toast registration under HKEY_CURRENT_USER
// (toastreg.go: the AppUserModelID, the activator's CLSID and the
// LocalServer32 command line with this executable and data dir) and
// registers the toast activator with COM, so that clicks reach this
// process from now on, and reach it through a new launch (passed on over
// the instance socket) when the activator is not registered.
func New(ctx context.Context, opts Options) (*Notifier, error) {
	opts.defaults()
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("notify: toast registration: %w", err)
	}
	if exe, err = filepath.Abs(exe); err != nil {
		return nil, fmt.Errorf("notify: toast registration: %w", err)
	}
	dataDir := opts.DataDir
	if dataDir != "" {
		if dataDir, err = filepath.Abs(dataDir); err != nil {
			return nil, fmt.Errorf("notify: toast registration: %w", err)
		}
	}
	icon := ""
	if len(opts.IconPNG) > 0 && dataDir != "" {
		icon = filepath.Join(dataDir, toastIconName)
		if err := os.WriteFile(icon, opts.IconPNG, 0o600); err != nil {
			opts.Logger.Debug("notify: toast icon", "err", err)
			icon = ""
		}
	}
	for _, v := range toastRegistry(exe, dataDir, icon, windows.EscapeArg) {
		if err := writeRegistry(v); err != nil {
			return nil, fmt.Errorf("notify: toast registration: %w", err)
		}
	}
	n := &Notifier{opts: opts, log: opts.Logger, act: opts.Activator}
	if err := registerActivator(n.click); err != nil {
		return nil, err
	}
	return n, nil
}

// writeRegistry sets one value under HKEY_CURRENT_USER.
func writeRegistry(v regValue) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, v.key, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("%s: %w", v.key, err)
	}
	defer k.Close()
	if err := k.SetStringValue(v.name, v.data); err != nil {
		return fmt.Errorf(`%s\%s: %w`, v.key, v.name, err)
	}
	return nil
}

// click is a click the activator heard in this process.
func (n *Notifier) click(args string) {
	if err := n.act.Activate(args); err != nil {
		n.log.Warn("notify: toast click ignored", "err", err)
	}
}

// Capabilities: toasts show buttons; they read no markup (the XML is
// built here, every text escaped).
func (n *Notifier) Capabilities() Capabilities {
	return Capabilities{Actions: true, Server: "Windows toast notifications", Raw: []string{"actions"}}
}

// Show shows note as a toast and returns its id. Its action keys must fit
// the click arguments (ToastArgs).
func (n *Notifier) Show(ctx context.Context, note Notification) (ID, error) {
	if err := note.validateToast(); err != nil {
		return 0, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return 0, ErrClosed
	}
	id, tag := n.act.add(note)
	x, err := ToastXML(note, id, tag)
	if err == nil {
		// On the COM thread (inMTA), where the activator is registered:
		// not the caller's, which may be the window's STA or any thread.
		err = inMTA(ctx, func() error {
			err := wintoast.Push(ToastAppID, x)
			if err != nil && strings.Contains(err.Error(), "RoInitialize") {
				// go-toast initialises the Runtime once, on the thread of
				// its first Push, and fails that Push if the thread was
				// initialised already (S_FALSE, as inMTA's is); it does not
				// try again, so the next one works.
				err = wintoast.Push(ToastAppID, x)
			}
			return err
		})
	}
	if err != nil {
		n.act.remove(id)
		return 0, fmt.Errorf("notify: show: %w", err)
	}
	return id, nil
}

// Withdraw takes the toast down, from the screen and the notification
// centre; a click on it from now on is refused. No OnClosed runs.
func (n *Notifier) Withdraw(ctx context.Context, id ID) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	n.act.remove(id)
	if err := clearToasts(ctx); err != nil {
		return fmt.Errorf("notify: withdraw %d: %w", id, err)
	}
	return nil
}

// Close withdraws the toasts still showing and stops taking clicks in
// this process (the activator stays registered with COM until the process
// ends, and drops them).
func (n *Notifier) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	registerActivator(nil)
	if len(n.act.removeAll()) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := clearToasts(ctx); err != nil {
			return fmt.Errorf("notify: close: %w", err)
		}
	}
	return nil
}
