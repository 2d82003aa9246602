package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/peerline/peerline/signaling/cluster"
	"github.com/peerline/peerline/signaling/server"
)

// clusterOptions are the --nats flags; urls nil means one node alone.
type clusterOptions struct {
	urls    []string
	creds   string // --nats-creds: a NATS .creds file (JWT and NKey seed)
	tlsCA   string
	tlsCert string
	tlsKey  string
	nodeID  string // "" picks cluster.DefaultNodeID
}

// clusterFlags are the flags of a cluster node, in --help order.
var clusterFlags = []flagSpec{
	{name: "nats", arg: "urls", showDef: "none: one node alone",
		usage: "comma-separated NATS server URLs (nats://, tls://, ws://, wss://; user:password@ allowed) to join a cluster of nodes sharing routing and presence, e.g. nats://10.0.0.1:4222,nats://10.0.0.2:4222. /healthz is 503 while no NATS server is reachable"},
	{name: "nats-creds", arg: "file", showDef: "none",
		usage: "NATS user credentials file (.creds: JWT and NKey seed)"},
	{name: "nats-tls-ca", arg: "file", showDef: "the system roots",
		usage: "PEM CA bundle to verify the NATS servers' certificates (implies TLS)"},
	{name: "nats-tls-cert", arg: "file", showDef: "none",
		usage: "PEM client certificate for NATS mutual TLS, with --nats-tls-key"},
	{name: "nats-tls-key", arg: "file", showDef: "none",
		usage: "PEM private key of --nats-tls-cert"},
	{name: "node-id", arg: "id", showDef: "the host name and a random suffix",
		usage: "this node's name in the cluster (1 to 64 of A-Z a-z 0-9 _ -), unique among the nodes"},
}

// init lists the cluster flags in --help before the last flag, --version.
func init() {
	last := flagSpecs[len(flagSpecs)-1]
	flagSpecs = append(append(flagSpecs[:len(flagSpecs)-1:len(flagSpecs)-1], clusterFlags...), last)
}

// clusterOpts parses the cluster flags.
func (p *parser) clusterOpts() clusterOptions {
	var c clusterOptions
	for _, u := range splitList(p.get("nats")) {
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" {
			p.fail("nats", "%q: want a URL such as nats://host:4222", u)
			return c
		}
		switch pu.Scheme {
		case "nats", "tls", "ws", "wss":
		default:
			p.fail("nats", "%q: scheme %q: want nats, tls, ws or wss", u, pu.Scheme)
			return c
		}
		c.urls = append(c.urls, u)
	}
	c.creds, c.tlsCA, c.tlsCert, c.tlsKey = p.get("nats-creds"), p.get("nats-tls-ca"), p.get("nats-tls-cert"), p.get("nats-tls-key")
	c.nodeID = p.get("node-id")
	for _, f := range []string{"nats-creds", "nats-tls-ca", "nats-tls-cert", "nats-tls-key", "node-id"} {
		if p.get(f) != "" && len(c.urls) == 0 {
			p.fail(f, "needs --nats")
			return c
		}
	}
	for _, f := range []string{"nats-creds", "nats-tls-ca", "nats-tls-cert", "nats-tls-key"} {
		if file := p.get(f); file != "" {
			if _, err := os.Stat(file); err != nil {
				p.fail(f, "%v", err)
				return c
			}
		}
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		p.fail("nats-tls-cert", "--nats-tls-cert and --nats-tls-key go together")
	}
	if c.nodeID != "" && !validNodeID(c.nodeID) {
		p.fail("node-id", "%q: want 1 to 64 of A-Z a-z 0-9 _ -", c.nodeID)
	}
	return c
}

func validNodeID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == ""
}

// startCluster joins srv's hub to the cluster when --nats is set; it
// returns nil for one node alone.
func startCluster(ctx context.Context, c clusterOptions, srv *server.Server, logger *slog.Logger) (*cluster.Node, error) {
	if len(c.urls) == 0 {
		return nil, nil
	}
	var extra []nats.Option
	if c.creds != "" {
		extra = append(extra, nats.UserCredentials(c.creds))
	}
	if c.tlsCA != "" {
		extra = append(extra, nats.RootCAs(c.tlsCA))
	}
	if c.tlsCert != "" {
		extra = append(extra, nats.ClientCert(c.tlsCert, c.tlsKey))
	}
	node, err := cluster.Start(ctx, srv.Hub(), cluster.Options{
		URLs:       c.urls,
		NodeID:     c.nodeID,
		NATS:       extra,
		Registerer: srv.Registry(),
		Logger:     logger,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: %w", err)
	}
	return node, nil
}
