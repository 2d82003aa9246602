package signaling

import "fmt"

// Media is a kind of media a call carries.
type Media uint8

// Media kinds.
const (
	MediaUnknown Media = iota
	MediaAudio         // "audio"
	MediaVideo         // "video"
)

var mediaNames = [...]string{MediaUnknown: "unknown", MediaAudio: "audio", MediaVideo: "video"}

// String returns the wire name.
func (m Media) String() string {
	if int(m) < len(mediaNames) {
		return mediaNames[m]
	}
	return fmt.Sprintf("Media(%d)", uint8(m))
}

// MarshalText implements encoding.TextMarshaler.
func (m Media) MarshalText() ([]byte, error) {
	if m == MediaUnknown || int(m) >= len(mediaNames) {
		return nil, fmt.Errorf("signaling: marshal media %d: %w", uint8(m), ErrBadMessage)
	}
	return []byte(mediaNames[m]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *Media) UnmarshalText(b []byte) error {
	for i := MediaAudio; int(i) < len(mediaNames); i++ {
		if mediaNames[i] == string(b) {
			*m = i
			return nil
		}
	}
	return errorf(CodeBadMessage, "media %.32q: want audio or video", b)
}

// Reason says why a callee rejected a call, or why a side hung up a call
// that never connected.
type Reason uint8

// Reject reasons.
const (
	ReasonUnknown     Reason = iota
	ReasonBusy               // "busy": already in a call
	ReasonDeclined           // "declined": the person said no
	ReasonUnavailable        // "unavailable": cannot take calls (no devices, blocked, do not disturb)
	ReasonTimeout            // "timeout": nobody answered in time
	// ReasonConnectionFailed is "connection_failed": the media path never
	// came up (ICE failed or found no route in time). Hangup only.
	ReasonConnectionFailed
)

var reasonNames = [...]string{ReasonUnknown: "unknown", ReasonBusy: "busy", ReasonDeclined: "declined",
	ReasonUnavailable: "unavailable", ReasonTimeout: "timeout", ReasonConnectionFailed: "connection_failed"}

// String returns the wire name.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// MarshalText implements encoding.TextMarshaler.
func (r Reason) MarshalText() ([]byte, error) {
	if r == ReasonUnknown || int(r) >= len(reasonNames) {
		return nil, fmt.Errorf("signaling: marshal reason %d: %w", uint8(r), ErrBadMessage)
	}
	return []byte(reasonNames[r]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Reason) UnmarshalText(b []byte) error {
	for i := ReasonBusy; int(i) < len(reasonNames); i++ {
		if reasonNames[i] == string(b) {
			*r = i
			return nil
		}
	}
	return errorf(CodeBadMessage, "reason %.32q: want busy, declined, unavailable, timeout or connection_failed", b)
}

// Detail narrows a reject's Reason, for the caller's words: the reason
// alone decides how the call ends. It is new in version 1 of the protocol
// without a version bump (the field is optional and ignored by older
// receivers), so a receiver must read an unknown detail as none:
// UnmarshalText never fails.
type Detail uint8

// Reject details.
const (
	DetailNone Detail = iota
	// DetailDoNotDisturb is "do_not_disturb": the callee turned on do not
	// disturb. Sent with ReasonUnavailable, which is what a receiver that
	// does not know the detail shows.
	DetailDoNotDisturb
	// DetailCallFull is "call_full": the group call the invite would join
	// has MaxGroupSize people already. Sent with ReasonBusy, which is what
	// a receiver that does not know the detail shows.
	DetailCallFull
)

var detailNames = [...]string{DetailNone: "none", DetailDoNotDisturb: "do_not_disturb", DetailCallFull: "call_full"}

// String returns the wire name.
func (d Detail) String() string {
	if int(d) < len(detailNames) {
		return detailNames[d]
	}
	return fmt.Sprintf("Detail(%d)", uint8(d))
}

// MarshalText implements encoding.TextMarshaler. DetailNone is not sent
// (the field is omitted).
func (d Detail) MarshalText() ([]byte, error) {
	if d == DetailNone || int(d) >= len(detailNames) {
		return nil, fmt.Errorf("signaling: marshal detail %d: %w", uint8(d), ErrBadMessage)
	}
	return []byte(detailNames[d]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler: a name this build
// does not know is DetailNone, not an error, so a newer peer's detail
// never makes its reject unreadable.
func (d *Detail) UnmarshalText(b []byte) error {
	*d = DetailNone
	for i := DetailDoNotDisturb; int(i) < len(detailNames); i++ {
		if detailNames[i] == string(b) {
			*d = i
		}
	}
	return nil
}

// DescriptionKind is the kind of a session description.
type DescriptionKind uint8

// Session description kinds.
const (
	KindUnknown DescriptionKind = iota
	KindOffer                   // "offer"
	KindAnswer                  // "answer"
)

var kindNames = [...]string{KindUnknown: "unknown", KindOffer: "offer", KindAnswer: "answer"}

// String returns the wire name.
func (k DescriptionKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("DescriptionKind(%d)", uint8(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k DescriptionKind) MarshalText() ([]byte, error) {
	if k == KindUnknown || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("signaling: marshal description kind %d: %w", uint8(k), ErrBadMessage)
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *DescriptionKind) UnmarshalText(b []byte) error {
	for i := KindOffer; int(i) < len(kindNames); i++ {
		if kindNames[i] == string(b) {
			*k = i
			return nil
		}
	}
	return errorf(CodeBadMessage, "kind %.32q: want offer or answer", b)
}
