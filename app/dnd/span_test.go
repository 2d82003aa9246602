package dnd

import (
	"errors"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin's daylight-saving change, on any machine
)

func TestSpanNames(t *testing.T) {
	for s := SpanHour; int(s) < len(spanNames); s++ {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatalf("%d: %v", s, err)
		}
		var back Span
		if err := back.UnmarshalText(b); err != nil || back != s {
			t.Errorf("%q parses back as %v, %v", b, back, err)
		}
	}
	for _, bad := range []string{"", "unknown", "week", "HOUR"} {
		if _, err := ParseSpan(bad); !errors.Is(err, ErrBadSpan) {
			t.Errorf("ParseSpan(%q) = %v, want ErrBadSpan", bad, err)
		}
	}
	if _, err := SpanUnknown.MarshalText(); err == nil {
		t.Error("SpanUnknown marshals")
	}
}

func TestTomorrow(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, berlin)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name, now, want string
	}{
		{"afternoon", "2026-12-03 14:30", "2026-12-04 08:00"},
		{"late evening", "2026-12-03 23:59", "2026-12-04 08:00"},
		{"just after midnight is still tonight", "2026-12-04 00:30", "2026-12-04 08:00"},
		{"the night ends at four", "2026-12-04 03:59", "2026-12-04 08:00"},
		{"early morning is the new day", "2026-12-04 04:00", "2026-12-05 08:00"},
		{"after eight", "2026-12-04 09:00", "2026-12-05 08:00"},
		{"end of month", "2026-12-31 20:00", "2027-01-01 08:00"},
		{"over the spring change (23 h night)", "2027-03-27 22:00", "2027-03-28 08:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Tomorrow(at(tc.now))
			if !got.Equal(at(tc.want)) || got.Location() != berlin {
				t.Fatalf("Tomorrow(%s) = %s, want %s Berlin time", tc.now, got, tc.want)
			}
		})
	}
}

func TestSpanUntil(t *testing.T) {
	now := time.Date(2026, 12, 3, 14, 30, 0, 0, time.UTC)
	tests := []struct {
		span Span
		want time.Time
		err  error
	}{
		{SpanHour, now.Add(time.Hour), nil},
		{SpanTomorrow, time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC), nil},
		{SpanForever, time.Time{}, nil},
		{SpanUnknown, time.Time{}, ErrBadSpan},
	}
	for _, tc := range tests {
		t.Run(tc.span.String(), func(t *testing.T) {
			got, err := tc.span.Until(now)
			if !errors.Is(err, tc.err) || !got.Equal(tc.want) {
				t.Fatalf("Until = %s, %v; want %s, %v", got, err, tc.want, tc.err)
			}
		})
	}
}
