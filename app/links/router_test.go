package links_test

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/peerline/peerline/app/links"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type inbox struct {
	mu   sync.Mutex
	msgs []signaling.Envelope
	errs []*signaling.Error
	lost []identity.PeerID
	note chan struct{}
}

func newInbox() *inbox { return &inbox{note: make(chan struct{}, 100)} }

func (b *inbox) Handle(_ context.Context, env signaling.Envelope) {
	b.mu.Lock()
	b.msgs = append(b.msgs, env)
	b.mu.Unlock()
	b.note <- struct{}{}
}
func (b *inbox) HandleError(e *signaling.Error) {
	b.mu.Lock()
	b.errs = append(b.errs, e)
	b.mu.Unlock()
	b.note <- struct{}{}
}
func (b *inbox) LinkLost(p identity.PeerID) {
	b.mu.Lock()
	b.lost = append(b.lost, p)
	b.mu.Unlock()
	b.note <- struct{}{}
}

func (b *inbox) wait(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		b.mu.Lock()
		ok := cond()
		b.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-b.note:
		case <-deadline:
			t.Fatal("condition not met in 5 s")
		}
	}
}

type staticResolver struct {
	mu  sync.Mutex
	lan map[identity.PeerID][]string
	srv string
}

func (s *staticResolver) LANAddrs(p identity.PeerID) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lan[p]
}
func (s *staticResolver) ServerFor(identity.PeerID) string { return s.srv }

// node is one app: a personal LAN hub on loopback and a router.
type node struct {
	srv    *server.Server
	kp     *identity.KeyPair
	addr   string
	router *links.Router
	in     *inbox
	hs     *http.Server
	cancel context.CancelFunc
	done   chan struct{}
	quit   func() // what quitting the app does to its sockets
}

func newNode(t *testing.T, res *staticResolver) *node {
	t.Helper()
	kp := signalingtest.Key(t)
	srv, err := server.New(server.Config{Identity: kp, Personal: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := server.EphemeralTLS()
	if err != nil {
		t.Fatal(err)
	}
	n := &node{srv: srv, kp: kp, addr: ln.Addr().String(), in: newInbox(), hs: &http.Server{Handler: srv.Handler()}, done: make(chan struct{})}
	ln = tls.NewListener(ln, tc)
	go n.hs.Serve(ln)
	n.router, err = links.New(links.Config{Identity: kp, Hub: srv.Hub(), Handler: n.in, Resolver: res, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() { n.router.Run(ctx); close(n.done) }()
	stop := func() {
		cancel()
		<-n.done
		sctx, c2 := context.WithTimeout(context.Background(), 3*time.Second)
		defer c2()
		srv.Shutdown(sctx)
		n.hs.Close()
	}
	n.quit = sync.OnceFunc(stop)
	t.Cleanup(n.quit)
	return n
}

func hangup(to identity.PeerID, call string) signaling.Envelope {
	env, _ := signaling.New(signaling.TypeHangup, nil)
	env.To, env.Call = to, call
	return env
}

func TestLANDialThenReplyOverTheSameLink(t *testing.T) {
	res := &staticResolver{lan: map[identity.PeerID][]string{}}
	a, b := newNode(t, res), newNode(t, res)
	res.lan[b.kp.ID()] = []string{"127.0.0.1:1", b.addr} // a dead address first
	ctx := context.Background()
	if err := a.router.Send(ctx, hangup(b.kp.ID(), "c1")); err != nil {
		t.Fatal(err)
	}
	b.in.wait(t, func() bool { return len(b.in.msgs) == 1 })
	if got := b.in.msgs[0]; got.From != a.kp.ID() || got.Call != "c1" {
		t.Fatalf("b got %+v", got)
	}
	// b knows no address for a: the reply must use a's connection to b's hub.
	if err := b.router.Send(ctx, hangup(a.kp.ID(), "c1")); err != nil {
		t.Fatal(err)
	}
	a.in.wait(t, func() bool { return len(a.in.msgs) == 1 })
	if got := a.in.msgs[0]; got.From != b.kp.ID() {
		t.Fatalf("a got %+v", got)
	}
	// b quits: a's link is gone and a hears of it.
	b.quit()
	a.in.wait(t, func() bool { return len(a.in.lost) > 0 })
	if a.in.lost[0] != b.kp.ID() {
		t.Fatalf("lost %v", a.in.lost)
	}
}

func TestLANDialRefusesAnImpostor(t *testing.T) {
	res := &staticResolver{lan: map[identity.PeerID][]string{}}
	a, b := newNode(t, res), newNode(t, res)
	victim := signalingtest.Key(t)
	res.lan[victim.ID()] = []string{b.addr} // b's hub answers at the victim's address
	err := a.router.Send(context.Background(), hangup(victim.ID(), "c1"))
	if err == nil {
		t.Fatal("sent to an impostor hub")
	}
	if len(b.in.msgs) != 0 {
		t.Fatal("the impostor received the message")
	}
}

func TestViaSignalingServer(t *testing.T) {
	sig := signalingtest.Serve(t, server.Config{Logger: quiet})
	res := &staticResolver{lan: map[identity.PeerID][]string{}, srv: sig.URL}
	a, b := newNode(t, res), newNode(t, res)
	if err := a.router.AddServer(sig.URL, "", []identity.PeerID{b.kp.ID()}); err != nil {
		t.Fatal(err)
	}
	if err := b.router.AddServer(sig.URL, "", nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !sig.Hub().Online(b.kp.ID()) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := a.router.Send(context.Background(), hangup(b.kp.ID(), "c9")); err != nil {
		t.Fatal(err)
	}
	b.in.wait(t, func() bool { return len(b.in.msgs) == 1 })
	// To someone offline: the server's unavailable error comes back.
	env := hangup(signalingtest.Key(t).ID(), "c10")
	env.ID = "c10:hangup"
	a.router.Send(context.Background(), env)
	a.in.wait(t, func() bool { return len(a.in.errs) == 1 })
	if e := a.in.errs[0]; e.Code != signaling.CodeUnavailable || e.Ref != "c10:hangup" {
		t.Fatalf("error %+v", e)
	}
}
