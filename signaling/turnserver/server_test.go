package turnserver

import (
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/peerline/peerline/signaling/server"
)

const testSecret = "north-secret"

// startServer runs a relay on loopback, announcing 127.0.0.1, and closes
// it when the test ends.
func startServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Secret == "" {
		cfg.Secret = testSecret
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// credentials are what peerline-signal hands user: valid for an hour.
func credentials(user string) (string, string) {
	return server.TURNCredentials(testSecret, user, time.Now().Add(time.Hour))
}

// newClient is a real pion/turn client over UDP (or TCP) to s.
func newClient(t *testing.T, s *Server, network, username, password string) *turn.Client {
	t.Helper()
	var conn net.PacketConn
	var serverAddr string
	switch network {
	case "udp":
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		conn, serverAddr = c, s.UDPAddr().String()
	case "tcp":
		c, err := net.Dial("tcp", s.TCPAddr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn, serverAddr = turn.NewSTUNConn(c), s.TCPAddr().String()
	}
	c, err := turn.NewClient(&turn.ClientConfig{
		TURNServerAddr: serverAddr, STUNServerAddr: serverAddr,
		Username: username, Password: password, Conn: conn,
		RTO: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); conn.Close() })
	return c
}

func allocate(t *testing.T, s *Server, network, user string) net.PacketConn {
	t.Helper()
	relay, _ := allocateClient(t, s, network, user)
	return relay
}

func allocateClient(t *testing.T, s *Server, network, user string) (net.PacketConn, *turn.Client) {
	t.Helper()
	u, p := credentials(user)
	c := newClient(t, s, network, u, p)
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("Allocate as %s over %s: %v", user, network, err)
	}
	t.Cleanup(func() { relay.Close() })
	return relay, c
}

// exchange sends from a to b's address and reads it at b, retrying the
// send while the first packets race the permission.
func exchange(t *testing.T, from net.PacketConn, to net.PacketConn, toAddr net.Addr) {
	t.Helper()
	want := "hello from " + from.LocalAddr().String()
	buf := make([]byte, 1500)
	for range 50 {
		if _, err := from.WriteTo([]byte(want), toAddr); err != nil {
			t.Fatalf("WriteTo %s: %v", toAddr, err)
		}
		to.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, _, err := to.ReadFrom(buf)
		if err == nil && string(buf[:n]) == want {
			return
		}
		var ne net.Error
		if err != nil && !(errors.As(err, &ne) && ne.Timeout()) {
			t.Fatalf("ReadFrom: %v", err)
		}
	}
	t.Fatalf("%q never arrived at %s", want, toAddr)
}

func TestRelayBetweenClientAndPeer(t *testing.T) {
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			s := startServer(t, Config{AllowPeers: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
			relay := allocate(t, s, network, "alice")
			peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer peer.Close()
			exchange(t, relay, peer, peer.LocalAddr())
			exchange(t, peer, relay, relay.LocalAddr())
			if got := testutil.ToFloat64(s.m.allocations); got != 1 {
				t.Errorf("allocations gauge = %v, want 1", got)
			}
			if testutil.ToFloat64(s.m.toPeer) == 0 || testutil.ToFloat64(s.m.fromPeer) == 0 {
				t.Error("relayed bytes did not count both directions")
			}
			relay.Close()
			waitFor(t, func() bool { return testutil.ToFloat64(s.m.allocations) == 0 }, "allocations gauge back to 0")
		})
	}
}

// waitFor polls cond: the allocation closes on pion's goroutine after a
// Refresh with lifetime 0, with no event to wait on.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestRelayToRelay(t *testing.T) {
	// No --turn-allow-peers: 127.0.0.1 is refused as a peer, except as
	// this server's own relay address.
	s := startServer(t, Config{})
	a, ca := allocateClient(t, s, "udp", "alice")
	b, cb := allocateClient(t, s, "tcp", "bob")
	// Each side permits the other's relay address, as ICE's checks do.
	if err := ca.CreatePermission(b.LocalAddr()); err != nil {
		t.Fatalf("CreatePermission to the other relay: %v", err)
	}
	if err := cb.CreatePermission(a.LocalAddr()); err != nil {
		t.Fatalf("CreatePermission to the other relay: %v", err)
	}
	exchange(t, a, b, b.LocalAddr())
	exchange(t, b, a, a.LocalAddr())
}

func TestMetricsCollector(t *testing.T) {
	s := startServer(t, Config{})
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Metrics())
	n, err := testutil.GatherAndCount(reg, "peerline_turn_allocations", "peerline_turn_relayed_bytes_total", "peerline_turn_auth_failures_total")
	if err != nil || n != 4 {
		t.Fatalf("series = %d, %v; want 4", n, err)
	}
}
