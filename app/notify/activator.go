package notify

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
)

// ErrStaleClick: a click for a notification that is not showing (any
// more): withdrawn, shown by an earlier run of the app, or made up.
var ErrStaleClick = errors.New("notify: click on a notification that is not showing")

// Activator routes clicks that arrive as text (a Windows toast's click
// arguments, a macOS response's identifier and action) to the
// notification they were on. A click can arrive in two places: the
// platform's callback in this process, and another launch of the app that
// the click started and that passes it on over the instance socket
// (package instance). Both call Activate; the app creates one Activator,
// gives it to the instance's hooks and to the Notifier (Options.Activator).
//
// It holds the notifications showing; a click is taken only for one of
// them, with the ID and Tag the click names and an action it has, and only
// once: the notification is forgotten then, as it is when withdrawn.
// Its methods are safe for concurrent use.
type Activator struct {
	log *slog.Logger

	mu    sync.Mutex
	next  ID
	shown map[ID]Notification
}

// NewActivator returns an empty Activator; log nil is slog.Default().
func NewActivator(log *slog.Logger) *Activator {
	if log == nil {
		log = slog.Default()
	}
	return &Activator{log: log, shown: make(map[ID]Notification)}
}

// add records note as showing and returns its new ID (never 0).
func (a *Activator) add(note Notification) ID {
	a.mu.Lock()
	defer a.mu.Unlock()
	for {
		a.next++
		if _, taken := a.shown[a.next]; a.next != 0 && !taken {
			break
		}
	}
	a.shown[a.next] = note
	return a.next
}

// remove forgets id; it reports whether it was showing.
func (a *Activator) remove(id ID) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.shown[id]
	delete(a.shown, id)
	return ok
}

// removeAll forgets every notification and returns their IDs.
func (a *Activator) removeAll() []ID {
	a.mu.Lock()
	defer a.mu.Unlock()
	ids := make([]ID, 0, len(a.shown))
	for id := range a.shown {
		ids = append(ids, id)
	}
	clear(a.shown)
	return ids
}

// Activate takes a toast's click arguments (ParseToastArgs) and runs the
// clicked notification's OnAction, then its OnClosed with CloseDismissed
// (a clicked toast goes away), on the caller's goroutine. A click that
// does not name a showing notification, its Tag and one of its actions is
// an error (ErrToastArgs, ErrStaleClick) and runs nothing.
func (a *Activator) Activate(args string) error {
	ta, err := ParseToastArgs(args)
	if err != nil {
		return err
	}
	return a.activate(ta.ID, ta.Tag, ta.Action)
}

// activate is Activate once the click is parsed.
func (a *Activator) activate(id ID, tag, key string) error {
	a.mu.Lock()
	note, ok := a.shown[id]
	switch {
	case !ok || note.Tag != tag:
		a.mu.Unlock()
		return fmt.Errorf("%w (id %d)", ErrStaleClick, id)
	case !slices.ContainsFunc(note.Actions, func(x Action) bool { return x.Key == key }):
		a.mu.Unlock()
		return fmt.Errorf("notify: click on notification %d: it has no action %q", id, key)
	}
	delete(a.shown, id)
	a.mu.Unlock()
	a.log.Debug("notify: action", "id", uint32(id), "key", key)
	if note.OnAction != nil {
		note.OnAction(key)
	}
	if note.OnClosed != nil {
		note.OnClosed(CloseDismissed)
	}
	return nil
}
