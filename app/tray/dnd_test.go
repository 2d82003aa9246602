package tray

import (
	"testing"
	"time"
)

func TestChoiceState(t *testing.T) {
	loc := time.FixedZone("here", 2*3600)
	now := time.Date(2026, 3, 31, 22, 15, 0, 0, loc)
	tests := []struct {
		name   string
		choice Choice
		want   State
	}{
		{"for 1 hour", ChoiceHour, State{On: true, Until: now.Add(time.Hour)}},
		{"until tomorrow is 08:00 the next day, across a month", ChoiceTomorrow, State{On: true, Until: time.Date(2026, 4, 1, 8, 0, 0, 0, loc)}},
		{"until I turn it off", ChoiceUntilTurnedOff, State{On: true}},
		{"turn off", ChoiceOff, State{}},
		{"unknown is off", ChoiceUnknown, State{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.choice.State(now); got.On != tt.want.On || !got.Until.Equal(tt.want.Until) {
				t.Errorf("%v.State = %+v, want %+v", tt.choice, got, tt.want)
			}
		})
	}
}

func TestChoiceString(t *testing.T) {
	for c, want := range map[Choice]string{ChoiceUnknown: "unknown", ChoiceHour: "hour", ChoiceTomorrow: "tomorrow",
		ChoiceUntilTurnedOff: "on", ChoiceOff: "off", Choice(99): "Choice(99)"} {
		if got := c.String(); got != want {
			t.Errorf("Choice(%d).String() = %q, want %q", c, got, want)
		}
	}
}

func TestLabelAndTooltip(t *testing.T) {
	now := time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		s          State
		with       string
		label, tip string
	}{
		{"off", State{}, "", "Do not disturb", "Peerline"},
		{"in a call", State{}, "Grace", "Do not disturb", "Peerline — in a call with Grace"},
		{"until a time today", State{On: true, Until: now.Add(time.Hour)}, "", "Do not disturb (until 16:00)", "Peerline — do not disturb until 16:00"},
		{"until tomorrow", State{On: true, Until: time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC)}, "", "Do not disturb (until Wed 08:00)", "Peerline — do not disturb until Wed 08:00"},
		{"until turned off", State{On: true}, "", "Do not disturb", "Peerline — do not disturb"},
		{"ended is off", State{On: true, Until: now.Add(-time.Minute)}, "", "Do not disturb", "Peerline"},
		{"a call says more than do not disturb", State{On: true}, "Grace", "Do not disturb", "Peerline — in a call with Grace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := label(tt.s, now); got != tt.label {
				t.Errorf("label = %q, want %q", got, tt.label)
			}
			if got := tooltip(tt.with, tt.s, now); got != tt.tip {
				t.Errorf("tooltip = %q, want %q", got, tt.tip)
			}
		})
	}
}
