package links_test

import (
	"context"
	"crypto/tls"
	"fmt"
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

// gatedHandler holds the first message until release is closed (a busy
// call manager), then counts what arrives per sender.
type gatedHandler struct {
	entered chan struct{}
	release chan struct{}
	once    sync.Once

	mu   sync.Mutex
	from map[identity.PeerID]int
	note chan struct{}
}

func (h *gatedHandler) Handle(_ context.Context, env signaling.Envelope) {
	h.once.Do(func() { close(h.entered); <-h.release })
	h.mu.Lock()
	h.from[env.From]++
	h.mu.Unlock()
	select {
	case h.note <- struct{}{}:
	default:
	}
}
func (h *gatedHandler) HandleError(*signaling.Error) {}
func (h *gatedHandler) LinkLost(identity.PeerID)     {}

func (h *gatedHandler) count(p identity.PeerID) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.from[p]
}

// peerConn is a peer dialed into our hub over a real WebSocket, counting
// the "not reading" errors our hub sends it back.
type peerConn struct {
	c        *signaling.Conn
	pong     chan struct{}
	mu       sync.Mutex
	refusals int
}

func dialPeer(t *testing.T, addr string, hubID identity.PeerID) (*peerConn, *identity.KeyPair) {
	t.Helper()
	kp := signalingtest.Key(t)
	c, err := signaling.Dial(context.Background(), signaling.DialConfig{URL: "wss://" + addr + signaling.Path, Identity: kp, ExpectPeer: hubID})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	p := &peerConn{c: c, pong: make(chan struct{}, 1)}
	go func() {
		for {
			env, err := c.Recv()
			if err != nil {
				return
			}
			switch env.Type {
			case signaling.TypePong:
				p.pong <- struct{}{}
			case signaling.TypeError:
				if signaling.ErrorOf(env).Code == signaling.CodeUnavailable {
					p.mu.Lock()
					p.refusals++
					p.mu.Unlock()
				}
			}
		}
	}()
	return p, kp
}

// send sends n candidates to `to`, then a ping, and waits for the pong:
// the hub reads a connection in order, so every one of the n was routed
// (queued for our Handler or refused) when the pong comes back.
func (p *peerConn) send(t *testing.T, to identity.PeerID, n int, label string) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		env, _ := signaling.New(signaling.TypeCandidate, signaling.Candidate{Candidate: fmt.Sprintf("candidate:%d 1 udp 1 192.0.2.1 %d typ host", i, 1000+i)})
		env.To, env.Call, env.ID = to, "call-"+label, fmt.Sprintf("%s-%d", label, i)
		if err := p.c.Send(ctx, env); err != nil {
			t.Fatal(err)
		}
	}
	ping, _ := signaling.New(signaling.TypePing, signaling.Ping{Time: 1})
	ping.ID = label + "-ping"
	if err := p.c.Send(ctx, ping); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.pong:
	case <-time.After(10 * time.Second):
		t.Fatal("no pong in 10 s")
	}
}

func (p *peerConn) refused() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.refusals
}

// A flood on the LAN hub from three identities (each within the hub's
// per-connection rate limit) while the call manager is busy must not drop
// an honest peer's messages: each sender has its own bounded queue, served
// in turn. Before, all shared one 256-message queue and the honest peer's
// messages were refused as "not reading".
func TestFloodDoesNotDropOtherPeersFrames(t *testing.T) {
	kp := signalingtest.Key(t)
	srv, err := server.New(server.Config{Identity: kp, Personal: true, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := server.EphemeralTLS() // a LAN hub speaks TLS only
	if err != nil {
		t.Fatal(err)
	}
	httpSrv := &http.Server{Handler: srv.Handler()}
	go httpSrv.Serve(tls.NewListener(ln, tc))
	defer httpSrv.Close()
	defer func() {
		sctx, c := context.WithTimeout(context.Background(), 3*time.Second)
		defer c()
		srv.Shutdown(sctx)
	}()
	hs := ln.Addr().String()
	h := &gatedHandler{entered: make(chan struct{}), release: make(chan struct{}), from: map[identity.PeerID]int{}, note: make(chan struct{}, 1)}
	router, err := links.New(links.Config{Identity: kp, Hub: srv.Hub(), Handler: h, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { router.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	defer close(h.release) // before the router stops (defers run last-first)

	const flooders, floodEach, honestN = 3, 190, 50 // 190 < the hub's burst of 200
	var floodIDs []identity.PeerID
	for i := range flooders {
		p, fk := dialPeer(t, hs, kp.ID())
		if i == 0 {
			p.send(t, kp.ID(), 1, "first") // the Handler takes it and stays busy
			<-h.entered
		}
		p.send(t, kp.ID(), floodEach, fmt.Sprintf("flood%d", i))
		floodIDs = append(floodIDs, fk.ID())
	}
	honest, hk := dialPeer(t, hs, kp.ID())
	honest.send(t, kp.ID(), honestN, "honest")
	if n := honest.refused(); n != 0 {
		t.Errorf("the honest peer had %d of %d messages refused", n, honestN)
	}

	h.release <- struct{}{} // (the deferred close then is a no-op receive-wise)
	deadline := time.After(10 * time.Second)
	for h.count(hk.ID()) < honestN-honest.refused() {
		select {
		case <-h.note:
		case <-deadline:
			t.Fatalf("honest messages delivered: %d", h.count(hk.ID()))
		}
	}
	if got := h.count(hk.ID()); got != honestN {
		t.Errorf("honest messages delivered %d, want %d (zero lost)", got, honestN)
	}
	for i, id := range floodIDs {
		if got := h.count(id); got > links.InboxPerSender+1 {
			t.Errorf("flooder %d got %d messages through, more than its queue of %d", i, got, links.InboxPerSender)
		}
	}
	t.Logf("dropped (flooders' excess): %d", router.Dropped())
}
