package discovery

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

const (
	// childPrefix starts every line the child writes for the parent.
	childPrefix = "CHILD "
	// childLink is the child's end of the veth.
	childLink = "lan0"
)

// TestChildPeer is not a test: it is the second peer of the namespace
// tests, run by startChild in its own network namespace. It talks to the
// parent in lines on stdout:
//
//	nsready                         namespace set up; create the veth now
//	linkready                       its link is configured; send "go"
//	start <ns> <peer id> <hub port> MDNS is running
//	event <kind> <id> <ns> <name>   an event from its MDNS
//	stopping <ns>                   quit received; shutting down
//
// and takes commands on stdin: go (start MDNS), quit, down, up, setup
// (configure a re-created veth), name <display name>, addr <new IPv4
// prefix>. It stops when stdin closes (the parent died).
func TestChildPeer(t *testing.T) {
	if os.Getenv(envChild) == "" {
		t.Skip("helper process for the namespace tests")
	}
	if !netnstest.InPrivate() {
		t.Fatal("child peer outside a private network namespace")
	}
	if err := netnstest.Setup(); err != nil {
		t.Fatal(err)
	}
	say := func(format string, args ...any) { fmt.Printf(childPrefix+format+"\n", args...) }
	say("nsready")

	addr4 := os.Getenv("PEERLINE_CHILD_ADDR4")
	setup := func() {
		waitLink(t, func(*net.Interface) bool { return true })
		if addr4 != "" {
			netnstest.IP(t, "addr", "add", addr4, "dev", childLink)
		}
		netnstest.IP(t, "link", "set", childLink, "up")
		// Ready when the link has carrier and its IPv6 link-local address.
		waitLink(t, func(ifi *net.Interface) bool {
			return ifi.Flags&net.FlagRunning != 0 && netIfaceOf(*ifi).hasLinkLocal6()
		})
	}
	setup()
	say("linkready")
	commands := bufio.NewScanner(os.Stdin)
	if !commands.Scan() || commands.Text() != "go" {
		return
	}

	h, err := startHub(0)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := strconv.Atoi(os.Getenv("PEERLINE_CHILD_SEED"))
	kp := testKey(t, byte(seed))
	m, err := NewMDNS(Config{ID: kp.ID(), HubPort: h.port, Name: os.Getenv("PEERLINE_CHILD_NAME"), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	say("start %d %s %d", time.Now().UnixNano(), kp.ID(), h.port)
	go func() { ran <- m.Run(ctx) }()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ev := range m.Events() {
			say("event %s %s %d %s", ev.Kind, ev.Peer.ID, time.Now().UnixNano(), ev.Peer.Name)
		}
	}()

	for commands.Scan() {
		cmd, arg, _ := strings.Cut(commands.Text(), " ")
		switch cmd {
		case "quit":
			say("stopping %d", time.Now().UnixNano())
			stopped := make(chan struct{})
			go func() { h.stop(); close(stopped) }()
			cancel()
			<-stopped
			if err := <-ran; err != nil {
				t.Errorf("Run: %v", err)
			}
			wg.Wait()
			return
		case "down":
			netnstest.IP(t, "link", "set", childLink, "down")
		case "up":
			netnstest.IP(t, "link", "set", childLink, "up")
		case "setup":
			setup()
		case "name":
			m.SetName(arg)
		case "addr":
			// Delete first: deleting a primary IPv4 address takes the
			// secondaries of its subnet with it.
			netnstest.IP(t, "addr", "del", addr4, "dev", childLink)
			netnstest.IP(t, "addr", "add", arg, "dev", childLink)
			addr4 = arg
		}
		say("done %s", cmd)
	}
	// stdin closed: the parent is gone.
	cancel()
	h.stop()
}

// waitLink waits until the child's link exists and ok accepts it.
func waitLink(t *testing.T, ok func(*net.Interface) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if ifi, err := net.InterfaceByName(childLink); err == nil && ok(ifi) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	out, _ := exec.Command("ip", "addr").CombinedOutput()
	t.Fatalf("link %s not ready within 10 s:\n%s", childLink, out)
}

// netIfaceOf reads an interface's addresses.
func netIfaceOf(ifi net.Interface) netIface {
	ni := netIface{Interface: ifi}
	v, _ := scanNetwork(&Config{Interfaces: []string{ifi.Name}})
	for _, c := range v.chosen {
		if c.Index == ifi.Index {
			ni.prefixes = c.prefixes
		}
	}
	return ni
}
