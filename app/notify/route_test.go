package notify

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/app/instance"
)

// TestClickFromAnotherLaunch: a click Windows handed to a new launch
// reaches the notification in the running Peerline over the real instance
// socket, once; a replay or a made-up click is refused there, and the
// refusal says nothing of what was sent.
func TestClickFromAnotherLaunch(t *testing.T) {
	dir := t.TempDir()
	act := NewActivator(nil)
	in, err := instance.Claim(dir, slog.New(slog.NewTextHandler(io.Discard, nil)), instance.Hooks{Toast: act.Activate})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	keys := make(chan string, 2)
	note := callToast("Grace")
	note.OnAction = func(k string) { keys <- k }
	id, tag := act.add(note)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	click := ToastArgs{ID: id, Tag: tag, Action: "answer-audio"}.String()
	if err := instance.Toast(ctx, dir, click); err != nil {
		t.Fatal(err)
	}
	if k := <-keys; k != "answer-audio" {
		t.Errorf("key %q", k)
	}
	for _, bad := range []string{click, "v=2&id=1&tag=forged&action=decline", "v=9&whatever"} {
		if err := instance.Toast(ctx, dir, bad); err == nil || strings.Contains(err.Error(), "tag=") {
			t.Errorf("Toast(%q) = %v, want a refusal that does not quote it", bad, err)
		}
	}
	select {
	case k := <-keys:
		t.Errorf("a refused click ran %q", k)
	default:
	}
}
