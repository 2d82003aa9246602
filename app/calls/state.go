package calls

import "fmt"

// State is a call's state. The zero value StateIdle means no call.
type State uint8

// Call states.
const (
	StateIdle         State = iota // "idle": no call
	StateCalling                   // "calling": invite sent, the callee has not rung yet
	StateRinging                   // "ringing": the callee is alerting (both sides)
	StateConnecting                // "connecting": accepted; media being set up
	StateConnected                 // "connected": media flows
	StateReconnecting              // "reconnecting": media path lost, ICE restarting
	StateEnded                     // "ended": over; see Outcome
)

var stateNames = [...]string{"idle", "calling", "ringing", "connecting", "connected", "reconnecting", "ended"}

// String returns the wire name.
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Live reports whether the call still occupies the line.
func (s State) Live() bool { return s != StateIdle && s != StateEnded }

// Direction says who placed the call.
type Direction uint8

// Directions.
const (
	DirectionUnknown  Direction = iota
	DirectionOutgoing           // "outgoing"
	DirectionIncoming           // "incoming"
)

// String returns the wire name.
func (d Direction) String() string {
	switch d {
	case DirectionOutgoing:
		return "outgoing"
	case DirectionIncoming:
		return "incoming"
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Outcome says how a call ended.
type Outcome uint8

// Outcomes, as history records them.
const (
	OutcomeUnknown     Outcome = iota
	OutcomeCompleted           // "completed": connected, then hung up
	OutcomeMissed              // "missed": rang out or the caller gave up (callee's view)
	OutcomeDeclined            // "declined": the callee said no
	OutcomeBusy                // "busy": the callee was in another call
	OutcomeCancelled           // "cancelled": the caller gave up before an answer (caller's view)
	OutcomeNoAnswer            // "no_answer": rang out (caller's view)
	OutcomeUnavailable         // "unavailable": offline, blocked, or held for a changed key
	OutcomeFailed              // "failed": the link or the media never worked
)

var outcomeNames = [...]string{"unknown", "completed", "missed", "declined", "busy", "cancelled", "no_answer", "unavailable", "failed"}

// String returns the wire name.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// MarshalText implements encoding.TextMarshaler.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// ParseOutcome maps a wire name to its Outcome (OutcomeUnknown if none).
func ParseOutcome(s string) Outcome {
	for i, n := range outcomeNames {
		if n == s {
			return Outcome(i)
		}
	}
	return OutcomeUnknown
}

// Admission is what the trust layer says about a peer that rings.
type Admission uint8

// Admissions.
const (
	AdmitUnknown  Admission = iota // never seen: may ring, shown unverified; key pinned on accept
	AdmitVerified                  // key matches the pinned one
	HoldChanged                    // key differs from the pinned one: held until the user accepts it
	RefuseBlocked                  // the user blocked this peer
)

// String returns a readable name.
func (a Admission) String() string {
	return [...]string{"unknown", "verified", "changed", "blocked"}[min(int(a), 3)]
}
