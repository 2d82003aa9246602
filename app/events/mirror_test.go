package events

import (
	"os"
	"regexp"
	"testing"
)

// The frontend mirrors the event names once, in
// frontend/src/lib/backend/events.ts. This keeps the two in step.
func TestTypeScriptMirror(t *testing.T) {
	src, err := os.ReadFile("../../frontend/src/lib/backend/events.ts")
	if err != nil {
		t.Fatalf("read the TypeScript mirror: %v", err)
	}
	re := regexp.MustCompile(`(?m)^\s*(\w+):\s*'([^']+)',\s*$`)
	var ts []string
	for _, m := range re.FindAllSubmatch(src, -1) {
		ts = append(ts, string(m[2]))
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
