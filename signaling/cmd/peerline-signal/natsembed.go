package main

// An embedded NATS server: with --nats-embed-listen the node runs a NATS
// server in its own process, joined to the other nodes' by NATS routes,
// and talks to it in-process (no socket), so a message relayed between
// two nodes crosses two processes instead of three (docs/performance.md,
// "Cluster over NATS").

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
)

// embedReadyTimeout bounds the embedded server's start.
const embedReadyTimeout = 10 * time.Second

// routeUser is the user name routes authenticate with; the password is
// the shared route secret.
const routeUser = "peerline"

// startEmbeddedNATS starts the node's own NATS server: no client port
// (the node connects in-process), a route port on c.embedListen, routes
// to c.routes.
func startEmbeddedNATS(c clusterOptions, nodeID string, logger *slog.Logger) (ns *natsserver.Server, token string, err error) {
	host, portS, err := net.SplitHostPort(c.embedListen)
	if err != nil {
		return nil, "", fmt.Errorf("nats-embed-listen: %w", err)
	}
	port, err := strconv.Atoi(portS)
	if err != nil {
		return nil, "", fmt.Errorf("nats-embed-listen: port %q: %w", portS, err)
	}
	var routes []*url.URL
	for _, r := range c.routes {
		u, err := url.Parse(r)
		if err != nil {
			return nil, "", fmt.Errorf("nats-routes: %w", err)
		}
		if c.routeSecret != "" {
			u.User = url.UserPassword(routeUser, string(c.routeSecret))
		}
		routes = append(routes, u)
	}
	// nats-server starts its routes only after its client listener
	// (DontListen leaves routing waiting forever), so it gets one, on a
	// free loopback port, with a random token nobody else knows: the
	// node itself connects in-process.
	var tok [24]byte
	rand.Read(tok[:])
	token = base64.RawURLEncoding.EncodeToString(tok[:])
	clientHost, clientPort := "127.0.0.1", natsserver.RANDOM_PORT
	// Measurement hack (bench/cluster -systems embed1): other nodes
	// connect to this node's server as clients, with this token.
	if a := os.Getenv("PEERLINE_EMBED_CLIENT_ADDR"); a != "" {
		h, p, _ := net.SplitHostPort(a)
		clientHost = h
		clientPort, _ = strconv.Atoi(p)
		token = os.Getenv("PEERLINE_EMBED_TOKEN")
	}
	opts := &natsserver.Options{
		ServerName:    nodeID,
		Host:          clientHost,
		Port:          clientPort,
		Authorization: token,
		NoSigs:        true,
		NoLog:      true,
		Cluster: natsserver.ClusterOpts{
			Name: "peerline",
			Host: host,
			Port: port,
		},
		Routes: routes,
	}
	if c.routeSecret != "" {
		opts.Cluster.Username = routeUser
		opts.Cluster.Password = string(c.routeSecret)
	}
	if host == "" {
		opts.Cluster.Host = "0.0.0.0"
	}
	ns, err = natsserver.NewServer(opts)
	if err != nil {
		return nil, "", fmt.Errorf("embedded nats: %w", err)
	}
	ns.Start()
	if !ns.ReadyForConnections(embedReadyTimeout) {
		ns.Shutdown()
		return nil, "", fmt.Errorf("embedded nats: not ready within %s (route port %s)", embedReadyTimeout, c.embedListen)
	}
	logger.Info("cluster: embedded nats started", "routes_listen", c.embedListen, "routes", len(routes), "route_auth", c.routeSecret != "")
	return ns, token, nil
}
