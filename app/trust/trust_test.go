package trust

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// told records what the Gate reports.
type told struct {
	changed []identity.PeerID
	newIDs  [][2]identity.PeerID // contact, new identity
	matches []Match
}

func (n *told) ContactChanged(c store.Contact) { n.changed = append(n.changed, c.ID) }
func (n *told) NewIdentity(c store.Contact, newID identity.PeerID, m Match) {
	n.newIDs = append(n.newIDs, [2]identity.PeerID{c.ID, newID})
	n.matches = append(n.matches, m)
}

type noNames struct{}

func (noNames) NameOf(_ context.Context, _ identity.PeerID, fallback string) string { return fallback }

func newGate(t *testing.T) (*Gate, *store.Store, *told) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "peerline.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	n := &told{}
	return New(st, noNames{}, n, nil, slog.New(slog.NewTextHandler(io.Discard, nil))), st, n
}

func TestAdmitAndPin(t *testing.T) {
	ctx := context.Background()
	g, st, n := newGate(t)
	ada := signalingtest.Key(t)
	if got, err := g.Admit(ctx, ada.ID(), ada.Public()); err != nil || got != calls.AdmitUnknown {
		t.Fatalf("a stranger: %v, %v; want AdmitUnknown", got, err)
	}
	if err := g.Pin(ctx, ada.ID(), ada.Public(), "Ada"); err != nil {
		t.Fatal(err)
	}
	if len(n.changed) != 1 || n.changed[0] != ada.ID() {
		t.Fatalf("Pin reported %v", n.changed)
	}
	if got, _ := g.Admit(ctx, ada.ID(), ada.Public()); got != calls.AdmitVerified {
		t.Fatalf("after Pin: %v, want AdmitVerified", got)
	}
	if _, err := st.SetBlocked(ctx, ada.ID(), true); err != nil {
		t.Fatal(err)
	}
	if got, _ := g.Admit(ctx, ada.ID(), ada.Public()); got != calls.RefuseBlocked {
		t.Fatalf("blocked: %v, want RefuseBlocked", got)
	}
}

// A contact's name from an unknown identity is reported as "same name as"
// and changes nothing about the contact: it stays verified, not "identity
// changed", and the caller is an unknown, not a held, one.
func TestSameNameAsFlagsNoOne(t *testing.T) {
	ctx := context.Background()
	g, st, n := newGate(t)
	ada, ada2, eve := signalingtest.Key(t), signalingtest.Key(t), signalingtest.Key(t)
	if err := g.Pin(ctx, ada.ID(), ada.Public(), "Ada"); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		peer   identity.PeerID
		claim  string
		want   string
		wantOK bool
	}{
		{"no such contact name", eve.ID(), "Eve", "", false},
		{"the contact itself", ada.ID(), "Ada", "", false},
		{"another identity with the name", ada2.ID(), "ada", "Ada", true},
		{"no name", ada2.ID(), "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := g.SameNameAs(ctx, tc.peer, tc.claim)
			if got != tc.want || ok != tc.wantOK {
				t.Fatalf("SameNameAs = %q, %v; want %q, %v", got, ok, tc.want, tc.wantOK)
			}
		})
	}
	if len(n.newIDs) != 0 {
		t.Fatalf("reported new identities %v", n.newIDs)
	}
	if c, err := st.GetContact(ctx, ada.ID()); err != nil || c.KeyChanged() {
		t.Fatalf("the contact after a name claim: %+v, %v", c, err)
	}
	if got, _ := g.Admit(ctx, ada2.ID(), ada2.Public()); got != calls.AdmitUnknown {
		t.Fatalf("the name claimer: %v, want AdmitUnknown", got)
	}
}
