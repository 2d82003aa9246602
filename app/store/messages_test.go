package store

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMessages(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.UnixMilli(1764745200000)
	add := func(m Message) error {
		if m.CallID == "" {
			m.CallID = "call-1"
		}
		if m.SentAt.IsZero() {
			m.SentAt = at
		}
		return s.AddMessage(ctx, m)
	}
	cases := []struct {
		name string
		m    Message
		want error
	}{
		{"a message", Message{ID: "m1", From: "ADA", Text: "hello"}, nil},
		{"two lines", Message{ID: "m2", From: "GRACE", Text: "  hi\nthere \x07 "}, nil},
		{"a repeat is ignored", Message{ID: "m1", From: "ADA", Text: "hello again"}, nil},
		{"the same id from the other side", Message{ID: "m1", From: "GRACE", Text: "mine too"}, nil},
		{"empty", Message{ID: "m3", From: "ADA", Text: " \n "}, ErrInvalid},
		{"too long", Message{ID: "m4", From: "ADA", Text: strings.Repeat("x", MaxMessageBytes+1)}, ErrInvalid},
		{"no id", Message{From: "ADA", Text: "x"}, ErrInvalid},
		{"bad call id", Message{CallID: "a b", ID: "m5", From: "ADA", Text: "x"}, ErrInvalid},
		{"bad UTF-8", Message{ID: "m6", From: "ADA", Text: "\xff"}, ErrInvalid},
	}
	for _, c := range cases {
		if err := add(c.m); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	got, err := s.Messages(ctx, "call-1")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range got {
		texts = append(texts, m.From+":"+m.Text)
	}
	want := []string{"ADA:hello", "GRACE:hi\nthere", "GRACE:mine too"}
	if strings.Join(texts, "|") != strings.Join(want, "|") || !got[0].SentAt.Equal(at) {
		t.Fatalf("messages %q (at %v), want %q", texts, got[0].SentAt, want)
	}
	if other, _ := s.Messages(ctx, "call-2"); len(other) != 0 {
		t.Fatalf("another call has %d messages", len(other))
	}
}

func TestMessagesPerCallBounded(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for i := range MaxMessagesPerCall {
		if err := s.AddMessage(ctx, Message{CallID: "c", ID: "m" + strconv.Itoa(i), From: "ADA", Text: "x", SentAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddMessage(ctx, Message{CallID: "c", ID: "over", From: "ADA", Text: "x", SentAt: time.Now()}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("message %d: %v", MaxMessagesPerCall+1, err)
	}
}

func TestMessagesGoWithTheirCall(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	for _, id := range []string{"c1", "c2"} {
		c := Call{ID: id, Peer: fastPeer(1), Direction: DirectionOutgoing, Media: MediaAudio, StartedAt: time.UnixMilli(1000), EndedAt: time.UnixMilli(2000), Outcome: OutcomeCancelled}
		if _, err := s.AddCall(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.AddMessage(ctx, Message{CallID: id, ID: "m", From: "ADA", Text: "x", SentAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteHistory(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Messages(ctx, "c1"); len(m) != 0 {
		t.Fatalf("a deleted call kept %d messages", len(m))
	}
	if m, _ := s.Messages(ctx, "c2"); len(m) != 1 {
		t.Fatalf("the other call has %d messages", len(m))
	}
	if _, err := s.ClearHistory(ctx); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Messages(ctx, "c2"); len(m) != 0 {
		t.Fatalf("a cleared history kept %d messages", len(m))
	}
}
