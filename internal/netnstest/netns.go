package netnstest

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// nsPrefix starts the name of every namespace New makes (the e2e harness's
// name from before this package; the browser harness's are plbr-).
const nsPrefix = "ple2e"

// nsDir is where `ip netns add` mounts named namespaces.
const nsDir = "/run/netns"

var nsCounter atomic.Int64

// Netns is one named network namespace: a "machine" of the test.
type Netns struct {
	Name string
	// Addr is the IPv4 address on the LAN interface (LANIface), once the
	// namespace is on a LAN with IPv4.
	Addr netip.Addr
}

// Path is the namespace's bind mount, for setns(2).
func (n *Netns) Path() string { return filepath.Join(nsDir, n.Name) }

func (n *Netns) String() string { return n.Name }

// New makes a namespace with its loopback up and multicast-capable, and
// IPv6 duplicate address detection off (so link-local addresses work at
// once). It is deleted when the test ends, after every process still in it
// is killed.
func New(t testing.TB) *Netns {
	t.Helper()
	n := &Netns{Name: fmt.Sprintf("%s-%d-%d", nsPrefix, os.Getpid(), nsCounter.Add(1))}
	IP(t, "netns", "add", n.Name)
	t.Cleanup(func() { n.destroy(t) })
	n.Run(t, "sysctl", "-q", "-w",
		"net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	n.IP(t, "link", "set", "lo", "up", "multicast", "on")
	return n
}

// Run runs a command inside the namespace, failing t on error, and returns
// its combined output.
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

// IP runs `ip -n NS args...`, failing t on error.
func (n *Netns) IP(t testing.TB, args ...string) {
	t.Helper()
	IP(t, append([]string{"-n", n.Name}, args...)...)
}

// destroy kills whatever still runs in the namespace and deletes it.
func (n *Netns) destroy(t testing.TB) {
	killPids(n.Name)
	if out, err := exec.Command("ip", "netns", "del", n.Name).CombinedOutput(); err != nil {
		t.Errorf("cleanup: ip netns del %s: %v: %s", n.Name, err, out)
	}
}

// killPids SIGKILLs every process in the named namespace.
func killPids(name string) {
	out, _ := exec.Command("ip", "netns", "pids", name).Output()
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != os.Getpid() {
			if p, err := os.FindProcess(pid); err == nil {
				p.Kill()
			}
		}
	}
}

// Sweep deletes the namespaces New made in earlier runs whose test process
// is gone (a crash or kill -9 skips t.Cleanup), with whatever still runs
// in them. Call it from TestMain, once Unavailable says namespaces work.
func Sweep() {
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
		killPids(e.Name())
		time.Sleep(50 * time.Millisecond)
		exec.Command("ip", "netns", "del", e.Name()).Run()
	}
}
