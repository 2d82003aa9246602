package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBlockStranger(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	id, key := testPeer(t, 1)
	if st, err := s.Trust(ctx, id, key); err != nil || st != TrustNew {
		t.Fatalf("before: %v, %v", st, err)
	}
	if _, err := s.BlockStranger(ctx, id, "Grace"); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Trust(ctx, id, key); err != nil || st != TrustBlocked {
		t.Fatalf("blocked stranger: Trust = %v, %v; want blocked", st, err)
	}
	list, err := s.ListBlockedStrangers(ctx)
	if err != nil || len(list) != 1 || list[0].ID != id || list[0].Name != "Grace" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if err := s.UnblockStranger(ctx, id); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Trust(ctx, id, key); st != TrustNew {
		t.Fatalf("unblocked: Trust = %v", st)
	}
	if err := s.UnblockStranger(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("unblock twice = %v, want ErrNotFound", err)
	}
	contact, _ := testPeer(t, 2)
	if _, err := s.AddContact(ctx, Contact{ID: contact}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BlockStranger(ctx, contact, ""); !errors.Is(err, ErrExists) {
		t.Errorf("BlockStranger(contact) = %v, want ErrExists", err)
	}
}

// The list is bounded: blocking one more forgets the oldest.
func TestBlockStrangerBounded(t *testing.T) {
	s := openTest(t)
	clock := newFakeClock(s)
	ctx := context.Background()
	for i := range MaxBlockedStrangers + 3 {
		clock.Advance(time.Millisecond)
		if _, err := s.BlockStranger(ctx, fastPeer(i), ""); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.ListBlockedStrangers(ctx)
	if err != nil || len(list) != MaxBlockedStrangers {
		t.Fatalf("%d kept, %v; want %d", len(list), err, MaxBlockedStrangers)
	}
	if list[0].ID != fastPeer(MaxBlockedStrangers+2) || list[len(list)-1].ID != fastPeer(3) {
		t.Errorf("kept newest %s .. %s, want the %d newest", list[0].ID.Short(), list[len(list)-1].ID.Short(), MaxBlockedStrangers)
	}
}
