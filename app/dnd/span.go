package dnd

import (
	"fmt"
	"time"
)

// Span is how long do not disturb lasts when it is turned on.
type Span uint8

// The spans the UI and the tray offer.
const (
	SpanUnknown  Span = iota
	SpanHour          // "hour": for one hour
	SpanTomorrow      // "tomorrow": until tomorrow morning (Tomorrow)
	SpanForever       // "until_off": until turned off
)

var spanNames = [...]string{SpanUnknown: "unknown", SpanHour: "hour", SpanTomorrow: "tomorrow", SpanForever: "until_off"}

// String returns the wire name.
func (s Span) String() string {
	if int(s) < len(spanNames) {
		return spanNames[s]
	}
	return fmt.Sprintf("Span(%d)", uint8(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s Span) MarshalText() ([]byte, error) {
	if s == SpanUnknown || int(s) >= len(spanNames) {
		return nil, fmt.Errorf("dnd: marshal span %d: %w", uint8(s), ErrBadSpan)
	}
	return []byte(spanNames[s]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Span) UnmarshalText(b []byte) error {
	p, err := ParseSpan(string(b))
	if err != nil {
		return err
	}
	*s = p
	return nil
}

// ParseSpan returns the Span named by its wire name.
func ParseSpan(name string) (Span, error) {
	for i := SpanHour; int(i) < len(spanNames); i++ {
		if spanNames[i] == name {
			return i, nil
		}
	}
	return SpanUnknown, fmt.Errorf("dnd: span %.32q: want hour, tomorrow or until_off: %w", name, ErrBadSpan)
}

// Until returns when a switch turned on at now for s ends; the zero time
// for SpanForever (until turned off).
func (s Span) Until(now time.Time) (time.Time, error) {
	switch s {
	case SpanHour:
		return now.Add(time.Hour), nil
	case SpanTomorrow:
		return Tomorrow(now), nil
	case SpanForever:
		return time.Time{}, nil
	}
	return time.Time{}, fmt.Errorf("dnd: span %d: %w", uint8(s), ErrBadSpan)
}

// When "until tomorrow" ends (docs/decisions.md): the next morning at
// MorningHour local time, not midnight, which would ring a person who
// turned it on for the night at 00:00. Before NightEnds it is still the
// night that began yesterday, so "tomorrow" is this morning.
const (
	MorningHour = 8
	NightEnds   = 4
)

// Tomorrow returns the end of "until tomorrow" turned on at now, in now's
// location: MorningHour on the next day, or on the same day before
// NightEnds. time.Date keeps it right across a daylight-saving change.
func Tomorrow(now time.Time) time.Time {
	y, m, d := now.Date()
	if now.Hour() >= NightEnds {
		d++
	}
	return time.Date(y, m, d, MorningHour, 0, 0, 0, now.Location())
}
