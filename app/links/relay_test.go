package links_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
)

// relayMode is what the attacker in the middle of a LAN link does.
type relayMode int

const (
	// relayPassive forwards bytes both ways and records them.
	relayPassive relayMode = iota
	// relayTamper forwards bytes but alters the dialer's stream: it
	// rewrites the call id where it can read it, else flips a bit of the
	// first encrypted record.
	relayTamper
	// relayTerminate ends TLS on both sides (its own certificate towards
	// the dialer, a TLS client towards the hub) and passes the plaintext
	// through, rewriting the call id: the man in the middle a forged mDNS
	// announcement puts between two peers. Without TLS it relays plain.
	relayTerminate
)

// relay is a TCP proxy between a real router and a real LAN hub.
type relay struct {
	t      *testing.T
	mode   relayMode
	target string
	ln     net.Listener
	tlsCfg *tls.Config

	mu    sync.Mutex
	seen  bytes.Buffer // every byte the relay could read, both ways
	conns []net.Conn   // closed at the end of the test
}

const (
	secretCall = "c-secret-1"
	forgedCall = "c-forged-1" // same length: a relay may not resize a frame
)

func newRelay(t *testing.T, mode relayMode, target string) *relay {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tc, err := server.EphemeralTLS()
	if err != nil {
		t.Fatal(err)
	}
	r := &relay{t: t, mode: mode, target: target, ln: ln, tlsCfg: tc}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		r.mu.Lock()
		for _, c := range r.conns {
			c.Close()
		}
		r.mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); r.serve(c) }()
		}
	}()
	return r
}

func (r *relay) addr() string { return r.ln.Addr().String() }

func (r *relay) record(p []byte) {
	r.mu.Lock()
	r.seen.Write(p)
	r.mu.Unlock()
}

func (r *relay) saw(s string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return bytes.Contains(r.seen.Bytes(), []byte(s))
}

func (r *relay) serve(client net.Conn) {
	defer client.Close()
	up, err := net.Dial("tcp", r.target)
	if err != nil {
		return
	}
	defer up.Close()
	r.mu.Lock()
	r.conns = append(r.conns, client, up)
	r.mu.Unlock()
	var in io.Reader = client
	var down, upw io.ReadWriter = client, up
	if r.mode == relayTerminate {
		br := bufio.NewReader(client)
		first, err := br.Peek(1)
		if err != nil {
			return
		}
		in = br
		if first[0] == 0x16 { // a TLS ClientHello: terminate it
			ts := tls.Server(&peekedConn{Conn: client, r: br}, r.tlsCfg)
			tcl := tls.Client(up, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
			if ts.Handshake() != nil || tcl.Handshake() != nil {
				return
			}
			in, down, upw = ts, ts, tcl
		}
	}
	done := make(chan struct{}, 2)
	go func() { r.pipe(upw, in, true); done <- struct{}{} }()
	go func() { r.pipe(down, upw, false); done <- struct{}{} }()
	<-done
	client.Close()
	up.Close()
	<-done
}

// pipe copies src to dst, recording; fromDialer marks the dialer's
// stream, which the tampering modes alter.
func (r *relay) pipe(dst io.Writer, src io.Reader, fromDialer bool) {
	buf := make([]byte, 32<<10)
	flipped := false
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p := buf[:n]
			r.record(p)
			if fromDialer && r.mode != relayPassive {
				if i := bytes.Index(p, []byte(secretCall)); i >= 0 {
					copy(p[i:], forgedCall)
				} else if r.mode == relayTamper && !flipped && p[0] == 0x17 {
					p[len(p)-1] ^= 1 // an encrypted TLS record
					flipped = true
				}
			}
			if _, werr := dst.Write(p); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// peekedConn reads through the bufio.Reader that peeked at the first byte.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestLANLinkRelay: a forged announcement (or ARP spoofing) puts an
// attacker between two peers' LAN link. A relay that only forwards learns
// nothing: it sees no peer id and no message, only TLS. A relay that
// changes bytes, or terminates TLS to read and rewrite the signaling,
// breaks the handshake: nothing it touched is delivered, and nothing is
// delivered as the dialer.
func TestLANLinkRelay(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mode    relayMode
		deliver bool // the message arrives, unchanged
	}{
		{"passive relay sees only TLS", relayPassive, true},
		{"tampering relay breaks the link", relayTamper, false},
		{"terminating relay cannot authenticate", relayTerminate, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := &staticResolver{lan: map[identity.PeerID][]string{}}
			a, b := newNode(t, res), newNode(t, res)
			rl := newRelay(t, tc.mode, b.addr)
			res.mu.Lock()
			res.lan[b.kp.ID()] = []string{rl.addr()}
			res.mu.Unlock()

			err := a.router.Send(context.Background(), hangup(b.kp.ID(), secretCall))
			if tc.deliver {
				if err != nil {
					t.Fatalf("send through a plain TCP path: %v", err)
				}
				b.in.wait(t, func() bool { return len(b.in.msgs) == 1 })
				if got := b.in.msgs[0]; got.Call != secretCall || got.From != a.kp.ID() {
					t.Fatalf("b got %+v", got)
				}
			} else if err == nil {
				t.Fatalf("send through a %v relay succeeded", tc.name)
			}
			if tc.mode == relayTerminate && !errors.Is(err, signaling.ErrAuthFailed) {
				t.Fatalf("terminating relay: err = %v, want auth_failed", err)
			}
			if tc.mode != relayTerminate {
				for what, s := range map[string]string{"the call id": secretCall, "b's peer id": b.kp.ID().String(),
					"a's peer id": a.kp.ID().String(), "a message type": `"type"`, "the HTTP upgrade": "Upgrade"} {
					if rl.saw(s) {
						t.Errorf("the relay read %s in the clear", what)
					}
				}
			}

			// The direct path still works, and it is the only message b
			// ever got: nothing the relay forged went through.
			res.mu.Lock()
			res.lan[b.kp.ID()] = []string{b.addr}
			res.mu.Unlock()
			if !tc.deliver {
				if err := a.router.Send(context.Background(), hangup(b.kp.ID(), "c-direct")); err != nil {
					t.Fatalf("direct send: %v", err)
				}
				b.in.wait(t, func() bool { return len(b.in.msgs) >= 1 })
			}
			b.in.mu.Lock()
			defer b.in.mu.Unlock()
			for _, m := range b.in.msgs {
				if m.Call == forgedCall {
					t.Fatalf("b received the relay's rewritten message %+v", m)
				}
			}
			if len(b.in.msgs) != 1 {
				t.Fatalf("b got %d messages, want 1: %+v", len(b.in.msgs), b.in.msgs)
			}
		})
	}
}
