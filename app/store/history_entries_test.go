package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// leg is a call row for the entry tests: n seconds after t0, lasting d
// (answered at the start when the outcome can be).
func leg(id, group string, peer int, dir Direction, startS int, d time.Duration, o Outcome) Call {
	start := t0.Add(time.Duration(startS) * time.Second)
	c := Call{ID: id, Group: group, Peer: fastPeer(peer), PeerName: fmt.Sprintf("P%d", peer), Direction: dir, Media: MediaVideo,
		StartedAt: start, EndedAt: start.Add(d), Outcome: o}
	if o == OutcomeCompleted || o == OutcomeFailed {
		c.AnsweredAt = start.Add(time.Second)
	}
	if o == OutcomeOngoing {
		c.EndedAt, c.AnsweredAt = time.Time{}, start
	}
	return c
}

// summary is an entry in words, for the table: "<head id> <outcome>
// [group] <start s>-<end s> | peer:outcome ...".
func summary(e Entry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Call.ID, e.Call.Outcome)
	if e.IsGroup() {
		fmt.Fprintf(&b, " group=%s", e.Call.Group)
	}
	end := "-"
	if !e.Call.EndedAt.IsZero() {
		end = fmt.Sprint(int64(e.Call.EndedAt.Sub(t0) / time.Second))
	}
	fmt.Fprintf(&b, " %d-%s", e.Call.StartedAt.Sub(t0)/time.Second, end)
	if e.Call.Duration() > 0 {
		fmt.Fprintf(&b, " talk=%s", e.Call.Duration())
	}
	for _, p := range e.Participants {
		fmt.Fprintf(&b, " | %s:%s", p.PeerName, p.Outcome)
		if p.Cause != "" {
			fmt.Fprintf(&b, "(%s)", p.Cause)
		}
	}
	return b.String()
}

func TestListEntriesFoldsGroups(t *testing.T) {
	out, in := DirectionOutgoing, DirectionIncoming
	full := func(c Call) Call { c.Cause, c.Error = "call_full", "the call is full"; return c }
	audio := func(c Call) Call { c.Media = MediaAudio; return c }
	cases := []struct {
		name  string
		calls []Call
		want  []string // newest first
	}{
		{"1:1 calls stay one entry each", []Call{
			leg("a", "", 1, out, 0, time.Minute, OutcomeCompleted),
			leg("b", "", 2, in, 100, 0, OutcomeMissed),
		}, []string{"b missed 100-100", "a completed 0-60 talk=59s"}},
		{"the caller's group: the first call and the legs it added", []Call{
			leg("x", "", 1, out, 0, 10*time.Minute, OutcomeCompleted),
			leg("l2", "x", 2, out, 60, 5*time.Minute, OutcomeCompleted),
			leg("l3", "x", 3, out, 120, 20*time.Second, OutcomeDeclined),
			leg("l4", "x", 4, in, 130, 0, OutcomeMissed),
		}, []string{"x completed group=x 0-600 talk=9m59s | P1:completed | P2:completed | P3:declined | P4:missed"}},
		{"the joiner's side: no row has the group's id", []Call{
			leg("j1", "x", 1, in, 10, time.Minute, OutcomeCompleted),
			leg("j2", "x", 2, out, 12, 2*time.Minute, OutcomeCompleted),
		}, []string{"j1 completed group=x 10-132 talk=2m1s | P1:completed | P2:completed"}},
		{"a group invite not answered is one missed entry", []Call{
			audio(leg("m1", "g9", 1, in, 5, 0, OutcomeMissed)),
		}, []string{"m1 missed group=g9 5-5 | P1:missed"}},
		{"declined a group invite", []Call{
			leg("d1", "g8", 1, in, 5, 3*time.Second, OutcomeDeclined),
		}, []string{"d1 declined group=g8 5-8 | P1:declined"}},
		{"refused as full, then added again: one participant who took part", []Call{
			leg("x", "", 1, out, 0, 10*time.Minute, OutcomeCompleted),
			full(leg("f1", "x", 5, in, 30, 0, OutcomeBusy)),
			leg("f2", "x", 5, out, 200, time.Minute, OutcomeCompleted),
		}, []string{"x completed group=x 0-600 talk=9m59s | P1:completed | P5:completed"}},
		{"refused as full only", []Call{
			leg("x", "", 1, out, 0, 10*time.Minute, OutcomeCompleted),
			full(leg("f1", "x", 5, in, 30, 0, OutcomeBusy)),
		}, []string{"x completed group=x 0-600 talk=9m59s | P1:completed | P5:busy(call_full)"}},
		{"someone else's ring during the group call is its own entry", []Call{
			leg("x", "", 1, out, 0, 10*time.Minute, OutcomeCompleted),
			leg("s1", "", 9, in, 40, 0, OutcomeBusy),
			leg("l2", "x", 2, out, 60, time.Minute, OutcomeCompleted),
		}, []string{"s1 busy 40-40", "x completed group=x 0-600 talk=9m59s | P1:completed | P2:completed"}},
		{"a leg still going: the entry is ongoing", []Call{
			leg("x", "", 1, out, 0, time.Minute, OutcomeCompleted),
			leg("l2", "x", 2, out, 30, 0, OutcomeOngoing),
		}, []string{"x ongoing group=x 0-- | P1:completed | P2:ongoing"}},
		{"every answered leg failed", []Call{
			leg("x", "", 1, out, 0, time.Minute, OutcomeFailed),
			leg("l2", "x", 2, out, 30, time.Minute, OutcomeFailed),
		}, []string{"x failed group=x 0-90 talk=1m29s | P1:failed | P2:failed"}},
		{"first leg deleted: the oldest left heads", []Call{
			leg("l2", "x", 2, out, 60, time.Minute, OutcomeCompleted),
			leg("l3", "x", 3, out, 61, time.Minute, OutcomeCompleted),
		}, []string{"l2 completed group=x 60-121 talk=1m0s | P2:completed | P3:completed"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s := openTest(t)
			for _, c := range tc.calls {
				if _, err := s.AddCall(ctx, c); err != nil {
					t.Fatal(err)
				}
			}
			got, next, err := s.ListEntries(ctx, 0, "")
			if err != nil || next != "" {
				t.Fatalf("ListEntries: %v, next %q", err, next)
			}
			var sums []string
			for _, e := range got {
				sums = append(sums, summary(e))
			}
			if !slices.Equal(sums, tc.want) {
				t.Errorf("entries\n got %q\nwant %q", sums, tc.want)
			}
			n := 0
			for _, e := range got {
				n += len(e.Legs)
			}
			if n != len(tc.calls) {
				t.Errorf("%d legs in the entries, %d stored", n, len(tc.calls))
			}
		})
	}
}

// TestListEntriesOneToOneAsListHistory: without groups, entries are the
// calls ListHistory returns, page by page, with the same cursors.
func TestListEntriesOneToOneAsListHistory(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for i := range 7 {
		c := leg(fmt.Sprint("c", i), "", i, DirectionOutgoing, i/2, time.Minute, OutcomeCompleted) // ties on start
		if _, err := s.QueueCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	var curH, curE Cursor
	for page := 0; ; page++ {
		calls, nh, err := s.ListHistory(ctx, 3, curH)
		if err != nil {
			t.Fatal(err)
		}
		entries, ne, err := s.ListEntries(ctx, 3, curE)
		if err != nil {
			t.Fatal(err)
		}
		if nh != ne || len(calls) != len(entries) {
			t.Fatalf("page %d: cursors %q %q, %d calls, %d entries", page, nh, ne, len(calls), len(entries))
		}
		for i := range calls {
			if e := entries[i]; e.IsGroup() || e.Participants != nil || len(e.Legs) != 1 || !reflect.DeepEqual(e.Call, calls[i]) || !reflect.DeepEqual(e.Legs[0], calls[i]) {
				t.Fatalf("page %d #%d: entry %+v, call %+v", page, i, e, calls[i])
			}
		}
		if nh == "" {
			break
		}
		curH, curE = nh, ne
	}
}

// TestListEntriesPagesByEntry: a page holds whole entries, whatever the
// number of legs, and no leg shows twice.
func TestListEntriesPagesByEntry(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	out := DirectionOutgoing
	for g := range 5 {
		x := fmt.Sprint("x", g)
		base := g * 1000
		s.AddCall(ctx, leg(x, "", 1, out, base, 10*time.Minute, OutcomeCompleted))
		for p := 2; p <= 4; p++ {
			if _, err := s.AddCall(ctx, leg(fmt.Sprint(x, "-", p), x, p, out, base+p, time.Minute, OutcomeCompleted)); err != nil {
				t.Fatal(err)
			}
		}
		s.AddCall(ctx, leg(fmt.Sprint("solo", g), "", 7, out, base+500, time.Minute, OutcomeCompleted))
	}
	var got []string
	var cur Cursor
	for {
		es, next, err := s.ListEntries(ctx, 2, cur)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			got = append(got, fmt.Sprint(e.Call.ID, "/", len(e.Legs)))
		}
		if next == "" {
			break
		}
		cur = next
	}
	want := []string{"solo4/1", "x4/4", "solo3/1", "x3/4", "solo2/1", "x2/4", "solo1/1", "x1/4", "solo0/1", "x0/4"}
	if !slices.Equal(got, want) {
		t.Fatalf("pages\n got %v\nwant %v", got, want)
	}
}

func TestEntryMessagesAndDelete(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	me, p1, p2 := fastPeer(100).String(), fastPeer(1).String(), fastPeer(2).String()
	out := DirectionOutgoing
	for _, c := range []Call{
		leg("x", "", 1, out, 0, 10*time.Minute, OutcomeCompleted),
		leg("l2", "x", 2, out, 60, 5*time.Minute, OutcomeCompleted),
		leg("solo", "", 3, out, 1000, time.Minute, OutcomeCompleted),
	} {
		if _, err := s.AddCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// Ours go on every leg under one id; each other person's on theirs.
	for i, m := range []Message{
		{CallID: "x", ID: "m1", From: me, Text: "hi both"},
		{CallID: "l2", ID: "m1", From: me, Text: "hi both"},
		{CallID: "x", ID: "m1", From: p1, Text: "hi from one"}, // same id, another sender: another message
		{CallID: "l2", ID: "q", From: p2, Text: "hi from two"},
		{CallID: "l2", ID: "m2", From: me, Text: "only to two"},
		{CallID: "solo", ID: "s", From: me, Text: "another call"},
	} {
		m.SentAt = t0.Add(time.Duration(i) * time.Second)
		if err := s.AddMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
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
	for _, tc := range []struct{ id, want string }{
		{"x", "hi both; hi from one; hi from two; only to two"},
		{"l2", "hi both; hi from one; hi from two; only to two"}, // any leg names its entry
		{"solo", "another call"},
		{"live-not-stored", ""},
	} {
		if got := texts(tc.id); got != tc.want {
			t.Errorf("messages of %s: %q, want %q", tc.id, got, tc.want)
		}
	}

	if err := s.DeleteHistory(ctx, "l2"); err != nil { // a leg deletes its whole entry
		t.Fatal(err)
	}
	es, _, err := s.ListEntries(ctx, 0, "")
	if err != nil || len(es) != 1 || es[0].Call.ID != "solo" {
		t.Fatalf("after delete: %+v, %v", es, err)
	}
	var n int
	s.r.QueryRowContext(ctx, `SELECT count(*) FROM call_messages WHERE call_id IN ('x', 'l2')`).Scan(&n)
	if n != 0 {
		t.Errorf("%d messages of the deleted group left", n)
	}
	if err := s.DeleteHistory(ctx, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("delete again: %v, want ErrNotFound", err)
	}
}

func TestCallGroupAndCauseChecked(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, tc := range []struct {
		name         string
		group, cause string
		ok           bool
	}{
		{"none", "", "", true},
		{"both", "grp-1", "call_full", true},
		{"group with a space", "a b", "", false},
		{"group too long", strings.Repeat("g", maxCallIDLen+1), "", false},
		{"cause not a code", "", "Call Full", false},
		{"cause too long", "", strings.Repeat("a", 33), false},
	} {
		c := leg("c-"+strings.ReplaceAll(tc.name, " ", "-"), tc.group, 1, DirectionIncoming, 0, 0, OutcomeMissed)
		c.Cause = tc.cause
		got, err := s.QueueCall(ctx, c)
		if tc.ok != (err == nil) || err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err == nil && (got.Group != tc.group || got.Cause != tc.cause) {
			t.Errorf("%s: stored %q %q", tc.name, got.Group, got.Cause)
		}
	}
	hs, _, err := s.ListHistory(ctx, 0, "")
	if err != nil || len(hs) != 2 || hs[0].Group != "grp-1" && hs[1].Group != "grp-1" {
		t.Fatalf("read back: %+v %v", hs, err)
	}
}

// TestMigrationToGroupCalls opens a file of schema version 4 with calls
// and their chat: version 5 keeps them, as the 1:1 calls they were.
func TestMigrationToGroupCalls(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	db := openRaw(t, path)
	if err := migrate(ctx, db, migrations[:4]); err != nil {
		t.Fatal(err)
	}
	for i, id := range []string{"old-1", "old-2"} {
		if _, err := db.ExecContext(ctx, `INSERT INTO calls (call_id, peer_id, peer_name, direction, media, started_at,
			answered_at, ended_at, outcome, error, attempts) VALUES (?, ?, 'Ada', 'outgoing', 'video', ?, ?, ?, 'completed', '', 1)`,
			id, fastPeer(i).String(), t0.UnixMilli()+int64(i)*1000, t0.UnixMilli()+int64(i)*1000, t0.UnixMilli()+int64(i)*1000+5000); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO call_messages (call_id, msg_id, from_peer, text, sent_at) VALUES (?, 'm', 'me', 'hello', 1)`, id); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if v, _ := schemaVersion(ctx, s.r); v != len(migrations) {
		t.Fatalf("version %d, %d migrations", v, len(migrations))
	}
	es, _, err := s.ListEntries(ctx, 0, "")
	if err != nil || len(es) != 2 || es[0].Call.ID != "old-2" || es[0].IsGroup() || es[1].IsGroup() ||
		es[0].Call.Duration() != 5*time.Second || es[0].Legs[0].Group != "" || es[0].Legs[0].Cause != "" {
		t.Fatalf("entries after migration: %+v %v", es, err)
	}
	if ms, err := s.EntryMessages(ctx, "old-1"); err != nil || len(ms) != 1 || ms[0].Text != "hello" {
		t.Fatalf("messages after migration: %+v %v", ms, err)
	}
	// A group leg may name an old call as its first leg.
	if _, err := s.AddCall(ctx, leg("new", "old-2", 5, DirectionOutgoing, 2, time.Second, OutcomeCompleted)); err != nil {
		t.Fatal(err)
	}
	es, _, _ = s.ListEntries(ctx, 0, "")
	if len(es) != 2 || !es[0].IsGroup() || len(es[0].Participants) != 2 {
		t.Fatalf("after a leg joined an old call: %+v", es)
	}
}

// TestListEntriesUsesIndexes: a page of entries walks the time index and
// looks each row's group up by index, so it costs a page, not the table.
func TestListEntriesUsesIndexes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+headsQuery, 1, 1, 51)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	joined := strings.Join(plan, "; ")
	t.Logf("plan: %s", joined)
	for _, step := range plan {
		if strings.HasPrefix(step, "SCAN") && !strings.Contains(step, "calls_by_time") || strings.Contains(step, "TEMP B-TREE") {
			t.Errorf("step %q of plan %s", step, joined)
		}
	}
	if !strings.Contains(joined, "calls_by_group") {
		t.Errorf("the group lookups do not use calls_by_group: %s", joined)
	}
}

// A group invite's roster is kept with its leg: a group call we missed
// still says who was in it. Bad rosters are refused; rows from before
// version 6 read none.
func TestGroupInviteMembers(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	missed := leg("add-1", "grp-1", 1, DirectionIncoming, 0, 0, OutcomeMissed)
	missed.Members = []identity.PeerID{fastPeer(2), fastPeer(3)}
	if _, err := s.AddCall(ctx, missed); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		members []identity.PeerID
	}{
		{"three", []identity.PeerID{fastPeer(2), fastPeer(3), fastPeer(4)}},
		{"twice", []identity.PeerID{fastPeer(2), fastPeer(2)}},
		{"the sender", []identity.PeerID{fastPeer(1)}},
		{"zero", []identity.PeerID{{}}},
	} {
		c := leg("bad-"+tc.name, "grp-2", 1, DirectionIncoming, 10, 0, OutcomeMissed)
		c.ID = strings.ReplaceAll(c.ID, " ", "-")
		c.Members = tc.members
		if _, err := s.AddCall(ctx, c); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", tc.name, err)
		}
		if _, err := s.QueueCall(ctx, c); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s (queued): %v, want ErrInvalid", tc.name, err)
		}
	}
	queued := leg("add-2", "grp-3", 4, DirectionIncoming, 20, 0, OutcomeDeclined)
	queued.Members = []identity.PeerID{fastPeer(5)}
	if _, err := s.QueueCall(ctx, queued); err != nil {
		t.Fatal(err)
	}
	es, _, err := s.ListEntries(ctx, 0, "")
	if err != nil || len(es) != 2 {
		t.Fatalf("entries: %+v %v", es, err)
	}
	if got := es[1].Call.Members; !reflect.DeepEqual(got, missed.Members) || !es[1].IsGroup() {
		t.Errorf("missed add: members %v, want %v", got, missed.Members)
	}
	if got := es[0].Call.Members; !reflect.DeepEqual(got, queued.Members) {
		t.Errorf("queued add: members %v, want %v", got, queued.Members)
	}
}

// Version 6 keeps version 5's rows, with no members.
func TestMigrationToInviteRosters(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	db := openRaw(t, path)
	if err := migrate(ctx, db, migrations[:5]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO calls (call_id, peer_id, peer_name, direction, media, started_at,
		answered_at, ended_at, outcome, error, attempts, group_id, cause) VALUES ('g-1', ?, 'Ada', 'incoming', 'video', ?, NULL, ?, 'missed', '', 1, 'grp', '')`,
		fastPeer(1).String(), t0.UnixMilli(), t0.UnixMilli()+1000); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	es, _, err := s.ListEntries(ctx, 0, "")
	if err != nil || len(es) != 1 || es[0].Call.ID != "g-1" || es[0].Call.Members != nil {
		t.Fatalf("entries after migration: %+v %v", es, err)
	}
}
