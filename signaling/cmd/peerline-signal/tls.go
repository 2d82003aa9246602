package main

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"
)

// certCheckInterval is how often, at most, a TLS handshake looks at the
// certificate files for a renewal.
const certCheckInterval = 10 * time.Second

// certLoader holds the certificate from a pair of PEM files and reloads it
// when either file changes (certbot, cert-manager and friends renew in
// place), so a long-running server never serves an expired certificate
// that was already renewed on disk. A renewal that fails to load keeps the
// old certificate and is retried at the next check.
type certLoader struct {
	certFile, keyFile string

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   [2]fileStamp // of certFile and keyFile when cert was loaded
	checked time.Time
}

// fileStamp identifies a version of a file cheaply.
type fileStamp struct {
	mod  time.Time
	size int64
}

// loadCerts loads and checks the pair.
func loadCerts(certFile, keyFile string) (*certLoader, error) {
	l := &certLoader{certFile: certFile, keyFile: keyFile}
	cert, stamp, err := l.load()
	if err != nil {
		return nil, err
	}
	l.cert, l.stamp, l.checked = cert, stamp, time.Now()
	return l, nil
}

func (l *certLoader) load() (*tls.Certificate, [2]fileStamp, error) {
	var stamp [2]fileStamp
	for i, name := range []string{l.certFile, l.keyFile} {
		fi, err := os.Stat(name)
		if err != nil {
			return nil, stamp, err
		}
		stamp[i] = fileStamp{fi.ModTime(), fi.Size()}
	}
	certPEM, err := os.ReadFile(l.certFile)
	if err != nil {
		return nil, stamp, err
	}
	keyPEM, err := os.ReadFile(l.keyFile)
	if err != nil {
		return nil, stamp, err
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, stamp, fmt.Errorf("%s, %s: %w", l.certFile, l.keyFile, err)
	}
	return &cert, stamp, nil
}

// current returns the certificate now in use.
func (l *certLoader) current() *tls.Certificate {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cert
}

// get is tls.Config.GetCertificate: the current certificate, reloaded
// first if the files changed since the last check.
func (l *certLoader) get(logger *slog.Logger) *tls.Certificate {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if now.Sub(l.checked) < certCheckInterval {
		return l.cert
	}
	l.checked = now
	var stamp [2]fileStamp
	for i, name := range []string{l.certFile, l.keyFile} {
		if fi, err := os.Stat(name); err == nil {
			stamp[i] = fileStamp{fi.ModTime(), fi.Size()}
		}
	}
	if stamp == l.stamp {
		return l.cert
	}
	cert, stamp, err := l.load()
	if err != nil {
		logger.Warn("tls: certificate changed on disk but does not load; keeping the old one", "err", err)
		return l.cert
	}
	l.cert, l.stamp = cert, stamp
	attrs := []any{"cert", l.certFile}
	if cert.Leaf != nil {
		attrs = append(attrs, "not_after", cert.Leaf.NotAfter)
	}
	logger.Info("tls: certificate reloaded", attrs...)
	return l.cert
}

// tlsConfig serves l's certificate over HTTP/1.1 only. HTTP/2 must stay
// off: Go's HTTP/2 server announces RFC 8441 extended CONNECT, so a
// browser that negotiated h2 would send its WebSocket as an h2 CONNECT
// stream, which a hijacking upgrader (gorilla/websocket) cannot serve.
func tlsConfig(l *certLoader, logger *slog.Logger) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return l.get(logger), nil
		},
	}
}

// turnTLSConfig serves l's certificate to TURN-over-TLS clients, who
// negotiate no ALPN protocol (RFC 7443's "stun.turn" at most).
func turnTLSConfig(l *certLoader, logger *slog.Logger) *tls.Config {
	c := tlsConfig(l, logger)
	c.NextProtos = nil
	return c
}
