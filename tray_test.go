package main

import (
	"strings"
	"testing"
)

func TestQuitQuestion(t *testing.T) {
	tests := []struct {
		name, goos, with string
		wantDefault      string
		wantQuit, wantNo string // the answers that quit and that keep running
	}{
		{"linux: Yes and No, No by default", "linux", "Grace", "No", "Yes", "No"},
		{"windows: Yes and No, No by default", "windows", "Grace", "No", "Yes", "No"},
		{"macOS: named buttons, Cancel by default", "darwin", "Grace", "Cancel", "Quit", "Cancel"},
		{"a dismissed dialog keeps running", "linux", "", "No", "Yes", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := quitQuestion(tt.goos, tt.with)
			if o.DefaultButton != tt.wantDefault {
				t.Errorf("default button %q, want %q", o.DefaultButton, tt.wantDefault)
			}
			if tt.with != "" && !strings.Contains(o.Message, tt.with) {
				t.Errorf("message %q does not name %s", o.Message, tt.with)
			}
			if !quitConfirmed(tt.wantQuit) || quitConfirmed(tt.wantNo) || quitConfirmed(o.DefaultButton) {
				t.Errorf("quitConfirmed: %q should quit, %q and the default %q should not", tt.wantQuit, tt.wantNo, o.DefaultButton)
			}
		})
	}
}
