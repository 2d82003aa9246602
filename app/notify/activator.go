package notify

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
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
// It holds the notifications showing, each with a random tag of its own
// (never the call id, which comes from the caller); a click is taken only
// for one of them, with the ID and tag the click names and an action it has, and only
// once: the notification is forgotten then, as it is when withdrawn.
// Its methods are safe for concurrent use.
type Activator struct {
	log *slog.Logger

	mu    sync.Mutex
	next  ID
	shown map[ID]showing
}

// showing is a notification showing and its tag (newTag).
type showing struct {
	note Notification
	tag  string
}

// NewActivator returns an empty Activator; log nil is slog.Default().
func NewActivator(log *slog.Logger) *Activator {
	if log == nil {
		log = slog.Default()
	}
	return &Activator{log: log, shown: make(map[ID]showing)}
}

// add records note as showing and returns its new ID (never 0) and its
// new random tag, which the click arguments carry with the ID.
func (a *Activator) add(note Notification) (ID, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for {
		a.next++
		if _, taken := a.shown[a.next]; a.next != 0 && !taken {
			break
		}
	}
	tag := newTag()
	a.shown[a.next] = showing{note: note, tag: tag}
	return a.next, tag
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
// does not name a showing notification, its tag and one of its actions is
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
	s, ok := a.shown[id]
	note := s.note
	switch {
	case !ok || s.tag != tag:
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

// wailsDefaultAction is the action Wails reports for a click on a macOS
// notification itself (Apple's UNNotificationDefaultActionIdentifier).
const wailsDefaultAction = "DEFAULT_ACTION"

// appleIdent is a macOS notification's identifier: "peerline.ID.TAG",
// the click arguments' ID and tag (the response names only it and the
// action).
func appleIdent(id ID, tag string) string {
	return "peerline." + strconv.FormatUint(uint64(id), 10) + "." + tag
}

// Respond takes a macOS notification response, as Wails reports it: the
// notification's identifier (appleIdent) and the action's identifier,
// "DEFAULT_ACTION" for a click on the notification itself. It runs the
// callbacks as Activate does, with the same checks.
func (a *Activator) Respond(ident, action string) error {
	_, err := a.respond(ident, action)
	return err
}

// respond is Respond; it returns the notification's ID.
func (a *Activator) respond(ident, action string) (ID, error) {
	rest, ok := strings.CutPrefix(ident, "peerline.")
	idText, tag, ok2 := strings.Cut(rest, ".")
	id, ok3 := parseID(idText)
	if !ok || !ok2 || !ok3 || !validTag(tag) {
		return 0, fmt.Errorf("%w: identifier %.80q", ErrToastArgs, ident)
	}
	if action == wailsDefaultAction {
		action = DefaultKey
	}
	if !validActionKey(action) {
		return 0, fmt.Errorf("%w: action %.40q", ErrToastArgs, action)
	}
	return id, a.activate(id, tag, action)
}
