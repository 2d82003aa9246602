package bridge

import (
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"testing"
)

// le reports whether the kernel's words print little-endian here (the
// sample rows below were taken on x86-64).
var le = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

func TestParseProcNetLine(t *testing.T) {
	if !le {
		t.Skip("the sample rows are from a little-endian machine")
	}
	cases := []struct {
		name   string
		line   string
		ok     bool
		local  string
		remote string
		uid    uint32
	}{
		{"header", "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", false, "", "", 0},
		{"ipv4", "   1: 0100007F:94B1 0100007F:DEF0 01 00000000:00000000 03:00000121 00000000  1000        0 0 3 000000009f0d4bd1", true, "127.0.0.1:38065", "127.0.0.1:57072", 1000},
		{"ipv4 listening", "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 640 1", true, "0.0.0.0:2024", "0.0.0.0:0", 0},
		{"ipv6 mapped ipv4", "   0: 0000000000000000FFFF00000100007F:B928 0000000000000000FFFF00000100007F:852C 01 00000000:00000000 03:00000A98 00000000 65534        0 0 3", true, "127.0.0.1:47400", "127.0.0.1:34092", 65534},
		{"ipv6 loopback", "   2: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:C350 01 00000000:00000000 00:00000000 00000000     7        0 1 1", true, "[::1]:8080", "[::1]:50000", 7},
		{"short", "   1: 0100007F:94B1 0100007F:DEF0 01", false, "", "", 0},
		{"bad port", "   1: 0100007F:94B 0100007F:DEF0 01 0:0 0:0 0 0 0", false, "", "", 0},
		{"bad hex", "   1: 0100007G:94B1 0100007F:DEF0 01 0:0 0:0 0 0 0", false, "", "", 0},
		{"bad uid", "   1: 0100007F:94B1 0100007F:DEF0 01 0:0 0:0 0 -1 0", false, "", "", 0},
		{"two rows in one", ": 00000000:0000 00000000:0000 0\n0 0 0 0", false, "", "", 0},
		{"odd address length", "   1: 0100007F00:94B1 0100007F:DEF0 01 0:0 0:0 0 0 0", false, "", "", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, ok := parseProcNetLine(c.line)
			if ok != c.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, c.ok, s)
			}
			if !ok {
				return
			}
			if s.local.String() != c.local || s.remote.String() != c.remote || s.uid != c.uid {
				t.Errorf("got %v → %v uid %d, want %s → %s uid %d", s.local, s.remote, s.uid, c.local, c.remote, c.uid)
			}
		})
	}
}

func FuzzProcNetLine(f *testing.F) {
	f.Add("   1: 0100007F:94B1 0100007F:DEF0 01 00000000:00000000 03:00000121 00000000  1000        0 0 3")
	f.Add("   0: 0000000000000000FFFF00000100007F:B928 0000000000000000FFFF00000100007F:852C 01 0:0 0:0 0 65534 0")
	f.Add("sl local rem")
	f.Fuzz(func(t *testing.T, line string) {
		s, ok := parseProcNetLine(line)
		if !ok {
			return
		}
		if !s.local.IsValid() || !s.remote.IsValid() || s.local.Addr().Is4In6() || s.remote.Addr().Is4In6() {
			t.Fatalf("%q parsed to %+v", line, s)
		}
		if _, found := findSocket(strings.NewReader(line), s.local, s.remote); !found {
			t.Fatalf("%q parsed but findSocket misses it", line)
		}
	})
}

// The real table holds a real connection, owned by this process's uid.
func TestPeerOwnerOfOwnConnection(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("peer owners are read from /proc/net/tcp")
	}
	for _, network := range []string{"tcp4", "tcp6"} {
		t.Run(network, func(t *testing.T) {
			host := "127.0.0.1:0"
			if network == "tcp6" {
				host = "[::1]:0"
			}
			ln, err := net.Listen(network, host)
			if err != nil {
				t.Skipf("no %s loopback: %v", network, err)
			}
			defer ln.Close()
			client, err := net.Dial(network, ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			server, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer server.Close()
			uid, known, err := peerOwner(server)
			if err != nil || !known || uid != uint32(os.Getuid()) {
				t.Fatalf("peerOwner = %d, %v, %v; want %d", uid, known, err, os.Getuid())
			}
			// A connection that is gone from the table is refused, not waved
			// through.
			_, _, err = peerOwner(fakeConn{local: netip.MustParseAddrPort("127.0.0.1:1"), remote: netip.MustParseAddrPort("127.0.0.1:2")})
			if err == nil {
				t.Fatal("peerOwner of a socket not in the table succeeded")
			}
		})
	}
}

type fakeConn struct {
	net.Conn
	local, remote netip.AddrPort
}

func (c fakeConn) LocalAddr() net.Addr  { return net.TCPAddrFromAddrPort(c.local) }
func (c fakeConn) RemoteAddr() net.Addr { return net.TCPAddrFromAddrPort(c.remote) }
