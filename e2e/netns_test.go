//go:build linux

package e2e

// Named network namespaces (ip netns add) joined into small LANs. Every
// namespace a test makes is named ple2e-<pid>-<n>, deleted in t.Cleanup
// (after the processes in it are killed), and swept by the next run if a
// crash left it behind (see sweepStaleNamespaces). No test traffic leaves
// these namespaces: the instances' UIs listen on each namespace's own
// loopback, and the LAN is veth pairs between namespaces.

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// nsPrefix starts the name of every namespace these tests make.
const nsPrefix = "ple2e"

// nsDir is where `ip netns add` mounts named namespaces.
const nsDir = "/run/netns"

// lanIface is the name of the LAN interface in every host namespace.
const lanIface = "veth0"

var nsCounter, lanCounter atomic.Int64

// Netns is one named network namespace: a "machine" of the test.
type Netns struct {
	Name string
	// Addr is the IPv4 address on the LAN interface (lanIface), once the
	// namespace is on a LAN.
	Addr netip.Addr
}

// Path is the namespace's bind mount, for setns(2).
func (n *Netns) Path() string { return filepath.Join(nsDir, n.Name) }

func (n *Netns) String() string { return n.Name }

// NewNetns makes a namespace with its loopback up and multicast-capable,
// and IPv6 duplicate address detection off (so link-local addresses work
// at once). It is deleted when the test ends, after every process still in
// it is killed.
func NewNetns(t testing.TB) *Netns {
	t.Helper()
	n := &Netns{Name: fmt.Sprintf("%s-%d-%d", nsPrefix, os.Getpid(), nsCounter.Add(1))}
	runIP(t, "netns", "add", n.Name)
	t.Cleanup(func() { n.destroy(t) })
	n.Run(t, "sysctl", "-q", "-w",
		"net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	runIP(t, "-n", n.Name, "link", "set", "lo", "up", "multicast", "on")
	return n
}

// Run runs a command inside the namespace, failing t on error.
func (n *Netns) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := n.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("in %s: %s %s: %v: %s", n.Name, name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Command returns a command that runs name inside the namespace. `ip netns
// exec` execs name in place, so the command's pid is name's own.
func (n *Netns) Command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// IP runs `ip -n NS args...`.
func (n *Netns) IP(t testing.TB, args ...string) {
	t.Helper()
	runIP(t, append([]string{"-n", n.Name}, args...)...)
}

// destroy kills whatever still runs in the namespace and deletes it.
func (n *Netns) destroy(t testing.TB) {
	killNamespacePids(n.Name)
	if out, err := exec.Command("ip", "netns", "del", n.Name).CombinedOutput(); err != nil {
		t.Errorf("cleanup: ip netns del %s: %v: %s", n.Name, err, out)
	}
}

// killNamespacePids SIGKILLs every process in the named namespace.
func killNamespacePids(name string) {
	out, _ := exec.Command("ip", "netns", "pids", name).Output()
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != os.Getpid() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// DialContext dials addr from inside the namespace: a goroutine locked to
// its OS thread enters the namespace with setns(2), creates the socket
// (which stays in the namespace for its whole life) and goes back. If it
// cannot go back, the goroutine exits still locked and Go discards the
// thread.
func (n *Netns) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("netns %s: own namespace: %w", n.Name, err)}
			return
		}
		defer orig.Close()
		target, err := os.Open(n.Path())
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("netns %s: %w", n.Name, err)}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("netns %s: setns: %w", n.Name, err)}
			return
		}
		// An IP literal: no resolver, no Happy Eyeballs goroutines, so the
		// socket is made on this thread.
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err2 := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err2 != nil {
			if c != nil {
				c.Close()
			}
			ch <- result{nil, fmt.Errorf("netns %s: setns back: %w", n.Name, err2)}
			return // still locked: the thread is thrown away
		}
		runtime.UnlockOSThread()
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// LAN is a set of namespaces on one Ethernet segment: a veth pair for two
// hosts, a bridge in a switch namespace for more. Each host has lanIface
// with 10.99.<subnet>.<i+1>/24 and an IPv6 link-local address.
type LAN struct {
	Hosts  []*Netns
	Switch *Netns // nil for a direct pair
	Subnet int
}

// LANOptions vary a LAN.
type LANOptions struct {
	// NoIPv4 leaves the hosts with IPv6 link-local addresses only, like
	// two computers joined by a cable with no DHCP server.
	NoIPv4 bool
}

// NewLAN makes n host namespaces joined into one LAN.
func NewLAN(t testing.TB, n int) *LAN { return NewLANWith(t, n, LANOptions{}) }

// NewLANWith is NewLAN with options.
func NewLANWith(t testing.TB, n int, o LANOptions) *LAN {
	t.Helper()
	if n < 1 {
		t.Fatalf("NewLAN(%d)", n)
	}
	lan := &LAN{Subnet: int(lanCounter.Add(1)%250) + 1}
	for range n {
		lan.Hosts = append(lan.Hosts, NewNetns(t))
	}
	switch {
	case n == 2:
		runIP(t, "link", "add", lanIface, "netns", lan.Hosts[0].Name, "type", "veth",
			"peer", "name", lanIface, "netns", lan.Hosts[1].Name)
	case n > 2:
		sw := NewNetns(t)
		lan.Switch = sw
		sw.IP(t, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0", "forward_delay", "0")
		sw.IP(t, "link", "set", "br0", "up")
		for i, h := range lan.Hosts {
			port := fmt.Sprintf("p%d", i)
			runIP(t, "link", "add", lanIface, "netns", h.Name, "type", "veth", "peer", "name", port, "netns", sw.Name)
			sw.IP(t, "link", "set", port, "master", "br0", "up")
		}
	}
	if n >= 2 {
		for i, h := range lan.Hosts {
			if !o.NoIPv4 {
				h.Addr = netip.AddrFrom4([4]byte{10, 99, byte(lan.Subnet), byte(i + 1)})
				h.IP(t, "addr", "add", h.Addr.String()+"/24", "dev", lanIface)
			}
			h.IP(t, "link", "set", lanIface, "up", "multicast", "on")
		}
	}
	return lan
}

// Unplug deletes h's LAN interface (and, for a veth pair, its other end):
// the machine drops off the network without a word.
func (lan *LAN) Unplug(t testing.TB, h *Netns) {
	t.Helper()
	h.IP(t, "link", "del", lanIface)
}

// Readdress moves h to another IPv4 address on the LAN (a DHCP lease
// changing under a running app).
func (lan *LAN) Readdress(t testing.TB, h *Netns, last byte) {
	t.Helper()
	old := h.Addr
	h.Addr = netip.AddrFrom4([4]byte{10, 99, byte(lan.Subnet), last})
	// Old one out first: deleting a subnet's primary address also deletes
	// its secondaries (unless promote_secondaries is set).
	h.IP(t, "addr", "del", old.String()+"/24", "dev", lanIface)
	h.IP(t, "addr", "add", h.Addr.String()+"/24", "dev", lanIface)
}

func runIP(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// netnsUnavailable says why these tests cannot make namespaces here ("" if
// they can).
func netnsUnavailable() string {
	if os.Geteuid() != 0 {
		return "e2e tests need root: they create network namespaces with `ip netns add` (CI runs them as root)"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return "e2e tests need iproute2's `ip` on PATH: " + err.Error()
	}
	name := fmt.Sprintf("%s-%d-probe", nsPrefix, os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return fmt.Sprintf("e2e tests need `ip netns add` to work: %v: %s", err, strings.TrimSpace(string(out)))
	}
	exec.Command("ip", "netns", "del", name).Run()
	return ""
}

// sweepStaleNamespaces deletes namespaces left by earlier runs whose test
// process is gone (a crash or kill -9 skips t.Cleanup), with whatever
// still runs in them.
func sweepStaleNamespaces() {
	entries, _ := os.ReadDir(nsDir)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), nsPrefix+"-")
		if !ok {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
			continue // its test run is still going
		}
		killNamespacePids(e.Name())
		time.Sleep(50 * time.Millisecond)
		exec.Command("ip", "netns", "del", e.Name()).Run()
	}
}
