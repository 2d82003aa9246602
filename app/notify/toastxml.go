package notify

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Toast XML (the Windows toast content schema), built here rather than by
// go-toast's template: the caller's name goes into it, and it must never
// be able to add an element, an attribute or a button.
//
//	<toast launch="ARGS" activationType="foreground" [useButtonStyle="true"] [scenario="incomingCall"] [duration="long"]>
//	  <visual><binding template="ToastGeneric"><text>SUMMARY</text>[<text>BODY</text>]</binding></visual>
//	  <actions>[<action content="LABEL" arguments="ARGS" activationType="foreground" [hint-buttonStyle="Success|Critical"]/>]…</actions>
//	  [<audio src="ms-winsoundevent:Notification.Looping.Call" loop="true"/>]
//	</toast>
//
// Every text and attribute value is plain text (PlainText, cut to the
// limits of text.go) escaped by xmlEscape. The default action is the
// toast's launch arguments (a click on the toast body); the other actions
// are buttons, at most maxToastButtons (Windows shows no more). A call
// (Category CategoryCall) is an incomingCall toast, which stays on screen
// until it is acted on or withdrawn, with the looping call sound, and a
// long one (duration="long": Windows loops the audio only then); any
// other persistent one is a long toast. Accepting and declining buttons
// (Action.Kind) are styled green and red (Windows 11; earlier versions
// ignore the hint). activationType="foreground" for
// every click: a desktop app's COM activator hears all of them, and a
// foreground activation lets the app bring its window to the front.

// CategoryCall is the category of a ringing call's notification (the
// ringer's); on Windows it makes an incomingCall toast.
const CategoryCall = "x-peerline.call.incoming"

// maxToastButtons is the most buttons a toast shows.
const maxToastButtons = 5

// ToastXML is the toast for note shown as id with tag (the Activator's,
// for the click arguments). The note's action keys must fit the click
// arguments (ToastArgs); Show checks that first.
func ToastXML(note Notification, id ID, tag string) (string, error) {
	if err := note.validateToast(); err != nil {
		return "", err
	}
	if !validTag(tag) {
		return "", fmt.Errorf("notify: tag %q: want 1 to %d of [A-Za-z0-9_-]", tag, MaxTagLen)
	}
	args := func(key string) string {
		return ToastArgs{ID: id, Tag: tag, Action: key}.String()
	}
	var b strings.Builder
	b.WriteString(`<toast launch="`)
	b.WriteString(xmlEscape(args(DefaultKey)))
	b.WriteString(`" activationType="foreground"`)
	call := note.Category == CategoryCall
	styled := slices.ContainsFunc(note.Actions, func(a Action) bool { return a.Kind != ActionPlain })
	if styled {
		b.WriteString(` useButtonStyle="true"`)
	}
	if call {
		b.WriteString(` scenario="incomingCall"`)
	}
	if call || note.Persistent {
		// A call's too: Windows loops the audio only on a long toast.
		b.WriteString(` duration="long"`)
	}
	b.WriteString(`><visual><binding template="ToastGeneric"><text>`)
	b.WriteString(xmlEscape(PlainText(note.Summary, MaxSummaryRunes)))
	b.WriteString(`</text>`)
	if body := clean(note.Body, MaxBodyRunes, true); body != "" {
		b.WriteString(`<text>`)
		b.WriteString(xmlEscape(body))
		b.WriteString(`</text>`)
	}
	b.WriteString(`</binding></visual>`)
	buttons := 0
	for _, a := range note.Actions {
		if a.Key == DefaultKey || buttons == maxToastButtons {
			continue
		}
		if buttons == 0 {
			b.WriteString(`<actions>`)
		}
		buttons++
		b.WriteString(`<action content="`)
		b.WriteString(xmlEscape(PlainText(a.Label, MaxLabelRunes)))
		b.WriteString(`" arguments="`)
		b.WriteString(xmlEscape(args(a.Key)))
		b.WriteString(`" activationType="foreground"`)
		switch a.Kind {
		case ActionAccept:
			b.WriteString(` hint-buttonStyle="Success"`)
		case ActionDecline:
			b.WriteString(` hint-buttonStyle="Critical"`)
		}
		b.WriteString(`/>`)
	}
	if buttons > 0 {
		b.WriteString(`</actions>`)
	}
	if call {
		b.WriteString(`<audio src="ms-winsoundevent:Notification.Looping.Call" loop="true"/>`)
	}
	b.WriteString(`</toast>`)
	return b.String(), nil
}

// validateToast checks what a toast's click arguments carry.
func (n *Notification) validateToast() error {
	if err := n.validate(); err != nil {
		return err
	}
	for _, a := range n.Actions {
		if !validActionKey(a.Key) {
			return fmt.Errorf("notify: action key %q: want 1 to %d of [a-z0-9-]", a.Key, MaxActionKeyLen)
		}
	}
	return nil
}

// xmlEscape escapes s for XML text and attribute values alike, and drops
// what XML 1.0 cannot carry at all (most C0 controls, surrogates, U+FFFE
// and U+FFFF): PlainText has dropped those already, this keeps the
// document well-formed whatever it is given.
func xmlEscape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == utf8.RuneError && size == 1:
			// invalid UTF-8: dropped
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\'':
			b.WriteString("&apos;")
		case r == '\n':
			b.WriteString("&#xA;") // kept in attributes, where a raw one reads as a space
		case r == '\t' || r == '\r':
			// dropped: plain text has none
		case r < 0x20, r >= 0xD800 && r <= 0xDFFF, r == 0xFFFE, r == 0xFFFF:
			// not an XML character
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
