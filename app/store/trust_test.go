package store

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// trustChecker returns a function asserting Trust(id, key) == want.
func trustChecker(t *testing.T, s *Store) func(step string, id identity.PeerID, key ed25519.PublicKey, want TrustState) {
	return func(step string, id identity.PeerID, key ed25519.PublicKey, want TrustState) {
		t.Helper()
		got, err := s.Trust(context.Background(), id, key)
		if err != nil || got != want {
			t.Fatalf("%s: Trust(%s) = %v, %v; want %v", step, id.Short(), got, err, want)
		}
	}
}

// assertKeys asserts contact id's pinned and pending keys.
func assertKeys(t *testing.T, s *Store, step string, id identity.PeerID, pinned, pending ed25519.PublicKey) Contact {
	t.Helper()
	c, err := s.GetContact(context.Background(), id)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	if !bytes.Equal(c.Key, pinned) || !bytes.Equal(c.PendingKey, pending) || c.KeyChanged() != (pending != nil) ||
		c.PendingSince.IsZero() != (pending == nil) {
		t.Fatalf("%s: pinned %x pending %x since %v; want %x, %x", step, c.Key, c.PendingKey, c.PendingSince, pinned, pending)
	}
	return c
}

func TestTrustOnFirstUse(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	clock := newFakeClock(s)
	trust := trustChecker(t, s)
	id, key := testPeer(t, 1)

	trust("stranger", id, key, TrustNew)
	if _, err := s.PinKey(ctx, id, key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("PinKey before AddContact err = %v, want ErrNotFound", err)
	}
	if _, err := s.AddContact(ctx, Contact{ID: id, AnnouncedName: "Ada"}); err != nil {
		t.Fatal(err)
	}
	trust("contact without key", id, key, TrustNew)
	clock.Advance(time.Second)
	pinned, err := s.PinKey(ctx, id, key)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pinned.Key, key) || !pinned.UpdatedAt.Equal(clock.Now()) {
		t.Fatalf("PinKey returned %+v", pinned)
	}
	assertKeys(t, s, "pinned", id, key, nil)
	trust("pinned key", id, key, TrustPinned)
	clock.Advance(time.Second)
	again, err := s.PinKey(ctx, id, key)
	if err != nil || !again.UpdatedAt.Equal(pinned.UpdatedAt) {
		t.Errorf("re-pinning the same key: %+v, %v (want a no-op)", again, err)
	}

	// A contact added with its key is pinned from the start.
	id2, key2 := testPeer(t, 2)
	if _, err := s.AddContact(ctx, Contact{ID: id2, Name: "Bob", Key: key2}); err != nil {
		t.Fatal(err)
	}
	trust("added with key", id2, key2, TrustPinned)
}

// TestForgedKeyRejected: a key that does not hash to the peer id is a
// forged identity; every method that relates an id to a key refuses it
// with ErrKeyMismatch and records nothing.
func TestForgedKeyRejected(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	pinnedID, pinnedKey := testPeer(t, 1)
	bareID, bareKey := testPeer(t, 2)
	strangerID, _ := testPeer(t, 3)
	_, forged := testPeer(t, 4)
	if _, err := s.AddContact(ctx, Contact{ID: pinnedID, Name: "Ada", Key: pinnedKey}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddContact(ctx, Contact{ID: bareID, Name: "Bob"}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.ListContacts(ctx)

	tests := []struct {
		name string
		do   func() error
	}{
		{"Trust pinned contact, other key", func() error { _, err := s.Trust(ctx, pinnedID, forged); return err }},
		{"Trust contact without key", func() error { _, err := s.Trust(ctx, bareID, forged); return err }},
		{"Trust stranger", func() error { _, err := s.Trust(ctx, strangerID, forged); return err }},
		{"Trust another contact's key", func() error { _, err := s.Trust(ctx, bareID, pinnedKey); return err }},
		{"PinKey contact without key", func() error { _, err := s.PinKey(ctx, bareID, forged); return err }},
		{"PinKey over a pinned key", func() error { _, err := s.PinKey(ctx, pinnedID, bareKey); return err }},
		{"PinKey stranger", func() error { _, err := s.PinKey(ctx, strangerID, forged); return err }},
		{"AddContact", func() error { _, err := s.AddContact(ctx, Contact{ID: strangerID, Key: forged}); return err }},
		{"AddContact fast id", func() error { _, err := s.AddContact(ctx, Contact{ID: fastPeer(1), Key: forged}); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			if !errors.Is(err, ErrKeyMismatch) {
				t.Fatalf("err = %v, want ErrKeyMismatch", err)
			}
			if !strings.HasPrefix(err.Error(), "store: ") {
				t.Errorf("error %q lacks the store prefix", err)
			}
		})
	}
	after, _ := s.ListContacts(ctx)
	if len(after) != len(before) {
		t.Fatalf("%d contacts after forged input, want %d", len(after), len(before))
	}
	for i := range before {
		assertContact(t, "after forged input", after[i], before[i])
	}
}

func TestNewIdentityFlow(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	clock := newFakeClock(s)
	trust := trustChecker(t, s)
	oldID, oldKey := testPeer(t, 1)
	newID, newKey := testPeer(t, 2)
	thirdID, thirdKey := testPeer(t, 3)

	added, err := s.AddContact(ctx, Contact{ID: oldID, Name: "Ada", AnnouncedName: "ada-laptop", Key: oldKey,
		SignalURL: "wss://signal.example.org/v1/signal", LANAddr: "192.168.1.20:7000", Favorite: true})
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	call := Call{ID: "before-reinstall", Peer: oldID, PeerName: "Ada", Direction: DirectionOutgoing, Media: MediaVideo,
		StartedAt: start, AnsweredAt: start, EndedAt: start.Add(time.Minute), Outcome: OutcomeCompleted}
	if _, err := s.AddCall(ctx, call); err != nil {
		t.Fatal(err)
	}
	trust("new identity, unrecognized", newID, newKey, TrustNew)
	if _, ok, err := s.PendingContactFor(ctx, newKey); ok || err != nil {
		t.Fatalf("PendingContactFor before recording: %v, %v", ok, err)
	}

	// Ada reinstalled: her new identity is recorded as pending.
	clock.Advance(time.Minute)
	rec, err := s.RecordNewIdentity(ctx, oldID, newKey)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID != oldID || !bytes.Equal(rec.PendingKey, newKey) || !rec.PendingSince.Equal(clock.Now()) ||
		!rec.UpdatedAt.Equal(clock.Now()) {
		t.Fatalf("RecordNewIdentity returned %+v", rec)
	}
	assertKeys(t, s, "recorded", oldID, oldKey, newKey)
	trust("new identity, pending", newID, newKey, TrustChanged)
	trust("old identity while pending", oldID, oldKey, TrustPinned)
	owner, ok, err := s.PendingContactFor(ctx, newKey)
	if err != nil || !ok || owner.ID != oldID || owner.Name != "Ada" {
		t.Fatalf("PendingContactFor(new) = %+v, %v, %v", owner, ok, err)
	}
	if _, ok, err := s.PendingContactFor(ctx, oldKey); ok || err != nil {
		t.Fatalf("PendingContactFor(old) = %v, %v", ok, err)
	}

	// Recording the same identity again changes nothing.
	clock.Advance(time.Minute)
	again, err := s.RecordNewIdentity(ctx, oldID, newKey)
	if err != nil || !again.PendingSince.Equal(rec.PendingSince) || !again.UpdatedAt.Equal(rec.UpdatedAt) {
		t.Fatalf("re-recording: %+v, %v (want a no-op)", again, err)
	}

	// A third identity replaces the pending one; the replaced one is a
	// stranger again, and accepting it (stale) fails.
	third, err := s.RecordNewIdentity(ctx, oldID, thirdKey)
	if err != nil || !third.PendingSince.Equal(clock.Now()) {
		t.Fatalf("RecordNewIdentity(third): %+v, %v", third, err)
	}
	assertKeys(t, s, "third pending", oldID, oldKey, thirdKey)
	trust("replaced identity", newID, newKey, TrustNew)
	trust("third identity", thirdID, thirdKey, TrustChanged)
	if _, err := s.AcceptNewKey(ctx, oldID, newKey); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("AcceptNewKey(stale) err = %v, want ErrKeyMismatch", err)
	}
	assertKeys(t, s, "stale accept refused", oldID, oldKey, thirdKey)

	// Rejecting drops it; rejecting again is a no-op.
	clock.Advance(time.Minute)
	rejected, err := s.RejectNewKey(ctx, oldID)
	if err != nil || rejected.PendingKey != nil || !rejected.UpdatedAt.Equal(clock.Now()) {
		t.Fatalf("RejectNewKey: %+v, %v", rejected, err)
	}
	assertKeys(t, s, "rejected", oldID, oldKey, nil)
	trust("rejected identity", thirdID, thirdKey, TrustNew)
	trust("old identity after reject", oldID, oldKey, TrustPinned)
	if _, err := s.RejectNewKey(ctx, oldID); err != nil {
		t.Errorf("RejectNewKey without pending: %v", err)
	}
	if _, err := s.AcceptNewKey(ctx, oldID, thirdKey); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("AcceptNewKey without pending err = %v, want ErrKeyMismatch", err)
	}

	// Recorded again and accepted: the contact moves to the new id.
	if _, err := s.RecordNewIdentity(ctx, oldID, newKey); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)
	moved, err := s.AcceptNewKey(ctx, oldID, newKey)
	if err != nil {
		t.Fatal(err)
	}
	want := added
	want.ID, want.Key, want.UpdatedAt = newID, newKey, clock.Now()
	assertContact(t, "accepted", moved, want)
	stored, err := s.GetContact(ctx, newID)
	if err != nil {
		t.Fatal(err)
	}
	assertContact(t, "stored after accept", stored, want)
	if _, err := s.GetContact(ctx, oldID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetContact(old id) after accept err = %v, want ErrNotFound", err)
	}
	if cs, _ := s.ListContacts(ctx); len(cs) != 1 {
		t.Fatalf("%d contacts after accept, want 1", len(cs))
	}
	trust("new identity, accepted", newID, newKey, TrustPinned)
	trust("old identity, retired", oldID, oldKey, TrustNew)
	if _, ok, _ := s.PendingContactFor(ctx, newKey); ok {
		t.Error("the accepted identity is still pending")
	}
	// Accepting again: the old id is gone, the new one has nothing pending.
	if _, err := s.AcceptNewKey(ctx, oldID, newKey); !errors.Is(err, ErrNotFound) {
		t.Errorf("AcceptNewKey(old id) again err = %v, want ErrNotFound", err)
	}
	if _, err := s.AcceptNewKey(ctx, newID, newKey); !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("AcceptNewKey(new id) err = %v, want ErrKeyMismatch", err)
	}

	// History is what happened: the call keeps the old peer id.
	calls, _, err := s.ListHistory(ctx, 0, "")
	if err != nil || len(calls) != 1 || calls[0].ID != call.ID || calls[0].Peer != oldID || calls[0].PeerName != "Ada" {
		t.Fatalf("history after accept: %+v, %v", calls, err)
	}
}

func TestAcceptNewKeyMerge(t *testing.T) {
	ctx := context.Background()
	oldID, oldKey := testPeer(t, 1)
	newID, newKey := testPeer(t, 2)
	tests := []struct {
		name     string
		old      Contact // under oldID, key pinned
		existing Contact // under newID; Key set means pinned
		trust    TrustState
		want     Contact // fields besides id, keys and times
	}{
		{
			name:     "auto-created and pinned",
			old:      Contact{Name: "Ada", AnnouncedName: "ada-laptop", SignalURL: "wss://a.example.org/s", Favorite: true},
			existing: Contact{AnnouncedName: "ada-new", LANAddr: "10.0.0.5:7000", Key: newKey},
			trust:    TrustPinned,
			want: Contact{Name: "Ada", AnnouncedName: "ada-laptop", SignalURL: "wss://a.example.org/s",
				LANAddr: "10.0.0.5:7000", Favorite: true},
		},
		{
			name:     "added by id, no key",
			old:      Contact{AnnouncedName: "ada-laptop"},
			existing: Contact{Name: "Ada (new phone)", SignalURL: "wss://b.example.org/s", Favorite: true},
			trust:    TrustChanged,
			want:     Contact{Name: "Ada (new phone)", AnnouncedName: "ada-laptop", SignalURL: "wss://b.example.org/s", Favorite: true},
		},
		{
			name:     "existing blocked: accepting never unblocks",
			old:      Contact{Name: "Ada"},
			existing: Contact{Name: "Spam?", Blocked: true, Key: newKey},
			trust:    TrustBlocked,
			want:     Contact{Name: "Ada", Blocked: true},
		},
		{
			name:     "moved contact blocked",
			old:      Contact{Name: "Ada", Blocked: true},
			existing: Contact{AnnouncedName: "ada-new"},
			trust:    TrustBlocked,
			want:     Contact{Name: "Ada", AnnouncedName: "ada-new", Blocked: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			clock := newFakeClock(s)
			// The existing row is older than the moved one: the merged
			// contact keeps the earlier CreatedAt.
			ex := tc.existing
			ex.ID = newID
			exAdded, err := s.AddContact(ctx, ex)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Hour)
			old := tc.old
			old.ID, old.Key = oldID, oldKey
			if _, err := s.AddContact(ctx, old); err != nil {
				t.Fatal(err)
			}
			if _, err := s.RecordNewIdentity(ctx, oldID, newKey); err != nil {
				t.Fatal(err)
			}
			trustChecker(t, s)("new identity, pending", newID, newKey, tc.trust)

			clock.Advance(time.Minute)
			moved, err := s.AcceptNewKey(ctx, oldID, newKey)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.ID, want.Key, want.CreatedAt, want.UpdatedAt = newID, newKey, exAdded.CreatedAt, clock.Now()
			assertContact(t, "merged", moved, want)
			cs, err := s.ListContacts(ctx)
			if err != nil || len(cs) != 1 {
				t.Fatalf("contacts after merge: %+v, %v; want one", cs, err)
			}
			assertContact(t, "stored", cs[0], want)
			if _, err := s.GetContact(ctx, oldID); !errors.Is(err, ErrNotFound) {
				t.Errorf("GetContact(old) err = %v, want ErrNotFound", err)
			}
			wantTrust := TrustPinned
			if want.Blocked {
				wantTrust = TrustBlocked
			}
			trustChecker(t, s)("after merge", newID, newKey, wantTrust)
		})
	}
}

// TestAcceptNewKeyDropsMergedRowsPending: the row under the new id may
// itself have had a pending identity; it goes with the row.
func TestAcceptNewKeyDropsMergedRowsPending(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	oldID, oldKey := testPeer(t, 1)
	newID, newKey := testPeer(t, 2)
	otherID, otherKey := testPeer(t, 3)
	mustAdd(t, s, Contact{ID: oldID, Name: "Ada", Key: oldKey})
	mustAdd(t, s, Contact{ID: newID, Key: newKey})
	if _, err := s.RecordNewIdentity(ctx, newID, otherKey); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordNewIdentity(ctx, oldID, newKey); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AcceptNewKey(ctx, oldID, newKey); err != nil {
		t.Fatal(err)
	}
	assertKeys(t, s, "merged", newID, newKey, nil)
	trustChecker(t, s)("dropped pending identity", otherID, otherKey, TrustNew)
}

func mustAdd(t *testing.T, s *Store, c Contact) Contact {
	t.Helper()
	c, err := s.AddContact(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRecordNewIdentityErrors(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	adaID, adaKey := testPeer(t, 1)
	bobID, bobKey := testPeer(t, 2)
	bareID, _ := testPeer(t, 3)
	_, newKey := testPeer(t, 4)
	_, takenKey := testPeer(t, 5)
	mustAdd(t, s, Contact{ID: adaID, Name: "Ada", Key: adaKey})
	mustAdd(t, s, Contact{ID: bobID, Name: "Bob", Key: bobKey})
	mustAdd(t, s, Contact{ID: bareID, Name: "Cy"})
	if _, err := s.RecordNewIdentity(ctx, bobID, takenKey); err != nil {
		t.Fatal(err)
	}
	before, _ := s.ListContacts(ctx)

	tests := []struct {
		name string
		id   identity.PeerID
		key  ed25519.PublicKey
		want error
	}{
		{"unknown contact", fastPeer(9), newKey, ErrNotFound},
		{"contact without key", bareID, newKey, ErrInvalid},
		{"own key", adaID, adaKey, ErrInvalid},
		{"zero id", identity.PeerID{}, newKey, ErrInvalid},
		{"short key", adaID, newKey[:31], ErrInvalid},
		{"nil key", adaID, nil, ErrInvalid},
		{"pending for another contact", adaID, takenKey, ErrExists},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.RecordNewIdentity(ctx, tc.id, tc.key)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "store: record new identity") {
				t.Errorf("error %q lacks the operation prefix", err)
			}
		})
	}
	after, _ := s.ListContacts(ctx)
	for i := range before {
		assertContact(t, "after refused records", after[i], before[i])
	}
	// Bob's own identity may be recorded as Ada's new one (a merge later).
	if _, err := s.RecordNewIdentity(ctx, adaID, bobKey); err != nil {
		t.Errorf("another contact's identity as the new one: %v", err)
	}
}

func TestTrustBlockedWins(t *testing.T) {
	ctx := context.Background()
	oldID, oldKey := testPeer(t, 1)
	newID, newKey := testPeer(t, 2)
	tests := []struct {
		name      string
		setup     func(t *testing.T, s *Store)
		id        identity.PeerID
		key       ed25519.PublicKey
		unblocked TrustState // before the block
		blockWho  identity.PeerID
	}{
		{"pinned contact", func(t *testing.T, s *Store) {
			mustAdd(t, s, Contact{ID: oldID, Key: oldKey})
		}, oldID, oldKey, TrustPinned, oldID},
		{"contact without key", func(t *testing.T, s *Store) {
			mustAdd(t, s, Contact{ID: oldID})
		}, oldID, oldKey, TrustNew, oldID},
		{"old identity of a contact with a pending one", func(t *testing.T, s *Store) {
			mustAdd(t, s, Contact{ID: oldID, Key: oldKey})
			mustRecord(t, s, oldID, newKey)
		}, oldID, oldKey, TrustPinned, oldID},
		{"pending identity of a blocked contact", func(t *testing.T, s *Store) {
			mustAdd(t, s, Contact{ID: oldID, Key: oldKey})
			mustRecord(t, s, oldID, newKey)
		}, newID, newKey, TrustChanged, oldID},
		{"blocked contact under the pending identity", func(t *testing.T, s *Store) {
			mustAdd(t, s, Contact{ID: oldID, Key: oldKey})
			mustAdd(t, s, Contact{ID: newID})
			mustRecord(t, s, oldID, newKey)
		}, newID, newKey, TrustChanged, newID},
		{"pinned contact that is another's pending identity", func(t *testing.T, s *Store) {
			mustAdd(t, s, Contact{ID: oldID, Key: oldKey})
			mustAdd(t, s, Contact{ID: newID, Key: newKey})
			mustRecord(t, s, oldID, newKey)
		}, newID, newKey, TrustPinned, oldID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			tc.setup(t, s)
			trust := trustChecker(t, s)
			trust("before block", tc.id, tc.key, tc.unblocked)
			if _, err := s.SetBlocked(ctx, tc.blockWho, true); err != nil {
				t.Fatal(err)
			}
			trust("blocked", tc.id, tc.key, TrustBlocked)
			if _, err := s.SetBlocked(ctx, tc.blockWho, false); err != nil {
				t.Fatal(err)
			}
			trust("unblocked", tc.id, tc.key, tc.unblocked)
		})
	}
}

func mustRecord(t *testing.T, s *Store, id identity.PeerID, key ed25519.PublicKey) {
	t.Helper()
	if _, err := s.RecordNewIdentity(context.Background(), id, key); err != nil {
		t.Fatal(err)
	}
}

// TestTrustStoredKeyMismatch: a row whose pinned key is not its id's key
// (only data written before ids were checked) is an error, not a state.
func TestTrustStoredKeyMismatch(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id, key := testPeer(t, 1)
	_, other := testPeer(t, 2)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO contacts (peer_id, public_key, created_at, updated_at)
		VALUES (?, ?, 1, 1)`, id.String(), []byte(other)); err != nil {
		t.Fatal(err)
	}
	if st, err := s.Trust(ctx, id, key); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("Trust = %v, %v; want ErrKeyMismatch", st, err)
	}
	if _, err := s.PinKey(ctx, id, key); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("PinKey err = %v, want ErrKeyMismatch", err)
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
		{"Trust zero id", func() error { _, err := s.Trust(ctx, identity.PeerID{}, key); return err }},
		{"PinKey long key", func() error { _, err := s.PinKey(ctx, id, append(key, 0)); return err }},
		{"PinKey zero id", func() error { _, err := s.PinKey(ctx, identity.PeerID{}, key); return err }},
		{"AcceptNewKey nil key", func() error { _, err := s.AcceptNewKey(ctx, id, nil); return err }},
		{"AcceptNewKey zero id", func() error { _, err := s.AcceptNewKey(ctx, identity.PeerID{}, key); return err }},
		{"RecordNewIdentity nil key", func() error { _, err := s.RecordNewIdentity(ctx, id, nil); return err }},
		{"PendingContactFor short key", func() error { _, _, err := s.PendingContactFor(ctx, key[:5]); return err }},
		{"RejectNewKey zero id", func() error { _, err := s.RejectNewKey(ctx, identity.PeerID{}); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestTrustDuringAccept runs Trust for both identities while the contact
// moves: every answer is one of the states before or after the move.
func TestTrustDuringAccept(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	const n = 8
	type pair struct {
		oldID, newID   identity.PeerID
		oldKey, newKey ed25519.PublicKey
	}
	pairs := make([]pair, n)
	for i := range pairs {
		p := &pairs[i]
		p.oldID, p.oldKey = testPeer(t, 100+i)
		p.newID, p.newKey = testPeer(t, 200+i)
		mustAdd(t, s, Contact{ID: p.oldID, Name: fmt.Sprint("peer ", i), Key: p.oldKey})
		mustRecord(t, s, p.oldID, p.newKey)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*n*20)
	for _, p := range pairs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if _, err := s.AcceptNewKey(ctx, p.oldID, p.newKey); err != nil {
				errs <- err
			}
		}()
		go func() {
			defer wg.Done()
			for range 20 {
				if st, err := s.Trust(ctx, p.oldID, p.oldKey); err != nil || (st != TrustPinned && st != TrustNew) {
					errs <- fmt.Errorf("old identity: %v, %v", st, err)
				}
				if st, err := s.Trust(ctx, p.newID, p.newKey); err != nil || (st != TrustChanged && st != TrustPinned) {
					errs <- fmt.Errorf("new identity: %v, %v", st, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, p := range pairs {
		assertKeys(t, s, "moved", p.newID, p.newKey, nil)
	}
}

// TestMigrationDropsOldPendingKeys opens a version 1 file holding pending
// keys in the old sense (another key under the same id, duplicates
// allowed): version 2 drops them and keeps everything else.
func TestMigrationDropsOldPendingKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "peerline.db")
	db := openRaw(t, path)
	if err := migrate(ctx, db, migrations[:1]); err != nil {
		t.Fatal(err)
	}
	id1, key1 := testPeer(t, 1)
	id2, key2 := testPeer(t, 2)
	_, stray := testPeer(t, 3)
	for _, r := range []struct {
		id  identity.PeerID
		key ed25519.PublicKey
	}{{id1, key1}, {id2, key2}} {
		if _, err := db.ExecContext(ctx, `INSERT INTO contacts (peer_id, name, public_key, pending_key, pending_since,
			created_at, updated_at) VALUES (?, 'x', ?, ?, 5, 1, 1)`, r.id.String(), []byte(r.key), []byte(stray)); err != nil {
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
		t.Fatalf("version %d, want %d", v, len(migrations))
	}
	assertKeys(t, s, "contact 1", id1, key1, nil)
	assertKeys(t, s, "contact 2", id2, key2, nil)
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'index'
		AND name = 'contacts_by_pending_key'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("pending key index: %d, %v", n, err)
	}
	// The unique index holds from now on.
	if _, err := s.RecordNewIdentity(ctx, id1, stray); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, `UPDATE contacts SET pending_key = ? WHERE peer_id = ?`,
		[]byte(stray), id2.String()); err == nil {
		t.Fatal("two contacts with the same pending key")
	}
}

// TestTrustQueryUsesIndexes: Trust runs per incoming call and must not
// scan the contacts table (peer id: primary key; pending key: index).
func TestTrustQueryUsesIndexes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id, key := testPeer(t, 1)
	for _, q := range []struct {
		name, sql string
		args      []any
	}{
		{"Trust", trustQuery, []any{id.String(), []byte(key)}},
		{"PendingContactFor", pendingQuery, []any{[]byte(key)}},
	} {
		rows, err := s.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q.sql, q.args...)
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
		t.Logf("%s plan: %s", q.name, joined)
		if strings.Contains(joined, "SCAN") || !strings.Contains(joined, "contacts_by_pending_key") {
			t.Errorf("%s plan: %s", q.name, joined)
		}
	}
}
