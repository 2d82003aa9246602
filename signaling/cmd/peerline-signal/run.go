package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/turnserver"
)

// HTTP limits. A WebSocket upgrade, a health check and a scrape are all
// small requests with small headers.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 16 << 10
)

// run serves until ctx is done, then shuts down gracefully within
// o.shutdownTimeout and returns nil. Logs go to stderr; the line
// "listening on ADDR" goes to stdout once the socket accepts connections,
// and ready, when not nil, is then called with the bound address. An error
// means serving failed (bind, accept).
func run(ctx context.Context, o options, stdout, stderr io.Writer, ready func(addr net.Addr)) error {
	logger := newLogger(stderr, o.logLevel, o.logFormat)

	// Bind first: from here the kernel queues connections in the backlog,
	// so clients that dial while the rest is built wait instead of being
	// refused.
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}

	var relay *turnserver.Server
	if o.embedded.listen != "" {
		if relay, err = startTURN(&o, logger); err != nil {
			ln.Close()
			return fmt.Errorf("turn: %w", err)
		}
		defer relay.Close()
	}

	srv, err := server.New(o.serverConfig(logger))
	if err != nil {
		ln.Close()
		return fmt.Errorf("configure: %w", err)
	}
	if relay != nil {
		srv.Registry().MustRegister(relay.Metrics())
	}
	node, err := startCluster(ctx, o.cluster, srv, logger)
	if err != nil {
		ln.Close()
		return err
	}
	srv.Registry().MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	var http1 http.Protocols
	http1.SetHTTP1(true)
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		Protocols:         &http1, // see tlsConfig
		ErrorLog:          httpErrorLog(logger),
	}
	served := ln
	if o.certs != nil {
		served = tls.NewListener(ln, tlsConfig(o.certs, logger))
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(served) }()

	audience := o.publicURL
	if audience == "" {
		audience = "(from the Host header)"
	}
	logger.Info("peerline-signal listening",
		"addr", ln.Addr().String(),
		"tls", o.certs != nil,
		"audience", audience,
		"token_required", o.token != "",
		"stun_urls", len(o.stun),
		"turn_urls", len(o.turn),
		"nats", len(o.cluster.urls) > 0,
		"version", versionString(),
		"protocol", signaling.Version)
	if o.publicURL == "" {
		logger.Warn("no --public-url: clients sign whatever Host they dialed; set it in production")
	}
	for _, w := range o.warnings {
		logger.Warn(w)
	}
	fmt.Fprintf(stdout, "listening on %s\n", ln.Addr())
	if ready != nil {
		ready(ln.Addr())
	}

	var failed error
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "timeout", o.shutdownTimeout)
	case err := <-serveErr:
		failed = fmt.Errorf("serve: %w", err)
		logger.Error("serving failed; shutting down", "err", err)
	}
	start := time.Now()
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	// Signaling first: /healthz turns 503, new upgrades are refused, and
	// every client is told to come back after retry_ms. Then the HTTP
	// server stops accepting and finishes in-flight requests.
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("connections did not close in time and were cut", "err", err)
	}
	if node != nil {
		// After the clients were told to go: the other nodes hear this
		// node's peers leave, then its goodbye.
		if err := node.Close(sctx); err != nil {
			logger.Warn("cluster: leaving", "err", err)
		}
	}
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		logger.Warn("HTTP requests did not finish in time and were cut", "err", err)
		hs.Close()
	}
	if failed == nil {
		if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
			failed = fmt.Errorf("serve: %w", err)
		}
	}
	logger.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
	return failed
}

// serverConfig maps the options onto server.Config.
func (o *options) serverConfig(logger *slog.Logger) server.Config {
	maxConns := o.maxConnsPerIP
	if maxConns == 0 {
		maxConns = -1 // the flag's "no limit"; server.Config reads 0 as the default
	}
	maxUnauth := o.maxUnauth
	if maxUnauth == 0 {
		maxUnauth = -1
	}
	return server.Config{
		Audience:           o.publicURL,
		AllowedOrigins:     o.allowedOrigins,
		AccessToken:        string(o.token),
		STUNURLs:           o.stun,
		TURNURLs:           o.turn,
		TURNSecret:         string(o.turnSecret),
		TURNTTL:            o.turnTTL,
		MaxMessageBytes:    o.maxMessageBytes,
		RatePerSecond:      o.rate,
		Burst:              o.burst,
		MaxConnsPerIP:      maxConns,
		MaxUnauthenticated: maxUnauth,
		TrustForwardedFor:  o.trustForwardedFor,
		PingInterval:       o.pingInterval,
		Logger:             logger,
	}
}
