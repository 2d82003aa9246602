// Package clustertest runs a peerline-signal cluster inside tests and
// benchmarks: an embedded nats-server on a random loopback port
// (RunNATS) and signaling nodes joined to it (Node), each a real
// WebSocket server on loopback.
package clustertest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/cluster"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// NATS is an embedded nats-server.
type NATS struct {
	Server *natsserver.Server
	// URL is nats://127.0.0.1:PORT; it stays the same across Restart.
	URL  string
	port int
	t    testing.TB
}

// RunNATS starts a nats-server on a random loopback port and shuts it
// down when the test ends.
func RunNATS(t testing.TB) *NATS {
	t.Helper()
	s := &NATS{t: t, port: -1}
	s.start()
	s.port = s.Server.Addr().(*net.TCPAddr).Port
	t.Cleanup(func() { s.Stop() })
	return s
}

func (s *NATS) start() {
	s.t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: s.port, NoLog: true, NoSigs: true})
	if err != nil {
		s.t.Fatalf("clustertest: nats-server: %v", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		s.t.Fatal("clustertest: nats-server not ready within 10s")
	}
	s.Server = ns
	s.URL = ns.ClientURL()
}

// Stop shuts the server down (idempotent).
func (s *NATS) Stop() {
	if s.Server != nil {
		s.Server.Shutdown()
		s.Server.WaitForShutdown()
	}
}

// Restart stops the server and starts a fresh one (no state) on the
// same port, as an operator's restart would.
func (s *NATS) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// ClusterNode is a signaling server joined to a cluster.
type ClusterNode struct {
	*signalingtest.Server
	Node *cluster.Node
}

// Options for Node; the zero value works.
type Options struct {
	// Server configures the signaling server (Logger defaults to none).
	Server server.Config
	// Cluster configures the node; URLs default to the NATS server's.
	Cluster cluster.Options
}

// Node starts a signaling server on loopback joined to the cluster on
// nats, closed when the test ends (Close, or Kill first).
func Node(t testing.TB, nats *NATS, o Options) *ClusterNode {
	t.Helper()
	if o.Server.Logger == nil {
		o.Server.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Cluster.Logger == nil {
		o.Cluster.Logger = o.Server.Logger
	}
	if len(o.Cluster.URLs) == 0 {
		o.Cluster.URLs = []string{nats.URL}
	}
	srv, err := server.New(o.Server)
	if err != nil {
		t.Fatalf("clustertest: server.New: %v", err)
	}
	if o.Cluster.Registerer == nil {
		o.Cluster.Registerer = srv.Registry()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	node, err := cluster.Start(ctx, srv.Hub(), o.Cluster)
	if err != nil {
		t.Fatalf("clustertest: cluster.Start: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	cn := &ClusterNode{
		Server: &signalingtest.Server{Server: srv, HTTP: hs, URL: "ws" + strings.TrimPrefix(hs.URL, "http") + signaling.Path},
		Node:   node,
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		node.Close(ctx)
		hs.Close()
	})
	return cn
}

// Kill makes the node vanish as SIGKILL would, as the rest of the
// cluster sees it: its NATS connection drops with no goodbye and its
// client connections are cut.
func (c *ClusterNode) Kill() {
	c.Node.Kill()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c.Server.Server.Shutdown(ctx) // an expired ctx cuts every connection now
	c.HTTP.CloseClientConnections()
}
