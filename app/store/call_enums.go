package store

// Direction says who placed a call.
type Direction uint8

// Directions.
const (
	DirectionUnknown  Direction = iota
	DirectionOutgoing           // "outgoing": this app placed the call
	DirectionIncoming           // "incoming": the peer placed the call
)

var directionNames = []string{DirectionUnknown: "unknown", DirectionOutgoing: "outgoing", DirectionIncoming: "incoming"}

// String returns the wire string.
func (d Direction) String() string { return enumString(directionNames, d, "Direction") }

// ParseDirection reads a wire string.
func ParseDirection(s string) (Direction, error) {
	return enumParse[Direction](directionNames, s, "direction")
}

// MarshalText implements encoding.TextMarshaler.
func (d Direction) MarshalText() ([]byte, error) { return enumMarshal(directionNames, d, "direction") }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Direction) UnmarshalText(b []byte) (err error) {
	*d, err = ParseDirection(string(b))
	return err
}

// Media is what a call carried when it started.
type Media uint8

// Media kinds.
const (
	MediaUnknown Media = iota
	MediaAudio         // "audio"
	MediaVideo         // "video"
)

var mediaNames = []string{MediaUnknown: "unknown", MediaAudio: "audio", MediaVideo: "video"}

// String returns the wire string.
func (m Media) String() string { return enumString(mediaNames, m, "Media") }

// ParseMedia reads a wire string.
func ParseMedia(s string) (Media, error) { return enumParse[Media](mediaNames, s, "media") }

// MarshalText implements encoding.TextMarshaler.
func (m Media) MarshalText() ([]byte, error) { return enumMarshal(mediaNames, m, "media") }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *Media) UnmarshalText(b []byte) (err error) {
	*m, err = ParseMedia(string(b))
	return err
}

// Outcome is how a call ended, from this side's point of view. The two
// ends of one call can record different outcomes: a caller who gives up
// records cancelled, the callee records missed.
type Outcome uint8

// Outcomes. "Answered" means the callee accepted; only completed and
// failed calls can have been answered.
const (
	OutcomeUnknown Outcome = iota
	// OutcomeOngoing ("ongoing"): not ended yet; EndedAt is zero.
	OutcomeOngoing
	// OutcomeCompleted ("completed"): answered, then hung up by either side.
	OutcomeCompleted
	// OutcomeMissed ("missed"): incoming, never answered here (the caller
	// gave up or the ring timed out).
	OutcomeMissed
	// OutcomeDeclined ("declined"): the callee said no (recorded on both
	// sides).
	OutcomeDeclined
	// OutcomeBusy ("busy"): the callee was in another call.
	OutcomeBusy
	// OutcomeCancelled ("cancelled"): outgoing, this side hung up before
	// an answer.
	OutcomeCancelled
	// OutcomeNoAnswer ("no_answer"): outgoing, nobody answered within the
	// ring timeout.
	OutcomeNoAnswer
	// OutcomeUnavailable ("unavailable"): outgoing, the peer could not be
	// reached or cannot take calls (offline, no route, no devices).
	OutcomeUnavailable
	// OutcomeFailed ("failed"): signaling, ICE or media failed, before or
	// after an answer; Call.Error says why.
	OutcomeFailed
	// OutcomeInterrupted ("interrupted"): the app stopped (crash, kill,
	// power loss) during the call; the end time is unknown, so EndedAt is
	// set to the answer (or start) time. Open sets it; callers never do.
	OutcomeInterrupted
)

var outcomeNames = []string{
	OutcomeUnknown:     "unknown",
	OutcomeOngoing:     "ongoing",
	OutcomeCompleted:   "completed",
	OutcomeMissed:      "missed",
	OutcomeDeclined:    "declined",
	OutcomeBusy:        "busy",
	OutcomeCancelled:   "cancelled",
	OutcomeNoAnswer:    "no_answer",
	OutcomeUnavailable: "unavailable",
	OutcomeFailed:      "failed",
	OutcomeInterrupted: "interrupted",
}

// String returns the wire string.
func (o Outcome) String() string { return enumString(outcomeNames, o, "Outcome") }

// ParseOutcome reads a wire string.
func ParseOutcome(s string) (Outcome, error) { return enumParse[Outcome](outcomeNames, s, "outcome") }

// MarshalText implements encoding.TextMarshaler.
func (o Outcome) MarshalText() ([]byte, error) { return enumMarshal(outcomeNames, o, "outcome") }

// UnmarshalText implements encoding.TextUnmarshaler.
func (o *Outcome) UnmarshalText(b []byte) (err error) {
	*o, err = ParseOutcome(string(b))
	return err
}

// final reports whether o ends a call (everything but unknown and
// ongoing).
func (o Outcome) final() bool {
	return o > OutcomeOngoing && int(o) < len(outcomeNames)
}

// answerable reports whether a call with this outcome may have an answer
// time.
func (o Outcome) answerable() bool {
	switch o {
	case OutcomeOngoing, OutcomeCompleted, OutcomeFailed, OutcomeInterrupted:
		return true
	}
	return false
}
