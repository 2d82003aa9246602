package turnserver

import (
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/peerline/peerline/signaling/server"
)

func TestAuthRefusesBadCredentials(t *testing.T) {
	valid, _ := credentials("alice")
	expired, expiredPass := server.TURNCredentials(testSecret, "alice", time.Now().Add(-time.Minute))
	forgedUser, forgedPass := server.TURNCredentials("another-secret", "alice", time.Now().Add(time.Hour))
	cases := []struct{ name, user, pass string }{
		{"expired", expired, expiredPass},
		{"signed with another secret", forgedUser, forgedPass},
		{"wrong password", valid, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
		{"no expiry", "alice", server.TURNPassword(testSecret, "alice")},
		{"expiry not a number", "soon:alice", server.TURNPassword(testSecret, "soon:alice")},
		{"empty user", "9999999999:", server.TURNPassword(testSecret, "9999999999:")},
	}
	s := startServer(t, Config{})
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := newClient(t, s, "udp", tc.user, tc.pass).Allocate(); err == nil {
				t.Fatal("allocation granted")
			}
			if got := testutil.ToFloat64(s.m.authFails); got < float64(i+1) {
				t.Errorf("auth failures = %v after %d refusals", got, i+1)
			}
			if got := testutil.ToFloat64(s.m.allocations); got != 0 {
				t.Errorf("allocations = %v", got)
			}
		})
	}
}

func TestQuotas(t *testing.T) {
	t.Run("per user", func(t *testing.T) {
		s := startServer(t, Config{MaxAllocationsPerUser: 2})
		allocate(t, s, "udp", "alice")
		allocate(t, s, "tcp", "alice")
		u, p := credentials("alice")
		_, err := newClient(t, s, "udp", u, p).Allocate()
		if err == nil || !strings.Contains(err.Error(), "486") {
			t.Fatalf("third allocation: err %v, want 486 Allocation Quota Reached", err)
		}
		allocate(t, s, "udp", "bob") // another user is not affected
		if got := testutil.ToFloat64(s.m.refused.WithLabelValues(reasonUserQuota)); got != 1 {
			t.Errorf("refused{user_quota} = %v", got)
		}
	})
	t.Run("total", func(t *testing.T) {
		s := startServer(t, Config{MaxAllocations: 1})
		allocate(t, s, "udp", "alice")
		u, p := credentials("bob")
		if _, err := newClient(t, s, "udp", u, p).Allocate(); err == nil {
			t.Fatal("allocation over the total granted")
		}
	})
	t.Run("released on close", func(t *testing.T) {
		s := startServer(t, Config{MaxAllocationsPerUser: 1})
		relay := allocate(t, s, "udp", "alice")
		relay.Close()
		waitFor(t, func() bool { return testutil.ToFloat64(s.m.allocations) == 0 }, "the allocation to close")
		allocate(t, s, "udp", "alice")
	})
}

func TestPeerFilter(t *testing.T) {
	// The server announces 127.0.0.1, its own address; 127.0.0.2 is a
	// loopback peer that is not the server's.
	peer, err := net.ListenPacket("udp4", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	hostService, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hostService.Close()

	t.Run("loopback peer refused by default", func(t *testing.T) {
		s := startServer(t, Config{})
		_, c := allocateClient(t, s, "udp", "alice")
		if err := c.CreatePermission(peer.LocalAddr()); err == nil {
			t.Fatal("permission to a loopback peer granted")
		}
		if got := testutil.ToFloat64(s.m.refused.WithLabelValues(reasonPeer)); got == 0 {
			t.Error("refused{peer_address} did not count")
		}
	})
	t.Run("allowed with AllowPeers", func(t *testing.T) {
		s := startServer(t, Config{AllowPeers: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
		relay, c := allocateClient(t, s, "udp", "alice")
		if err := c.CreatePermission(peer.LocalAddr()); err != nil {
			t.Fatalf("permission refused: %v", err)
		}
		exchange(t, relay, peer, peer.LocalAddr())
	})
	t.Run("own relay address only at relay ports", func(t *testing.T) {
		// The permission to 127.0.0.1 is granted as the relay's own
		// address, but a packet to a port that is no relay socket (a
		// service on the host) must not leave.
		s := startServer(t, Config{})
		relay := allocate(t, s, "udp", "alice")
		before := testutil.ToFloat64(s.m.toPeer)
		buf := make([]byte, 100)
		for range 20 {
			relay.WriteTo([]byte("to a host service"), hostService.LocalAddr())
			hostService.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			if n, _, err := hostService.ReadFrom(buf); err == nil {
				t.Fatalf("packet %q reached a non-relay port of the server's own address", buf[:n])
			}
		}
		if testutil.ToFloat64(s.m.toPeer) != before {
			t.Error("bytes to a refused peer were counted as relayed")
		}
	})
}

func TestRefusedRanges(t *testing.T) {
	f := &peerFilter{allow: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}, own: ownAddrs(net.ParseIP("192.168.1.5"))}
	cases := map[string]bool{
		"127.0.0.1": false, "10.0.0.1": false, "172.16.0.1": false, "192.168.0.1": false, "100.64.0.1": false,
		"169.254.169.254": false, "224.0.0.251": false, "255.255.255.255": false, "0.0.0.0": false,
		"::1": false, "::": false, "fd00::1": false, "fe80::1": false, "ff02::1": false, "::ffff:10.0.0.1": false,
		"203.0.113.7": true, "8.8.8.8": true, "2001:db8::1": true, "100.128.0.1": true,
		"10.1.2.3": true, "192.168.1.5": true, // allowed range; own address
	}
	for ip, want := range cases {
		if got := f.permit(net.ParseIP(ip)); got != want {
			t.Errorf("permit(%s) = %v, want %v", ip, got, want)
		}
	}
}

func TestBandwidthPerAllocation(t *testing.T) {
	// 64 kbit/s is 8 KB/s; the burst is one largest datagram. Sending
	// 200 KB at once must drop most of it.
	s := startServer(t, Config{AllocationBitsPerSecond: 64_000, AllowPeers: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	relay := allocate(t, s, "udp", "alice")
	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	exchange(t, relay, peer, peer.LocalAddr()) // the permission exists
	payload := make([]byte, 1000)
	for range 200 {
		relay.WriteTo(payload, peer.LocalAddr())
	}
	waitFor(t, func() bool { return testutil.ToFloat64(s.m.dropped) > 0 }, "packets over the bandwidth to be dropped")
	if sent := testutil.ToFloat64(s.m.toPeer); sent > 100_000 {
		t.Fatalf("relayed %v bytes in a burst, want at most about 65 KB", sent)
	}
}

func TestTLSListener(t *testing.T) {
	tlsCfg, err := server.EphemeralTLS()
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, Config{TLSListen: "127.0.0.1:0", TLS: tlsCfg})
	urls := s.URLs("turn.example.com")
	if len(urls) != 3 || !strings.HasPrefix(urls[2], "turns:turn.example.com:") || urls[0] != "turn:"+s.UDPAddr().String()+"?transport=udp" {
		t.Fatalf("URLs = %v", urls)
	}
	conn, err := tls.Dial("tcp", s.TLSAddr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	u, p := credentials("alice")
	c, err := turn.NewClient(&turn.ClientConfig{
		TURNServerAddr: s.TLSAddr().String(), STUNServerAddr: s.TLSAddr().String(),
		Username: u, Password: p, Conn: turn.NewSTUNConn(conn),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	relay, err := c.Allocate()
	if err != nil {
		t.Fatalf("Allocate over TLS: %v", err)
	}
	relay.Close()
}

func TestConfigErrors(t *testing.T) {
	bad := []Config{
		{Secret: "x"},
		{Listen: "127.0.0.1:0"},
		{Listen: ":0", Secret: "x"}, // no specific address, no ExternalIP
		{Listen: "127.0.0.1:0", Secret: "x", MinPort: 100, MaxPort: 50},
		{Listen: "127.0.0.1:0", Secret: "x", TLSListen: "127.0.0.1:0"},
		{Listen: "127.0.0.1:0", Secret: "x", ExternalIP: net.IPv4zero},
	}
	for i, c := range bad {
		if s, err := New(c); err == nil {
			s.Close()
			t.Errorf("case %d: New(%+v) accepted", i, c)
		}
	}
}
