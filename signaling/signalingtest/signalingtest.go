package signalingtest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
	"github.com/peerline/peerline/signaling/server"
)

// Server is a running signaling server on a loopback port.
type Server struct {
	*server.Server
	HTTP *httptest.Server
	// URL is the WebSocket URL of the endpoint.
	URL string
}

// Serve starts a server with cfg (zero value fine) and stops it when the
// test ends. Logs go to the test log only on failure-prone levels.
func Serve(t testing.TB, cfg server.Config) *Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("signalingtest: server.New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	s := &Server{Server: srv, HTTP: hs, URL: "ws" + strings.TrimPrefix(hs.URL, "http") + signaling.Path}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return s
}

// ServeTLS is Serve over TLS with server.EphemeralTLS, the way the
// desktop app serves its LAN hub: URL is wss://.
func ServeTLS(t testing.TB, cfg server.Config) *Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("signalingtest: server.New: %v", err)
	}
	tc, err := server.EphemeralTLS()
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	hs.TLS = tc
	hs.StartTLS()
	s := &Server{Server: srv, HTTP: hs, URL: "wss" + strings.TrimPrefix(hs.URL, "https") + signaling.Path}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Close()
	})
	return s
}

var seedCounter atomic.Uint32

// Key returns a fresh deterministic-per-process key pair.
func Key(t testing.TB) *identity.KeyPair {
	t.Helper()
	n := seedCounter.Add(1)
	seed := bytes.Repeat([]byte{byte(n), byte(n >> 8), 0x5e, 0xed}, 8)
	kp, err := identity.FromSeed(seed)
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// Dial connects kp to url and closes the connection when the test ends.
func Dial(t testing.TB, url string, kp *identity.KeyPair) *signaling.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := signaling.Dial(ctx, signaling.DialConfig{URL: url, Identity: kp})
	if err != nil {
		t.Fatalf("signalingtest: dial %s: %v", url, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// Recv reads the next message within timeout, failing the test otherwise.
func Recv(t testing.TB, c *signaling.Conn, timeout time.Duration) signaling.Envelope {
	t.Helper()
	type result struct {
		env signaling.Envelope
		err error
	}
	ch := make(chan result, 1)
	go func() {
		env, err := c.Recv()
		ch <- result{env, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatalf("signalingtest: recv: %v", r.err)
		}
		return r.env
	case <-time.After(timeout):
		t.Fatalf("signalingtest: recv: nothing within %s", timeout)
		return signaling.Envelope{}
	}
}

// RecvType reads messages until one of type typ arrives (skipping others,
// e.g. presence), failing after timeout.
func RecvType(t testing.TB, c *signaling.Conn, typ signaling.Type, timeout time.Duration) signaling.Envelope {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			t.Fatalf("signalingtest: no %s within %s", typ, timeout)
		}
		env := Recv(t, c, left)
		if env.Type == typ {
			return env
		}
	}
}

// Must builds an envelope or fails the test.
func Must(t testing.TB, typ signaling.Type, body any) signaling.Envelope {
	t.Helper()
	env, err := signaling.New(typ, body)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// Invite is the envelope a real caller sends to ring to: an invite for
// call offering sdp with audio and video, signed by from (the signature
// covers the call id, both peers, the time and the SDP). The envelope's
// ID is left for the test to set.
func Invite(t testing.TB, from *identity.KeyPair, to identity.PeerID, call, sdp string) signaling.Envelope {
	t.Helper()
	sig, ts := signaling.SignDescription(from, signaling.KindOffer, call, to, sdp, time.Now())
	env := Must(t, signaling.TypeInvite, signaling.Invite{
		Media: []signaling.Media{signaling.MediaAudio, signaling.MediaVideo},
		SDP:   sdp, Key: from.Public(), Sig: sig, Time: ts,
	})
	env.To, env.Call = to, call
	return env
}
