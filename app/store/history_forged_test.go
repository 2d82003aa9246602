package store

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Group ids are no secret (everyone ever added has one), and the caller
// picks an incoming call's id. A call from someone else whose id is a
// group id must not take over that group's entry, its chat or its
// delete, nor overwrite a stored call that has that id.

func TestCallIDNamingAGroupStaysItsOwnEntry(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	in, out := DirectionIncoming, DirectionOutgoing
	me, p9 := fastPeer(100).String(), fastPeer(9).String()
	// The joiner's side of group x (no row has the id x), then P9 calls
	// with the call id x, later.
	for _, c := range []Call{
		leg("j1", "x", 1, in, 10, time.Minute, OutcomeCompleted),
		leg("j2", "x", 2, out, 12, 2*time.Minute, OutcomeCompleted),
		leg("x", "", 9, in, 500, 0, OutcomeMissed),
	} {
		if _, err := s.AddCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range []Message{
		{CallID: "j1", ID: "a", From: me, Text: "group chat"},
		{CallID: "x", ID: "b", From: p9, Text: "from nine"},
	} {
		m.SentAt = t0
		if err := s.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	es, _, err := s.ListEntries(ctx, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	var sums []string
	for _, e := range es {
		sums = append(sums, summary(e))
	}
	want := []string{"x missed 500-500", "j1 completed group=x 10-132 talk=2m1s | P1:completed | P2:completed"}
	if !slices.Equal(sums, want) {
		t.Errorf("entries\n got %q\nwant %q", sums, want)
	}
	texts := func(id string) string {
		ms, err := s.EntryMessages(ctx, id)
		if err != nil {
			t.Fatalf("EntryMessages(%s): %v", id, err)
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.Text)
		}
		return strings.Join(out, "; ")
	}
	if got := texts("x"); got != "from nine" {
		t.Errorf("messages of x: %q, want only its own", got)
	}
	if got := texts("j2"); got != "group chat" {
		t.Errorf("messages of the group: %q, want only the group's", got)
	}
	if err := s.DeleteHistory(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	es, _, err = s.ListEntries(ctx, 0, "")
	if err != nil || len(es) != 1 || es[0].Call.ID != "j1" || len(es[0].Legs) != 2 {
		t.Fatalf("after deleting x: %d entries %+v, %v; want the group whole", len(es), es, err)
	}
	if got := texts("j1"); got != "group chat" {
		t.Errorf("group chat after deleting x: %q", got)
	}
}

func TestQueuedCallOfAnotherPeerKeepsStoredCall(t *testing.T) {
	ctx := context.Background()
	for _, flushFirst := range []bool{true, false} {
		s := openTest(t)
		mine := leg("x", "", 1, DirectionOutgoing, 0, time.Minute, OutcomeCompleted)
		if _, err := s.QueueCall(ctx, mine); err != nil {
			t.Fatal(err)
		}
		if flushFirst {
			if err := s.flushHistory(ctx); err != nil {
				t.Fatal(err)
			}
		}
		forged := leg("x", "", 9, DirectionIncoming, 500, 0, OutcomeMissed)
		forged.PeerName = "Mallory"
		s.QueueCall(ctx, forged) // refused or dropped: either way not over x
		cs, _, err := s.ListHistory(ctx, 0, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 1 || cs[0].Peer != mine.Peer || cs[0].PeerName != "P1" || cs[0].Outcome != OutcomeCompleted {
			t.Errorf("flushed first %v: %+v, want P1's completed call as stored", flushFirst, cs)
		}
	}
}

// TestEntryQueriesUseIndexes: the chat and delete of an entry, with the
// first-leg check, look rows up by index, never scan the calls.
func TestEntryQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, q := range []string{
		`SELECT call_id FROM calls WHERE ` + legsOf,
		`SELECT call_id FROM call_messages WHERE call_id IN (SELECT call_id FROM calls WHERE ` + legsOf + `)`,
		`SELECT 1, group_id != '' OR ` + firstLeg + ` FROM calls WHERE call_id = ?1`,
	} {
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, "x")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		joined := strings.Join(plan, "; ")
		for _, step := range plan {
			if strings.HasPrefix(step, "SCAN calls") && !strings.Contains(step, "INDEX") {
				t.Errorf("step %q of plan %s", step, joined)
			}
		}
		t.Logf("%s\n  plan: %s", q, joined)
	}
}

// TestOneToOneEntryKeepsItsError: a 1:1 call's entry is the call as
// stored, the words of how it ended included ("you hung up"), as
// ListHistory returned it before group calls.
func TestOneToOneEntryKeepsItsError(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	c := leg("a", "", 1, DirectionOutgoing, 0, time.Minute, OutcomeCompleted)
	c.Error = "you hung up"
	if _, err := s.AddCall(ctx, c); err != nil {
		t.Fatal(err)
	}
	calls, _, err := s.ListHistory(ctx, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	es, _, err := s.ListEntries(ctx, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || !reflect.DeepEqual(es[0].Call, calls[0]) {
		t.Fatalf("entry %+v, want the call %+v", es, calls)
	}
}
