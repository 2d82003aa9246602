package ringer

import (
	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/notify"
)

// CallerName is the caller as the notification names them: the name the
// call carries (the contact's name for a contact, else the one the
// caller announced), made plain and cut to MaxNameRunes. A stranger
// using a contact's name is said to be someone else, as the window says.
func CallerName(c calls.Info) string {
	name := notify.PlainText(c.PeerName, MaxNameRunes)
	if name == "" {
		name = "Someone"
	}
	if c.SameNameAs != "" {
		return "Someone using " + notify.PlainText(c.SameNameAs, MaxNameRunes) + "’s name"
	}
	return name
}

// Notification is the notification for a ringing call, without its
// callbacks: "Grace is calling", what kind of call, whether the caller's
// key is verified, and the buttons.
func Notification(c calls.Info) notify.Notification {
	video := offersVideo(c)
	kind := "Audio call"
	if video {
		kind = "Video call"
	}
	body := kind
	if !c.Verified {
		body += " · not a verified contact"
	}
	accept := notify.ActionAccept
	actions := []notify.Action{{Key: KeyShow, Label: "Show"}, {Key: KeyAnswerVideo, Label: "Answer", Kind: accept}}
	if video {
		actions = append(actions, notify.Action{Key: KeyAnswerAudio, Label: "Audio only", Kind: accept})
	}
	actions = append(actions, notify.Action{Key: KeyDecline, Label: "Decline", Kind: notify.ActionDecline})
	return notify.Notification{
		Summary:    CallerName(c) + " is calling",
		Body:       body,
		Actions:    actions,
		Urgency:    notify.UrgencyCritical,
		Persistent: true,                // withdrawn when the call stops ringing
		Category:   notify.CategoryCall, // an incomingCall toast on Windows
		Sound:      "phone-incoming-call",
		// No tag from the call: the Notifier tags the notification with
		// a random one of its own (a call id has '.' and ':' a toast's
		// click arguments do not carry).
	}
}
