package trust

import (
	"context"
	"net/netip"
	"testing"

	"github.com/peerline/peerline/app/presence"
	"github.com/peerline/peerline/app/store"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// graceAt makes Grace a contact with her key pinned, and tells the gate
// her key was proven at addr.
func graceAt(t *testing.T, g *Gate, st *store.Store, addr netip.AddrPort) *identity.KeyPair {
	t.Helper()
	ctx := context.Background()
	grace := signalingtest.Key(t)
	if err := g.Pin(ctx, grace.ID(), grace.Public(), "Grace"); err != nil {
		t.Fatal(err)
	}
	g.KeyProven(ctx, grace.ID(), grace.Public(), addr)
	return grace
}

// TestKeyProvenAtContactAddress: only a key proven at an address Grace
// used (her last proven one, or her saved LAN address) becomes her
// pending new identity, matched by address; a key proven anywhere else,
// a known contact moving there, a rejected identity, or a contact that
// is still online do not (the last one only once she is offline).
func TestKeyProvenAtContactAddress(t *testing.T) {
	ctx := context.Background()
	home := netip.MustParseAddrPort("192.168.1.20:47300")
	other := netip.MustParseAddrPort("192.168.1.66:47300")

	t.Run("reinstall at her last proven address", func(t *testing.T) {
		g, st, n := newGate(t)
		grace := graceAt(t, g, st, home)
		fresh := signalingtest.Key(t)
		g.KeyProven(ctx, fresh.ID(), fresh.Public(), netip.MustParseAddrPort("[::ffff:192.168.1.20]:47300"))
		if len(n.newIDs) != 1 || n.newIDs[0] != [2]identity.PeerID{grace.ID(), fresh.ID()} {
			t.Fatalf("reported %v, want Grace's new identity %s", n.newIDs, fresh.ID().Short())
		}
		if m := n.matches[0]; m.By != MatchAddress || !sameAddr(m.Addr, home) {
			t.Errorf("match %+v, want address %v", m, home)
		}
		if ts, _ := st.Trust(ctx, fresh.ID(), fresh.Public()); ts != store.TrustChanged {
			t.Errorf("the new identity is %v, want changed (held)", ts)
		}
	})
	t.Run("proven before she became a contact", func(t *testing.T) {
		g, _, n := newGate(t)
		grace := signalingtest.Key(t)
		g.KeyProven(ctx, grace.ID(), grace.Public(), home) // found on the LAN first
		if err := g.Pin(ctx, grace.ID(), grace.Public(), "Grace"); err != nil {
			t.Fatal(err)
		}
		fresh := signalingtest.Key(t)
		g.KeyProven(ctx, fresh.ID(), fresh.Public(), home)
		if len(n.newIDs) != 1 || n.newIDs[0] != [2]identity.PeerID{grace.ID(), fresh.ID()} {
			t.Fatalf("reported %v, want Grace's new identity", n.newIDs)
		}
	})
	t.Run("proven at two addresses before she became a contact, once after", func(t *testing.T) {
		// Each of a hub's addresses is proven on its own: found at home
		// and at her link-local address, then a contact, then proven
		// again at home only. A new key proven at the link-local one is
		// still at her address (CI once saw the other order fail).
		g, _, n := newGate(t)
		grace := signalingtest.Key(t)
		linkLocal := netip.MustParseAddrPort("[fe80::1%eth0]:47300")
		g.KeyProven(ctx, grace.ID(), grace.Public(), home)
		g.KeyProven(ctx, grace.ID(), grace.Public(), linkLocal)
		if err := g.Pin(ctx, grace.ID(), grace.Public(), "Grace"); err != nil {
			t.Fatal(err)
		}
		g.KeyProven(ctx, grace.ID(), grace.Public(), home)
		fresh := signalingtest.Key(t)
		g.KeyProven(ctx, fresh.ID(), fresh.Public(), linkLocal)
		if len(n.newIDs) != 1 || n.newIDs[0] != [2]identity.PeerID{grace.ID(), fresh.ID()} {
			t.Fatalf("reported %v, want Grace's new identity", n.newIDs)
		}
	})
	t.Run("her saved LAN address", func(t *testing.T) {
		g, st, n := newGate(t)
		grace := graceAt(t, g, st, other) // proven elsewhere; saved address home
		if _, err := st.UpdateContact(ctx, grace.ID(), func(c *store.Contact) error { c.LANAddr = home.String(); return nil }); err != nil {
			t.Fatal(err)
		}
		fresh := signalingtest.Key(t)
		g.KeyProven(ctx, fresh.ID(), fresh.Public(), home)
		if len(n.newIDs) != 1 || n.newIDs[0][0] != grace.ID() {
			t.Fatalf("reported %v, want Grace's new identity", n.newIDs)
		}
	})
	t.Run("another address", func(t *testing.T) {
		g, st, n := newGate(t)
		graceAt(t, g, st, home)
		stranger := signalingtest.Key(t)
		g.KeyProven(ctx, stranger.ID(), stranger.Public(), other)
		g.KeyProven(ctx, stranger.ID(), stranger.Public(), netip.MustParseAddrPort("192.168.1.20:47301"))
		if len(n.newIDs) != 0 {
			t.Fatalf("a key proven at another address was reported as Grace's: %v", n.newIDs)
		}
	})
	t.Run("a known contact moves to her address", func(t *testing.T) {
		g, st, n := newGate(t)
		graceAt(t, g, st, home)
		bob := signalingtest.Key(t)
		if err := g.Pin(ctx, bob.ID(), bob.Public(), "Bob"); err != nil {
			t.Fatal(err)
		}
		g.KeyProven(ctx, bob.ID(), bob.Public(), home)
		if len(n.newIDs) != 0 {
			t.Fatalf("Bob at Grace's old address was reported as Grace's new identity: %v", n.newIDs)
		}
	})
	t.Run("rejected", func(t *testing.T) {
		g, st, n := newGate(t)
		grace := graceAt(t, g, st, home)
		fresh := signalingtest.Key(t)
		g.KeyProven(ctx, fresh.ID(), fresh.Public(), home)
		if _, err := st.RejectNewKey(ctx, grace.ID()); err != nil {
			t.Fatal(err)
		}
		g.Reject(grace.ID(), fresh.ID())
		g.KeyProven(ctx, fresh.ID(), fresh.Public(), home) // proven again (a new name, a restart)
		if len(n.newIDs) != 1 {
			t.Fatalf("reported %d times, want once (rejected since)", len(n.newIDs))
		}
		if ts, _ := st.Trust(ctx, fresh.ID(), fresh.Public()); ts != store.TrustNew {
			t.Errorf("the rejected identity is %v, want new (a stranger)", ts)
		}
	})
	t.Run("held while she is online", func(t *testing.T) {
		g, st, n := newGate(t)
		tr := presence.New()
		g.online = tr
		tr.NotifyProofs(g)
		grace := graceAt(t, g, st, home)
		tr.FromServer(grace.ID(), true, "wss://signal.example")
		fresh := signalingtest.Key(t)
		g.KeyProven(ctx, fresh.ID(), fresh.Public(), home)
		if len(n.newIDs) != 0 {
			t.Fatalf("reported while Grace's own key is online: %v", n.newIDs)
		}
		tr.FromServer(grace.ID(), false, "wss://signal.example") // the tracker tells the gate she is offline
		if len(n.newIDs) != 1 || n.newIDs[0][1] != fresh.ID() {
			t.Fatalf("after Grace went offline: %v, want her new identity", n.newIDs)
		}
	})
	t.Run("held, then she proves her own key again", func(t *testing.T) {
		g, st, n := newGate(t)
		tr := presence.New()
		g.online = tr
		tr.NotifyProofs(g)
		grace := graceAt(t, g, st, home)
		tr.FromServer(grace.ID(), true, "wss://signal.example")
		fresh := signalingtest.Key(t)
		g.KeyProven(ctx, fresh.ID(), fresh.Public(), home)
		g.KeyProven(ctx, grace.ID(), grace.Public(), other) // she is elsewhere: someone else has her old address
		tr.FromServer(grace.ID(), false, "wss://signal.example")
		if len(n.newIDs) != 0 {
			t.Fatalf("reported after Grace proved her own key elsewhere: %v", n.newIDs)
		}
	})
}
