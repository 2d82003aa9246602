package e2e

import (
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// TestContactKeepsServerAcrossRestart: a person added with a server is
// reached through that server after a restart with no --signal-url and no
// server in the settings (issue 12, part 4: at start the app used to dial
// only the settings' servers and --signal-url, so the contact never came
// online again). Deleting the last contact on a server ends that link.
func TestContactKeepsServerAcrossRestart(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 2)
	srv := StartSignal(t, lan.Hosts[0], lan.Hosts[0].Addr.String()+":0")
	a := StartInstance(t, lan.Hosts[0], "A", Options{NoDiscovery: true})
	b := StartInstance(t, lan.Hosts[1], "B", Options{NoDiscovery: true, SignalURL: srv.URL})

	a.Do(nil, "Contacts.Add", map[string]string{"id": b.ID(), "name": "Bob", "server": srv.URL})
	online := func(p PeerView) bool { return p.Online }
	a.WaitPeer(b.ID(), online, discoverTimeout)

	a.Quit()
	a.Restart()
	p, at := a.WaitPeer(b.ID(), online, discoverTimeout)
	t.Logf("after A's restart, B online at A %v after the start", at.Sub(a.Started).Round(time.Millisecond))
	if !p.Contact || p.Name != "Bob" {
		t.Errorf("A lists B after its restart as %+v", p)
	}
	roundTrip(t, a, b, b)
	roundTrip(t, b, a, a)

	// The contact was the only reason to use the server: its link ends.
	a.Do(nil, "Contacts.Delete", b.ID())
	deadline := time.Now().Add(signalTimeout)
	for metrics(t, srv)["peerline_signal_connections"] != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("the server still has %v connections after A deleted its only contact there, want 1 (B)", metrics(t, srv)["peerline_signal_connections"])
		}
		time.Sleep(50 * time.Millisecond)
	}
}
