package trust

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// told records what the Gate reports.
type told struct {
	changed []identity.PeerID
	newIDs  [][2]identity.PeerID // contact, new identity
}

func (n *told) ContactChanged(c store.Contact) { n.changed = append(n.changed, c.ID) }
func (n *told) NewIdentity(c store.Contact, newID identity.PeerID) {
	n.newIDs = append(n.newIDs, [2]identity.PeerID{c.ID, newID})
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
	return New(st, noNames{}, n, slog.New(slog.NewTextHandler(io.Discard, nil))), st, n
}

func invite(t *testing.T, from *identity.KeyPair, name string) signaling.Envelope {
	t.Helper()
	const sdp = "v=0\r\n"
	sig, ts := signaling.SignDescription(from, signaling.KindOffer, "c1", signalingtest.Key(t).ID(), sdp, time.Now())
	env, err := signaling.New(signaling.TypeInvite, signaling.Invite{Media: []signaling.Media{signaling.MediaAudio},
		SDP: sdp, Key: from.Public(), Sig: sig, Time: ts, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	env.From = from.ID()
	return env
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

// A contact's name from an unknown identity flags the contact, once the
// user has not said otherwise; the held caller is HoldChanged.
func TestCheckInvite(t *testing.T) {
	ctx := context.Background()
	g, st, n := newGate(t)
	ada, ada2, eve := signalingtest.Key(t), signalingtest.Key(t), signalingtest.Key(t)
	if err := g.Pin(ctx, ada.ID(), ada.Public(), "Ada"); err != nil {
		t.Fatal(err)
	}
	g.CheckInvite(ctx, invite(t, eve, "Eve")) // no such contact name
	g.CheckInvite(ctx, invite(t, ada, "Ada")) // the contact itself
	if len(n.newIDs) != 0 {
		t.Fatalf("flagged %v", n.newIDs)
	}
	g.CheckInvite(ctx, invite(t, ada2, "ada"))
	if len(n.newIDs) != 1 || n.newIDs[0] != [2]identity.PeerID{ada.ID(), ada2.ID()} {
		t.Fatalf("new identity reported as %v", n.newIDs)
	}
	if c, err := st.GetContact(ctx, ada.ID()); err != nil || !c.KeyChanged() {
		t.Fatalf("contact after the new identity: %+v, %v", c, err)
	}
	if got, _ := g.Admit(ctx, ada2.ID(), ada2.Public()); got != calls.HoldChanged {
		t.Fatalf("the new identity: %v, want HoldChanged", got)
	}
	if _, err := st.RejectNewKey(ctx, ada.ID()); err != nil {
		t.Fatal(err)
	}
	g.Reject(ada.ID(), ada2.ID())
	g.CheckInvite(ctx, invite(t, ada2, "Ada"))
	if len(n.newIDs) != 1 {
		t.Fatalf("flagged again after the user rejected it: %v", n.newIDs)
	}
}
