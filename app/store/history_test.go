package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var t0 = time.UnixMilli(1_700_000_000_000)

func TestCallLifecycle(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id := fastPeer(1)
	c, err := s.AddCall(ctx, Call{ID: "c1", Peer: id, PeerName: " Ada ", Direction: DirectionOutgoing,
		Media: MediaVideo, StartedAt: t0.Add(123456 * time.Nanosecond)})
	if err != nil {
		t.Fatal(err)
	}
	if c.Outcome != OutcomeOngoing || c.PeerName != "Ada" || !c.StartedAt.Equal(t0) || c.Duration() != 0 {
		t.Fatalf("added %+v", c)
	}
	if _, err := s.AddCall(ctx, Call{ID: "c1", Peer: id, Direction: DirectionOutgoing, Media: MediaVideo, StartedAt: t0}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate AddCall err = %v", err)
	}
	if _, err := s.EndCall(ctx, "c1", OutcomeCompleted, t0.Add(time.Minute), ""); !errors.Is(err, ErrInvalid) {
		t.Fatalf("completing an unanswered call err = %v, want ErrInvalid", err)
	}
	if _, err := s.AnswerCall(ctx, "c1", t0.Add(-time.Second)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("answer before start err = %v, want ErrInvalid", err)
	}
	if _, err := s.AnswerCall(ctx, "c1", t0.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AnswerCall(ctx, "c1", t0.Add(6*time.Second)); !errors.Is(err, ErrInvalid) {
		t.Fatalf("second answer err = %v, want ErrInvalid", err)
	}
	ended, err := s.EndCall(ctx, "c1", OutcomeCompleted, t0.Add(65*time.Second), "")
	if err != nil {
		t.Fatal(err)
	}
	if ended.Duration() != time.Minute || ended.Outcome != OutcomeCompleted {
		t.Fatalf("ended %+v, duration %v", ended, ended.Duration())
	}
	if _, err := s.EndCall(ctx, "c1", OutcomeFailed, t0.Add(70*time.Second), "x"); !errors.Is(err, ErrInvalid) {
		t.Fatalf("ending twice err = %v, want ErrInvalid", err)
	}
	for _, f := range []func() error{
		func() error { _, err := s.AnswerCall(ctx, "nope", t0); return err },
		func() error { _, err := s.EndCall(ctx, "nope", OutcomeMissed, t0, ""); return err },
		func() error { return s.DeleteHistory(ctx, "nope") },
	} {
		if err := f(); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown call err = %v, want ErrNotFound", err)
		}
	}
	got, _, err := s.ListHistory(ctx, 0, "")
	if err != nil || len(got) != 1 {
		t.Fatalf("history %v, %v", got, err)
	}
	if g := got[0]; g.ID != "c1" || g.Peer != id || g.PeerName != "Ada" || g.Direction != DirectionOutgoing ||
		g.Media != MediaVideo || !g.StartedAt.Equal(t0) || !g.AnsweredAt.Equal(t0.Add(5*time.Second)) ||
		!g.EndedAt.Equal(t0.Add(65*time.Second)) || g.Outcome != OutcomeCompleted || g.Error != "" {
		t.Fatalf("stored %+v", g)
	}
}

func TestRecordWholeCall(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	long := strings.Repeat("é", maxErrorLen) // 2 bytes each: must be cut
	c, err := s.AddCall(ctx, Call{ID: "f1", Peer: fastPeer(1), Direction: DirectionIncoming, Media: MediaAudio,
		StartedAt: t0, AnsweredAt: t0.Add(time.Second), EndedAt: t0.Add(2 * time.Second),
		Outcome: OutcomeFailed, Error: "ice failed:\n" + long})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Error) > maxErrorLen || !utf8.ValidString(c.Error) || strings.Contains(c.Error, "\n") {
		t.Fatalf("error text not cut/cleaned: %d bytes", len(c.Error))
	}
	got, _, _ := s.ListHistory(ctx, 1, "")
	if got[0].Error != c.Error || got[0].Duration() != time.Second {
		t.Fatalf("stored %+v", got[0])
	}
}

func TestCallValidation(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	ok := Call{ID: "x", Peer: fastPeer(1), Direction: DirectionIncoming, Media: MediaAudio, StartedAt: t0}
	tests := []struct {
		name string
		edit func(*Call)
	}{
		{"empty id", func(c *Call) { c.ID = "" }},
		{"long id", func(c *Call) { c.ID = strings.Repeat("a", maxCallIDLen+1) }},
		{"space in id", func(c *Call) { c.ID = "a b" }},
		{"non-ASCII id", func(c *Call) { c.ID = "café" }},
		{"zero peer", func(c *Call) { c.Peer = [32]byte{} }},
		{"bad peer name", func(c *Call) { c.PeerName = "a\x1b" }},
		{"no direction", func(c *Call) { c.Direction = DirectionUnknown }},
		{"bad direction", func(c *Call) { c.Direction = 9 }},
		{"no media", func(c *Call) { c.Media = MediaUnknown }},
		{"no start", func(c *Call) { c.StartedAt = time.Time{} }},
		{"start before 1970", func(c *Call) { c.StartedAt = time.Unix(-5, 0) }},
		{"answered before start", func(c *Call) { c.AnsweredAt = t0.Add(-time.Second) }},
		{"ended before start", func(c *Call) { c.EndedAt, c.Outcome = t0.Add(-time.Second), OutcomeMissed }},
		{"ended before answer", func(c *Call) {
			c.AnsweredAt, c.EndedAt, c.Outcome = t0.Add(2*time.Second), t0.Add(time.Second), OutcomeCompleted
		}},
		{"final outcome without end", func(c *Call) { c.Outcome = OutcomeMissed }},
		{"end without outcome", func(c *Call) { c.EndedAt = t0 }},
		{"end with ongoing", func(c *Call) { c.EndedAt, c.Outcome = t0, OutcomeOngoing }},
		{"end as interrupted", func(c *Call) { c.EndedAt, c.Outcome = t0, OutcomeInterrupted }},
		{"bad outcome", func(c *Call) { c.EndedAt, c.Outcome = t0, Outcome(99) }},
		{"completed unanswered", func(c *Call) { c.EndedAt, c.Outcome = t0, OutcomeCompleted }},
		{"answered then missed", func(c *Call) { c.AnsweredAt, c.EndedAt, c.Outcome = t0, t0, OutcomeMissed }},
		{"answered then declined", func(c *Call) { c.AnsweredAt, c.EndedAt, c.Outcome = t0, t0, OutcomeDeclined }},
		{"outgoing missed", func(c *Call) { c.Direction, c.EndedAt, c.Outcome = DirectionOutgoing, t0, OutcomeMissed }},
		{"incoming cancelled", func(c *Call) { c.EndedAt, c.Outcome = t0, OutcomeCancelled }},
		{"incoming timeout", func(c *Call) { c.EndedAt, c.Outcome = t0, OutcomeNoAnswer }},
		{"incoming unavailable", func(c *Call) { c.EndedAt, c.Outcome = t0, OutcomeUnavailable }},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			c.ID = fmt.Sprintf("v%d", i)
			tc.edit(&c)
			if _, err := s.AddCall(ctx, c); !errors.Is(err, ErrInvalid) {
				t.Fatalf("AddCall err = %v, want ErrInvalid", err)
			}
		})
	}
	// Each outcome that may end a call, in a valid shape.
	valid := []struct {
		dir      Direction
		outcome  Outcome
		answered bool
	}{
		{DirectionOutgoing, OutcomeCompleted, true}, {DirectionIncoming, OutcomeCompleted, true},
		{DirectionIncoming, OutcomeMissed, false}, {DirectionOutgoing, OutcomeDeclined, false},
		{DirectionIncoming, OutcomeDeclined, false}, {DirectionOutgoing, OutcomeBusy, false},
		{DirectionOutgoing, OutcomeCancelled, false}, {DirectionOutgoing, OutcomeNoAnswer, false},
		{DirectionOutgoing, OutcomeUnavailable, false}, {DirectionOutgoing, OutcomeFailed, false},
		{DirectionIncoming, OutcomeFailed, true},
	}
	for i, v := range valid {
		c := ok
		c.ID, c.Direction, c.Outcome, c.EndedAt = fmt.Sprintf("ok%d", i), v.dir, v.outcome, t0.Add(time.Second)
		if v.answered {
			c.AnsweredAt = t0
		}
		if _, err := s.AddCall(ctx, c); err != nil {
			t.Errorf("%v %v: %v", v.dir, v.outcome, err)
		}
	}
	if all, _, _ := s.ListHistory(ctx, MaxHistoryPage, ""); len(all) != len(valid) {
		t.Errorf("%d calls stored, want %d", len(all), len(valid))
	}
}

func TestListHistoryPagination(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	// 23 calls; starts repeat (several calls in the same millisecond)
	// and are inserted out of order.
	const n = 23
	for i := 0; i < n; i++ {
		start := t0.Add(time.Duration((i*7)%n/3) * time.Second)
		if _, err := s.AddCall(ctx, Call{ID: fmt.Sprintf("c%02d", i), Peer: fastPeer(i), Direction: DirectionIncoming,
			Media: MediaAudio, StartedAt: start, EndedAt: start, Outcome: OutcomeMissed}); err != nil {
			t.Fatal(err)
		}
	}
	all, next, err := s.ListHistory(ctx, MaxHistoryPage, "")
	if err != nil || next != "" || len(all) != n {
		t.Fatalf("all: %d calls, next %q, %v", len(all), next, err)
	}
	for i := 1; i < n; i++ {
		if all[i].StartedAt.After(all[i-1].StartedAt) {
			t.Fatalf("not newest first at %d: %v after %v", i, all[i].StartedAt, all[i-1].StartedAt)
		}
	}
	for _, size := range []int{1, 2, 5, 22, 23} {
		var paged []Call
		cur := Cursor("")
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatalf("size %d: cursor never ends", size)
			}
			page, next, err := s.ListHistory(ctx, size, cur)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > size || (next != "" && len(page) != size) {
				t.Fatalf("size %d: page of %d, next %q", size, len(page), next)
			}
			paged = append(paged, page...)
			if next == "" {
				break
			}
			cur = next
		}
		if len(paged) != n {
			t.Fatalf("size %d: %d calls over all pages, want %d", size, len(paged), n)
		}
		for i := range paged {
			if paged[i].ID != all[i].ID {
				t.Fatalf("size %d: entry %d is %s, want %s", size, i, paged[i].ID, all[i].ID)
			}
		}
	}
	for _, bad := range []Cursor{"x", "1", "1.", ".1", "-1.2", "1.2.3", "99999999999999999999.1"} {
		if _, _, err := s.ListHistory(ctx, 5, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("cursor %q: err = %v, want ErrInvalid", bad, err)
		}
	}
	for _, bad := range []int{-1, MaxHistoryPage + 1} {
		if _, _, err := s.ListHistory(ctx, bad, ""); !errors.Is(err, ErrInvalid) {
			t.Errorf("limit %d: err = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestDeleteAndClearHistory(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for i := 0; i < 5; i++ {
		if _, err := s.AddCall(ctx, Call{ID: fmt.Sprint(i), Peer: fastPeer(i), Direction: DirectionOutgoing,
			Media: MediaAudio, StartedAt: t0.Add(time.Duration(i) * time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteHistory(ctx, "2"); err != nil {
		t.Fatal(err)
	}
	left, _, _ := s.ListHistory(ctx, 0, "")
	if len(left) != 4 {
		t.Fatalf("%d calls after delete", len(left))
	}
	for _, c := range left {
		if c.ID == "2" {
			t.Fatal("deleted call still listed")
		}
	}
	n, err := s.ClearHistory(ctx)
	if err != nil || n != 4 {
		t.Fatalf("ClearHistory = %d, %v", n, err)
	}
	if left, _, _ := s.ListHistory(ctx, 0, ""); len(left) != 0 {
		t.Fatalf("%d calls after clear", len(left))
	}
	// Deleting a contact keeps its history.
	if _, err := s.AddContact(ctx, Contact{ID: fastPeer(1), Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddCall(ctx, Call{ID: "kept", Peer: fastPeer(1), PeerName: "Ada", Direction: DirectionOutgoing,
		Media: MediaAudio, StartedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteContact(ctx, fastPeer(1)); err != nil {
		t.Fatal(err)
	}
	if left, _, _ := s.ListHistory(ctx, 0, ""); len(left) != 1 || left[0].PeerName != "Ada" {
		t.Fatalf("history after contact delete: %+v", left)
	}
}

func TestCallEnumStrings(t *testing.T) {
	for _, tc := range []struct {
		d    Direction
		wire string
	}{{DirectionOutgoing, "outgoing"}, {DirectionIncoming, "incoming"}} {
		t.Run("direction/"+tc.wire, func(t *testing.T) { checkEnum(t, tc.d, tc.wire, ParseDirection) })
	}
	checkBadEnum(t, DirectionUnknown, Direction(9), ParseDirection, "unknown", "in", "OUTGOING", "")

	for _, tc := range []struct {
		m    Media
		wire string
	}{{MediaAudio, "audio"}, {MediaVideo, "video"}} {
		t.Run("media/"+tc.wire, func(t *testing.T) { checkEnum(t, tc.m, tc.wire, ParseMedia) })
	}
	checkBadEnum(t, MediaUnknown, Media(9), ParseMedia, "unknown", "screen", "")

	outcomes := []struct {
		o    Outcome
		wire string
	}{
		{OutcomeOngoing, "ongoing"}, {OutcomeCompleted, "completed"}, {OutcomeMissed, "missed"},
		{OutcomeDeclined, "declined"}, {OutcomeBusy, "busy"}, {OutcomeCancelled, "cancelled"},
		{OutcomeNoAnswer, "no_answer"}, {OutcomeUnavailable, "unavailable"}, {OutcomeFailed, "failed"},
		{OutcomeInterrupted, "interrupted"},
	}
	if len(outcomes) != len(outcomeNames)-1 {
		t.Fatalf("table covers %d outcomes, there are %d", len(outcomes), len(outcomeNames)-1)
	}
	for _, tc := range outcomes {
		t.Run("outcome/"+tc.wire, func(t *testing.T) { checkEnum(t, tc.o, tc.wire, ParseOutcome) })
	}
	checkBadEnum(t, OutcomeUnknown, Outcome(99), ParseOutcome, "unknown", "canceled", "")
}
