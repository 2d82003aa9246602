package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

func TestAddGetContact(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	clock := newFakeClock(s)
	id, key := testPeer(t, 1)
	in := Contact{
		ID: id, Name: "  Ada  ", AnnouncedName: "ada-laptop", Key: key,
		SignalURL: "WSS://Signal.Example.org/v1/signal", LANAddr: "192.168.1.20:7000", Favorite: true,
	}
	added, err := s.AddContact(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Name = "Ada"
	want.SignalURL = "wss://signal.example.org/v1/signal"
	want.CreatedAt, want.UpdatedAt = clock.Now(), clock.Now()
	assertContact(t, "added", added, want)
	got, err := s.GetContact(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	assertContact(t, "stored", got, want)
	if got.DisplayName() != "Ada" || got.KeyChanged() {
		t.Errorf("DisplayName %q, KeyChanged %v", got.DisplayName(), got.KeyChanged())
	}

	if _, err := s.AddContact(ctx, Contact{ID: id}); !errors.Is(err, ErrExists) {
		t.Errorf("second AddContact err = %v, want ErrExists", err)
	}
	if _, err := s.GetContact(ctx, fastPeer(99)); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetContact(unknown) err = %v, want ErrNotFound", err)
	}
	// Minimal contact: just an id (added by pasting it), no key yet.
	bare, err := s.AddContact(ctx, Contact{ID: fastPeer(2)})
	if err != nil {
		t.Fatal(err)
	}
	if bare.Key != nil || bare.DisplayName() != fastPeer(2).Short() {
		t.Errorf("bare contact %+v, display %q", bare, bare.DisplayName())
	}
}

func assertContact(t *testing.T, what string, got, want Contact) {
	t.Helper()
	if got.ID != want.ID || got.Name != want.Name || got.AnnouncedName != want.AnnouncedName ||
		!bytes.Equal(got.Key, want.Key) || !bytes.Equal(got.PendingKey, want.PendingKey) ||
		!got.PendingSince.Equal(want.PendingSince) || got.SignalURL != want.SignalURL || got.LANAddr != want.LANAddr ||
		got.Favorite != want.Favorite || got.Blocked != want.Blocked ||
		!got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Fatalf("%s contact:\n got %+v\nwant %+v", what, got, want)
	}
}

// TestContactSignalURLReadCanonical: a server URL stored before the
// canonical form (default port, no path) reads back canonical, so it
// equals the same server in the settings; one that no longer parses
// reads back as stored.
func TestContactSignalURLReadCanonical(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	tests := []struct{ stored, want string }{
		{"wss://signal.example.org:443", "wss://signal.example.org/v1/signal"},
		{"ws://10.0.0.1:8080/", "ws://10.0.0.1:8080/v1/signal"},
		{"wss://signal.example.org/v1/signal", "wss://signal.example.org/v1/signal"},
		{"wss://h.example/a%22b?q=\u00e9", "wss://h.example/a%22b?q=\u00e9"},
	}
	for i, tc := range tests {
		id, _ := testPeer(t, 40+i)
		if _, err := s.AddContact(ctx, Contact{ID: id, Name: "Ada"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.w.Exec(`UPDATE contacts SET signal_url = ? WHERE peer_id = ?`, tc.stored, id.String()); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetContact(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.SignalURL != tc.want {
			t.Errorf("stored %q reads back as %q, want %q", tc.stored, got.SignalURL, tc.want)
		}
	}
}

func TestContactValidation(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id := fastPeer(1)
	tests := []struct {
		name string
		c    Contact
	}{
		{"zero id", Contact{Name: "Ada"}},
		{"blank name", Contact{ID: id, Name: "   "}},
		{"long name", Contact{ID: id, Name: strings.Repeat("x", MaxNameRunes+1)}},
		{"control in name", Contact{ID: id, Name: "Ada\x07"}},
		{"bidi in announced name", Contact{ID: id, AnnouncedName: "Ada\u202E"}},
		{"invalid UTF-8 announced name", Contact{ID: id, AnnouncedName: "\xc3"}},
		{"http URL", Contact{ID: id, SignalURL: "https://example.org"}},
		{"URL with password", Contact{ID: id, SignalURL: "wss://a:b@example.org"}},
		{"URL bad port", Contact{ID: id, SignalURL: "wss://example.org:0"}},
		{"address without port", Contact{ID: id, LANAddr: "192.168.1.2"}},
		{"address port zero", Contact{ID: id, LANAddr: "192.168.1.2:0"}},
		{"address port 65536", Contact{ID: id, LANAddr: "192.168.1.2:65536"}},
		{"address bad host", Contact{ID: id, LANAddr: "bad_host:80"}},
		{"short key", Contact{ID: id, Key: make([]byte, 31)}},
		{"empty key", Contact{ID: id, Key: []byte{}}},
		{"pending key", Contact{ID: id, Key: make([]byte, 32), PendingKey: make([]byte, 32)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.AddContact(ctx, tc.c)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("AddContact err = %v, want ErrInvalid", err)
			}
			if !strings.HasPrefix(err.Error(), "store: add contact") {
				t.Errorf("error %q lacks the operation prefix", err)
			}
		})
	}
	if cs, _ := s.ListContacts(ctx); len(cs) != 0 {
		t.Errorf("invalid contacts were stored: %v", cs)
	}
}

func TestListContactsOrder(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	add := func(n int, name, announced string, fav bool) identity.PeerID {
		t.Helper()
		c, err := s.AddContact(ctx, Contact{ID: fastPeer(n), Name: name, AnnouncedName: announced, Favorite: fav})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	zed := add(1, "zed", "", false)
	bob := add(2, "", "Bob", false)    // announced name only
	amy := add(3, "amy", "Zzz", false) // the user's name wins
	favZ := add(4, "Zoe", "", true)
	favA := add(5, "Ábel", "", true)
	favB := add(6, "bea", "", true)
	cs, err := s.ListContacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []identity.PeerID{favB, favZ, favA, amy, bob, zed}
	// "Ábel" folds to "ábel", which sorts after ASCII letters: simple
	// folding, not a locale collation.
	if len(cs) != len(want) {
		t.Fatalf("%d contacts, want %d", len(cs), len(want))
	}
	for i := range want {
		if cs[i].ID != want[i] {
			var names []string
			for _, c := range cs {
				names = append(names, c.DisplayName())
			}
			t.Fatalf("order %v", names)
		}
	}
}

func TestUpdateContact(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	clock := newFakeClock(s)
	id, key := testPeer(t, 1)
	orig, err := s.AddContact(ctx, Contact{ID: id, Name: "Ada", Key: key})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Minute)

	got, err := s.UpdateContact(ctx, id, func(c *Contact) error {
		c.Name = ""
		c.AnnouncedName = " ada-laptop "
		c.SignalURL = "ws://10.0.0.1:8080/v1/signal"
		c.LANAddr = "[fe80::1%eth0]:7000"
		c.Favorite = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := orig
	want.Name, want.AnnouncedName = "", "ada-laptop"
	want.SignalURL, want.LANAddr, want.Favorite = "ws://10.0.0.1:8080/v1/signal", "[fe80::1%eth0]:7000", true
	want.UpdatedAt = clock.Now()
	assertContact(t, "updated", got, want)
	stored, _ := s.GetContact(ctx, id)
	assertContact(t, "stored", stored, want)

	// Refused edits change nothing.
	refused := []struct {
		name string
		edit func(*Contact) error
		want error
	}{
		{"id", func(c *Contact) error { c.ID = fastPeer(9); return nil }, ErrInvalid},
		{"key", func(c *Contact) error { c.Key[0] ^= 1; return nil }, ErrInvalid},
		{"key cleared", func(c *Contact) error { c.Key = nil; return nil }, ErrInvalid},
		{"pending key", func(c *Contact) error { c.PendingKey = make([]byte, 32); return nil }, ErrInvalid},
		{"created", func(c *Contact) error { c.CreatedAt = time.Now(); return nil }, ErrInvalid},
		{"bad URL", func(c *Contact) error { c.SignalURL = "ftp://x"; return nil }, ErrInvalid},
		{"edit error", func(c *Contact) error { c.Name = "Eve"; return ErrExists }, ErrExists},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.UpdateContact(ctx, id, tc.edit); !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			after, _ := s.GetContact(ctx, id)
			assertContact(t, "after refused edit", after, want)
		})
	}
	if _, err := s.UpdateContact(ctx, fastPeer(9), func(*Contact) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("update unknown: %v", err)
	}
}

func TestContactShorthands(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id := fastPeer(1)
	if _, err := s.AddContact(ctx, Contact{ID: id, AnnouncedName: "laptop"}); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		do    func() (Contact, error)
		check func(Contact) bool
	}{
		{"rename", func() (Contact, error) { return s.Rename(ctx, id, " Ada ") }, func(c Contact) bool { return c.Name == "Ada" }},
		{"announced", func() (Contact, error) { return s.SetAnnouncedName(ctx, id, "ada-pc") },
			func(c Contact) bool { return c.AnnouncedName == "ada-pc" && c.DisplayName() == "Ada" }},
		{"favorite", func() (Contact, error) { return s.SetFavorite(ctx, id, true) }, func(c Contact) bool { return c.Favorite }},
		{"unfavorite", func() (Contact, error) { return s.SetFavorite(ctx, id, false) }, func(c Contact) bool { return !c.Favorite }},
		{"block", func() (Contact, error) { return s.SetBlocked(ctx, id, true) }, func(c Contact) bool { return c.Blocked }},
		{"unblock", func() (Contact, error) { return s.SetBlocked(ctx, id, false) }, func(c Contact) bool { return !c.Blocked }},
	}
	for _, st := range steps {
		c, err := st.do()
		if err != nil || !st.check(c) {
			t.Fatalf("%s: %+v, %v", st.name, c, err)
		}
		stored, _ := s.GetContact(ctx, id)
		if !st.check(stored) {
			t.Fatalf("%s: stored %+v", st.name, stored)
		}
	}
	for _, bad := range []string{"", "  ", "a\nb", strings.Repeat("x", 65)} {
		if _, err := s.Rename(ctx, id, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("Rename(%q) err = %v, want ErrInvalid", bad, err)
		}
		if _, err := s.SetAnnouncedName(ctx, id, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetAnnouncedName(%q) err = %v, want ErrInvalid", bad, err)
		}
	}
	if _, err := s.Rename(ctx, fastPeer(2), "Bob"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Rename(unknown) err = %v", err)
	}

	if err := s.DeleteContact(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetContact(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if err := s.DeleteContact(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
}

func TestErrorsCarryOperationAndShortID(t *testing.T) {
	s := openTest(t)
	id := fastPeer(7)
	_, err := s.GetContact(context.Background(), id)
	want := fmt.Sprintf("store: get contact %s: not found", id.Short())
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}

func TestUpdateContactPanicReleasesWriter(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	id := fastPeer(1)
	if _, err := s.AddContact(ctx, Contact{ID: id, Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("panic not propagated")
			}
		}()
		s.UpdateContact(ctx, id, func(c *Contact) error { c.Name = "Eve"; panic("boom") })
	}()
	ctx2, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	c, err := s.Rename(ctx2, id, "Bea")
	if err != nil || c.Name != "Bea" {
		t.Fatalf("writer stuck after a panic: %+v, %v", c, err)
	}
}
