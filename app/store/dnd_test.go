package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestDoNotDisturbRoundTrip(t *testing.T) {
	until := time.UnixMilli(1_800_000_000_123)
	tests := []struct {
		name string
		put  DoNotDisturb
		want DoNotDisturb
	}{
		{"off", DoNotDisturb{}, DoNotDisturb{}},
		{"until a time", DoNotDisturb{On: true, Until: until}, DoNotDisturb{On: true, Until: until}},
		{"until turned off", DoNotDisturb{On: true}, DoNotDisturb{On: true}},
		{"off forgets the time", DoNotDisturb{Until: until}, DoNotDisturb{}},
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.PutDoNotDisturb(ctx, tc.put); err != nil {
				t.Fatal(err)
			}
			s.Close()
			// Read back after a reopen: it is on disk, not in memory.
			s, err = Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got, err := s.DoNotDisturb(ctx)
			if err != nil || got.On != tc.want.On || !got.Until.Equal(tc.want.Until) {
				t.Fatalf("DoNotDisturb() = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

func TestDoNotDisturbNoneSaved(t *testing.T) {
	got, err := openTest(t).DoNotDisturb(context.Background())
	if err != nil || got != (DoNotDisturb{}) {
		t.Fatalf("DoNotDisturb() on a new store = %+v, %v; want off", got, err)
	}
}

// The UI puts the whole Settings document it loaded; that must not touch
// do not disturb, which the tray may have changed meanwhile.
func TestDoNotDisturbApartFromSettings(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if err := s.PutDoNotDisturb(ctx, DoNotDisturb{On: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutSettings(ctx, fullSettings()); err != nil {
		t.Fatal(err)
	}
	if got, err := s.DoNotDisturb(ctx); err != nil || !got.On {
		t.Fatalf("after PutSettings: %+v, %v; want on", got, err)
	}
}

// A damaged document reads as off: calls ring rather than vanish.
func TestDoNotDisturbDamaged(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, raw := range []string{`[]`, `{"on":"yes"}`, `{"on":true,"until":-5}`} {
		if _, err := s.w.ExecContext(ctx, `INSERT INTO settings (key, version, value, updated_at) VALUES (?, 1, ?, 0)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, dndKey, raw); err != nil {
			t.Fatal(err)
		}
		if got, err := s.DoNotDisturb(ctx); err != nil || got.On {
			t.Errorf("stored %s: DoNotDisturb() = %+v, %v; want off", raw, got, err)
		}
	}
}
