package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"
)

func TestTrustFlow(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	clock := newFakeClock(s)
	id, k1 := testPeer(t, 1)
	_, k2 := testPeer(t, 2)
	_, k3 := testPeer(t, 3)

	trust := func(step string, key ed25519.PublicKey, want TrustState) {
		t.Helper()
		got, err := s.Trust(ctx, id, key)
		if err != nil || got != want {
			t.Fatalf("%s: Trust = %v, %v; want %v", step, got, err, want)
		}
	}
	contact := func(step string, pinned, pending ed25519.PublicKey) Contact {
		t.Helper()
		c, err := s.GetContact(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		if !bytes.Equal(c.Key, pinned) || !bytes.Equal(c.PendingKey, pending) || c.KeyChanged() != (pending != nil) {
			t.Fatalf("%s: pinned %x pending %x; want %x, %x", step, c.Key, c.PendingKey, pinned, pending)
		}
		return c
	}

	trust("stranger", k1, TrustNew)
	if _, err := s.PinKey(ctx, id, k1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("PinKey before AddContact err = %v, want ErrNotFound", err)
	}
	if _, err := s.AddContact(ctx, Contact{ID: id, AnnouncedName: "Ada"}); err != nil {
		t.Fatal(err)
	}
	trust("contact without key", k1, TrustNew)
	if _, err := s.PinKey(ctx, id, k1); err != nil {
		t.Fatal(err)
	}
	contact("pinned", k1, nil)
	trust("pinned key", k1, TrustPinned)
	if _, err := s.PinKey(ctx, id, k1); err != nil {
		t.Errorf("re-pinning the same key: %v", err)
	}

	// Another key: changed, recorded as pending, pinned key untouched.
	clock.Advance(time.Second)
	trust("other key", k2, TrustChanged)
	c := contact("after change", k1, k2)
	if !c.PendingSince.Equal(clock.Now()) {
		t.Errorf("PendingSince %v, want %v", c.PendingSince, clock.Now())
	}
	// Held until the user decides, whichever key calls.
	trust("old key while pending", k1, TrustChanged)
	trust("new key while pending", k2, TrustChanged)
	if _, err := s.PinKey(ctx, id, k2); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("PinKey over a pinned key err = %v, want ErrKeyMismatch", err)
	}
	contact("PinKey refused", k1, k2)
	// A third key replaces the pending one; accepting the stale one fails.
	trust("third key", k3, TrustChanged)
	contact("third pending", k1, k3)
	if _, err := s.AcceptNewKey(ctx, id, k2); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("AcceptNewKey(stale) err = %v, want ErrKeyMismatch", err)
	}
	contact("stale accept refused", k1, k3)

	accepted, err := s.AcceptNewKey(ctx, id, k3)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(accepted.Key, k3) || accepted.PendingKey != nil {
		t.Fatalf("AcceptNewKey returned %+v", accepted)
	}
	contact("accepted", k3, nil)
	trust("accepted key", k3, TrustPinned)
	if _, err := s.AcceptNewKey(ctx, id, k3); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("AcceptNewKey without pending err = %v, want ErrKeyMismatch", err)
	}

	// The old key comes back: changed again; the user rejects it.
	trust("old key again", k1, TrustChanged)
	contact("old pending", k3, k1)
	rejected, err := s.RejectNewKey(ctx, id)
	if err != nil || rejected.PendingKey != nil {
		t.Fatalf("RejectNewKey: %+v, %v", rejected, err)
	}
	contact("rejected", k3, nil)
	trust("after reject", k3, TrustPinned)
	if _, err := s.RejectNewKey(ctx, id); err != nil {
		t.Errorf("RejectNewKey without pending: %v", err)
	}

	// Blocked wins over pinned, changed and new.
	trust("before block", k2, TrustChanged)
	if _, err := s.SetBlocked(ctx, id, true); err != nil {
		t.Fatal(err)
	}
	for _, k := range []ed25519.PublicKey{k1, k2, k3} {
		trust("blocked", k, TrustBlocked)
	}
	contact("blocked keeps state", k3, k2)
	if _, err := s.SetBlocked(ctx, id, false); err != nil {
		t.Fatal(err)
	}
	trust("unblocked, still pending", k3, TrustChanged)

	unpinned := fastPeer(50)
	if _, err := s.AddContact(ctx, Contact{ID: unpinned, Blocked: true}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Trust(ctx, unpinned, k1); err != nil || got != TrustBlocked {
		t.Errorf("blocked contact without key: %v, %v", got, err)
	}
}

func TestTrustRejectsBadInput(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id, key := testPeer(t, 1)
	tests := []struct {
		name string
		do   func() error
	}{
		{"Trust short key", func() error { _, err := s.Trust(ctx, id, key[:31]); return err }},
		{"Trust nil key", func() error { _, err := s.Trust(ctx, id, nil); return err }},
		{"Trust zero id", func() error { _, err := s.Trust(ctx, [32]byte{}, key); return err }},
		{"PinKey long key", func() error { _, err := s.PinKey(ctx, id, append(key, 0)); return err }},
		{"AcceptNewKey nil key", func() error { _, err := s.AcceptNewKey(ctx, id, nil); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

func TestTrustStateStrings(t *testing.T) {
	tests := []struct {
		s    TrustState
		wire string
	}{
		{TrustNew, "new"},
		{TrustPinned, "pinned"},
		{TrustChanged, "changed"},
		{TrustBlocked, "blocked"},
	}
	for _, tc := range tests {
		t.Run(tc.wire, func(t *testing.T) {
			checkEnum(t, tc.s, tc.wire, ParseTrustState)
		})
	}
	checkBadEnum(t, TrustUnknown, TrustState(200), ParseTrustState, "unknown", "Pinned", "")
}
