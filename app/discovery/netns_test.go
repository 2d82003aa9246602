package discovery

// Real mDNS needs multicast, which the host's loopback lacks and which
// must never leave the test. So, as root, TestMain runs the whole test
// binary again in a private network namespace with only a loopback
// (netnstest.Main). Tests that need a second machine start this binary
// once more as a child (TestChildPeer) under its own `unshare --net`
// (netnstest.ReexecCommand), and join the two namespaces with a veth
// pair. No namespace is named, so none outlives the processes in it:
// nothing to clean up after a crash.

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/logbuf"
	"github.com/peerline/peerline/internal/netnstest"

	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
)

// envChild marks the child peer process (TestChildPeer).
const envChild = "PEERLINE_DISCOVERY_CHILD"

// TestMain runs the package's tests in a private network namespace
// (netnstest.Main); the mDNS tests skip where none can be made.
func TestMain(m *testing.M) { os.Exit(netnstest.Main(m)) }

var linkCounter struct {
	sync.Mutex
	n int
}

// nextNet returns a fresh number for link names (pl<n>a) and subnets
// (10.77.<n>.0/24) in this namespace.
func nextNet() int {
	linkCounter.Lock()
	defer linkCounter.Unlock()
	linkCounter.n++
	return linkCounter.n
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// testKey returns a deterministic key pair for seed n.
func testKey(t testing.TB, n byte) *identity.KeyPair {
	t.Helper()
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = n
	}
	seed[0] = 0xd1 // apart from testID's keys
	kp, err := identity.FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// hub is a real signaling hub serving on a LAN port of this namespace.
type hub struct {
	port int
	srv  *server.Server
	http *http.Server
	done chan struct{}
}

func startHub(port int) (*hub, error) {
	ln, err := ListenHub(port)
	if err != nil {
		return nil, err
	}
	srv, err := server.New(server.Config{Logger: quietLogger()})
	if err != nil {
		ln.Close()
		return nil, err
	}
	tc, err := server.EphemeralTLS()
	if err != nil {
		ln.Close()
		return nil, err
	}
	h := &hub{port: ln.Addr().(*net.TCPAddr).Port, srv: srv, http: &http.Server{Handler: srv.Handler()}, done: make(chan struct{})}
	ln = tls.NewListener(ln, tc) // the hub serves TLS only, as the app's does
	go func() {
		defer close(h.done)
		h.http.Serve(ln)
	}()
	return h, nil
}

// stop shuts the hub down the way the app does: /healthz answers 503 at
// once, then the listener closes.
func (h *hub) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	h.srv.Shutdown(ctx)
	h.http.Shutdown(ctx)
	<-h.done
}

// recorder collects events with the time each arrived.
type recorder struct {
	mu     sync.Mutex
	events []timedEvent
	added  chan struct{}
}

type timedEvent struct {
	Event
	at time.Time
}

func newRecorder(events <-chan Event) (*recorder, chan struct{}) {
	r := &recorder{added: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			r.mu.Lock()
			r.events = append(r.events, timedEvent{ev, time.Now()})
			r.mu.Unlock()
			select {
			case r.added <- struct{}{}:
			default:
			}
		}
	}()
	return r, done
}

// next waits for the first event after index from that matches, and
// returns it with its index.
func (r *recorder) next(from int, timeout time.Duration, match func(Event) bool) (timedEvent, int, bool) {
	deadline := time.After(timeout)
	for {
		r.mu.Lock()
		for i := from; i < len(r.events); i++ {
			if match(r.events[i].Event) {
				ev := r.events[i]
				r.mu.Unlock()
				return ev, i, true
			}
		}
		r.mu.Unlock()
		select {
		case <-r.added:
		case <-deadline:
			return timedEvent{}, 0, false
		}
	}
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

func (r *recorder) all() []timedEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]timedEvent(nil), r.events...)
}

func kindOf(kind EventKind, id identity.PeerID) func(Event) bool {
	return func(e Event) bool { return e.Kind == kind && e.Peer.ID == id }
}

// localPeer is an MDNS with its own hub, running in this process.
type localPeer struct {
	kp     *identity.KeyPair
	m      *MDNS
	hub    *hub
	rec    *recorder
	start  time.Time
	cancel context.CancelFunc
	ran    chan error
	recEnd chan struct{}
}

// startLocal starts a peer in this process's namespace; cleanup stops it.
func startLocal(t *testing.T, seed byte, name string, mod func(*Config)) *localPeer {
	t.Helper()
	h, err := startHub(0)
	if err != nil {
		t.Fatal(err)
	}
	kp := testKey(t, seed)
	cfg := Config{ID: kp.ID(), HubPort: h.port, Name: name, Logger: testLogger(t)}
	if mod != nil {
		mod(&cfg)
	}
	m, err := NewMDNS(cfg)
	if err != nil {
		h.stop()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &localPeer{kp: kp, m: m, hub: h, cancel: cancel, ran: make(chan error, 1)}
	p.rec, p.recEnd = newRecorder(m.Events())
	p.start = time.Now()
	go func() { p.ran <- m.Run(ctx) }()
	t.Cleanup(p.stop)
	return p
}

func (p *localPeer) stop() {
	p.cancel()
	<-p.recEnd
	p.hub.stop()
}

// testLogger logs at debug level to the test log while the test runs
// (-v shows it; failures always do).
func testLogger(t *testing.T) *slog.Logger {
	var mu sync.Mutex
	done := false
	t.Cleanup(func() { mu.Lock(); done = true; mu.Unlock() })
	return slog.New(slog.NewTextHandler(writerFunc(func(b []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		if !done {
			t.Log(strings.TrimSpace(string(b)))
		}
		return len(b), nil
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// childPeer is a peer in its own network namespace (another process),
// joined to ours by a veth pair: the LAN-like path.
type childPeer struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	id     identity.PeerID
	port   int
	start  time.Time
	link   string // our end of the veth
	subnet int    // 10.77.<subnet>.0/24: we are .1, the child .2
	exited chan struct{}
}

type childOpts struct {
	seed   byte
	name   string
	noIPv4 bool // only IPv6 link-local on the veth
}

// startChild starts a child peer and wires the veth; the child's MDNS
// starts with run, so that peers in this namespace can start on the
// finished link first (as on a LAN that exists before the peer starts).
func startChild(t *testing.T, o childOpts) *childPeer {
	t.Helper()
	n := nextNet()
	c := &childPeer{t: t, link: fmt.Sprintf("pl%da", n), subnet: n, lines: make(chan string, 64), exited: make(chan struct{})}
	addr4 := fmt.Sprintf("10.77.%d.2/24", n)
	if o.noIPv4 {
		addr4 = ""
	}
	cmd, err := netnstest.ReexecCommand("-test.run=^TestChildPeer$", "-test.count=1", "-test.timeout=5m")
	if err != nil {
		t.Fatal(err)
	}
	c.cmd = cmd
	c.cmd.Env = append(os.Environ(),
		envChild+"=1",
		"PEERLINE_CHILD_SEED="+strconv.Itoa(int(o.seed)),
		"PEERLINE_CHILD_NAME="+o.name,
		"PEERLINE_CHILD_ADDR4="+addr4,
	)
	if c.stdin, err = c.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	c.cmd.Stderr = &stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line, ok := strings.CutPrefix(sc.Text(), childPrefix); ok {
				c.lines <- line
			}
		}
		close(c.lines)
	}()
	go func() {
		c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.stdin.Close()
		c.cmd.Process.Kill()
		<-c.exited
		exec.Command("ip", "link", "del", c.link).Run() // usually gone with the child's namespace
		if t.Failed() {
			t.Logf("child stderr:\n%s", stderr.String())
		}
	})

	c.expect("nsready", 10*time.Second)
	// A second process holds the child's namespace, so that it (and the
	// veth in it) outlives the peer process, as a machine outlives an app
	// killed with kill -9.
	holder := exec.Command("nsenter", fmt.Sprintf("--net=/proc/%d/ns/net", c.cmd.Process.Pid), "sleep", "600")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		holder.Process.Kill()
		holder.Wait()
	})
	c.wire()
	c.expect("linkready", 10*time.Second)
	c.waitOurEnd()
	return c
}

// waitOurEnd waits until our end of the veth has carrier and its IPv6
// link-local address (the kernel adds it when the carrier comes up).
func (c *childPeer) waitOurEnd() {
	c.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if ifi, err := net.InterfaceByName(c.link); err == nil && ifi.Flags&net.FlagRunning != 0 && netIfaceOf(*ifi).hasLinkLocal6() {
			return
		}
	}
	c.t.Fatalf("%s: no carrier or IPv6 link-local address within 5 s", c.link)
}

// run starts the child's MDNS and waits until it runs.
func (c *childPeer) run() {
	t := c.t
	t.Helper()
	c.send("go")
	f := strings.Fields(c.expect("start", 10*time.Second))
	if len(f) != 4 {
		t.Fatalf("child start line %q", f)
	}
	ns, _ := strconv.ParseInt(f[1], 10, 64)
	c.start = time.Unix(0, ns)
	var err error
	if c.id, err = identity.Parse(f[2]); err != nil {
		t.Fatal(err)
	}
	c.port, _ = strconv.Atoi(f[3])
}

// wire creates the veth pair into the child's namespace and configures
// our end (the child configures its own).
func (c *childPeer) wire() {
	c.t.Helper()
	netnstest.IP(c.t, "link", "add", c.link, "type", "veth", "peer", "name", childLink, "netns", strconv.Itoa(c.cmd.Process.Pid))
	netnstest.IP(c.t, "addr", "add", fmt.Sprintf("10.77.%d.1/24", c.subnet), "dev", c.link)
	netnstest.IP(c.t, "link", "set", c.link, "up")
}

// send gives the child a command (see runChild).
func (c *childPeer) send(cmd string) {
	c.t.Helper()
	if _, err := fmt.Fprintln(c.stdin, cmd); err != nil {
		c.t.Fatalf("child command %q: %v", cmd, err)
	}
}

// expect waits for the child's next line starting with word.
func (c *childPeer) expect(word string, timeout time.Duration) string {
	c.t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.t.Fatalf("child exited while waiting for %q", word)
			}
			if strings.HasPrefix(line, word) {
				return line
			}
		case <-deadline:
			c.t.Fatalf("child: no %q within %v", word, timeout)
		}
	}
}

// stamp reads the time from a child line "<word> <unix nanos> ...".
func stamp(t *testing.T, line string) time.Time {
	t.Helper()
	f := strings.Fields(line)
	if len(f) < 2 {
		t.Fatalf("child line %q has no time", line)
	}
	ns, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatalf("child line %q: %v", line, err)
	}
	return time.Unix(0, ns)
}

// syncBuffer collects a child's output written from several goroutines.
type syncBuffer = logbuf.Buffer

// measure logs a latency in a form the benchmark notes can grep.
func measure(t *testing.T, what string, d time.Duration) {
	t.Helper()
	t.Logf("measure: %s = %v", what, d.Round(time.Millisecond))
}
