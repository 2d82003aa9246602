package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/app/dnd"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/app/tray"
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

// TestTrayDND: the tray's Do not disturb reads and sets the real switch
// (on a real store): until a time, until turned off, and off.
func TestTrayDND(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "peerline.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sw, err := dnd.New(ctx, dnd.Config{Store: st, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer sw.Close()
	d := trayDND{sw}
	if got := d.DoNotDisturb(); got.On {
		t.Fatalf("on at first: %+v", got)
	}
	until := time.Now().Add(time.Hour).Truncate(time.Second)
	for _, want := range []tray.State{{On: true, Until: until}, {On: true}, {}} {
		if err := d.SetDoNotDisturb(want); err != nil {
			t.Fatal(err)
		}
		got := d.DoNotDisturb()
		if got.On != want.On || !got.Until.Equal(want.Until) {
			t.Errorf("set %+v, the switch says %+v", want, got)
		}
		if sw.Available() == want.On {
			t.Errorf("set %+v: Available = %v", want, sw.Available())
		}
	}
}
