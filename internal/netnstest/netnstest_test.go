package netnstest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// This package's own tests run the way package discovery's do: in a
// private namespace made by Main, from which they also make named ones.
func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestMainIsPrivate(t *testing.T) {
	Require(t)
	self, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	if self == os.Getenv(envHostNS) {
		t.Fatalf("tests run in the namespace go test started in (%s)", self)
	}
	// Setup switched the loopback on, with multicast.
	ifi, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatal(err)
	}
	if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 {
		t.Errorf("lo flags %v, want up and multicast", ifi.Flags)
	}
	// Only a loopback: nothing of the host's networks is here.
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(ifs) != 1 {
		t.Errorf("interfaces %v, want only lo", ifs)
	}
}

func TestNamedNamespace(t *testing.T) {
	Require(t)
	n := New(t)
	if !strings.HasPrefix(n.Name, nsPrefix+"-") {
		t.Errorf("name %q, want the %s- prefix Sweep looks for", n.Name, nsPrefix)
	}
	if _, err := os.Stat(n.Path()); err != nil {
		t.Fatalf("namespace mount: %v", err)
	}
	if out := n.Run(t, "ip", "link", "show", "lo"); !strings.Contains(out, "MULTICAST") || !strings.Contains(out, ",UP") {
		t.Errorf("lo in %s is not up with multicast:\n%s", n, out)
	}
	if got := strings.TrimSpace(n.Run(t, "sysctl", "-n", "net.ipv6.conf.default.accept_dad")); got != "0" {
		t.Errorf("accept_dad %s, want 0", got)
	}
}

// TestLAN dials from one host of a LAN to a port nobody listens on at the
// other: a refusal is the other kernel answering across the veth (from
// anywhere else the address is unreachable or silent).
func TestLAN(t *testing.T) {
	Require(t)
	for _, hosts := range []int{2, 3} {
		lan := NewLAN(t, hosts)
		if (lan.Switch != nil) != (hosts > 2) {
			t.Errorf("%d hosts: switch %v", hosts, lan.Switch)
		}
		for i, h := range lan.Hosts {
			want := netip.AddrFrom4([4]byte{10, 99, byte(lan.Subnet), byte(i + 1)})
			if h.Addr != want {
				t.Errorf("host %d address %v, want %v", i, h.Addr, want)
			}
		}
		last := lan.Hosts[len(lan.Hosts)-1]
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		c, err := lan.Hosts[0].DialContext(ctx, "tcp", netip.AddrPortFrom(last.Addr, 9).String())
		cancel()
		if c != nil {
			c.Close()
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%d hosts: dial host %d from host 0: %v, want connection refused", hosts, len(lan.Hosts)-1, err)
		}
	}
}

func TestUnplug(t *testing.T) {
	Require(t)
	lan := NewLAN(t, 2)
	a, b := lan.Hosts[0], lan.Hosts[1]
	lan.Unplug(t, a)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if c, err := a.DialContext(ctx, "tcp", netip.AddrPortFrom(b.Addr, 9).String()); err == nil || errors.Is(err, syscall.ECONNREFUSED) {
		if c != nil {
			c.Close()
		}
		t.Errorf("dial after Unplug: %v, want no route", err)
	}
}
