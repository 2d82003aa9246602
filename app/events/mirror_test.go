package events

import (
	"testing"

	"github.com/peerline/peerline/internal/tsmirror"
)

// The frontend mirrors the event names once, in
// frontend/src/lib/backend/events.ts. This keeps the two in step.
func TestTypeScriptMirror(t *testing.T) {
	var ts []string
	for _, e := range tsmirror.Object(t, "../../frontend/src/lib/backend/events.ts", "EventName") {
		ts = append(ts, e.Value)
	}
	names := Names()
	if len(ts) != len(names) {
		t.Fatalf("TypeScript lists %d events, Go %d:\nTS %q\nGo %q", len(ts), len(names), ts, names)
	}
	for i, n := range names {
		if ts[i] != string(n) {
			t.Errorf("event %d: TypeScript %q, Go %q", i, ts[i], n)
		}
	}
}
