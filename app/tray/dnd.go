package tray

import (
	"fmt"
	"github.com/peerline/peerline/app/dnd"
	"time"
)

// State is do-not-disturb as the tray shows it. The zero value is off.
type State struct {
	// On: incoming calls are refused.
	On bool
	// Until is when it turns itself off; zero while On means until it is
	// turned off.
	Until time.Time
}

// Active reports whether do-not-disturb is on at now.
func (s State) Active(now time.Time) bool {
	return s.On && (s.Until.IsZero() || now.Before(s.Until))
}

// DoNotDisturb is the app's do-not-disturb as the tray uses it (the
// calls/store layer has it; main wires it in).
type DoNotDisturb interface {
	// DoNotDisturb returns the current state.
	DoNotDisturb() State
	// SetDoNotDisturb changes it (State{} turns it off).
	SetDoNotDisturb(State) error
}

// Choice is an entry of the Do not disturb submenu.
type Choice uint8

// The submenu's entries, in menu order.
const (
	ChoiceUnknown        Choice = iota // "unknown"
	ChoiceHour                         // "hour": for 1 hour
	ChoiceTomorrow                     // "tomorrow": until tomorrow morning
	ChoiceUntilTurnedOff               // "on": until I turn it off
	ChoiceOff                          // "off": turn it off
)

var choiceNames = [...]string{"unknown", "hour", "tomorrow", "on", "off"}

// String returns the choice's name.
func (c Choice) String() string {
	if int(c) < len(choiceNames) {
		return choiceNames[c]
	}
	return fmt.Sprintf("Choice(%d)", uint8(c))
}

// State returns the state the choice asks for at now.
func (c Choice) State(now time.Time) State {
	switch c {
	case ChoiceHour:
		return State{On: true, Until: now.Add(time.Hour)}
	case ChoiceTomorrow:
		// The same end as the window's "Until tomorrow" (dnd.Tomorrow).
		return State{On: true, Until: dnd.Tomorrow(now)}
	case ChoiceUntilTurnedOff:
		return State{On: true}
	default:
		return State{}
	}
}

// label is the Do not disturb item's text for s at now: it says until
// when (a time today, else the weekday and time).
func label(s State, now time.Time) string {
	if !s.Active(now) || s.Until.IsZero() {
		return "Do not disturb"
	}
	return "Do not disturb (until " + when(s.Until, now) + ")"
}

func when(t, now time.Time) string {
	t = t.In(now.Location())
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("Mon 15:04")
}

// tooltip is the icon's tooltip: the app, and what it is doing.
func tooltip(inCallWith string, s State, now time.Time) string {
	switch {
	case inCallWith != "":
		return "Peerline — in a call with " + inCallWith
	case s.Active(now) && s.Until.IsZero():
		return "Peerline — do not disturb"
	case s.Active(now):
		return "Peerline — do not disturb until " + when(s.Until, now)
	default:
		return "Peerline"
	}
}
