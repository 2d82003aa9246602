package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeCert writes a fresh self-signed certificate for 127.0.0.1 and
// localhost into dir as cert.pem and key.pem, and returns a pool that
// trusts it.
func writeCert(t *testing.T, dir string, serial int64) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(serial),
		Subject:               pkix.Name{CommonName: "peerline-signal test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(leaf)
	return certFile, keyFile, pool
}

// touch moves a file's modification time forward, so a rewrite within the
// file system's timestamp granularity still counts as a change.
func touch(t *testing.T, names ...string) {
	t.Helper()
	later := time.Now().Add(time.Minute)
	for _, n := range names {
		if err := os.Chtimes(n, later, later); err != nil {
			t.Fatal(err)
		}
	}
}

func TestCertLoaderReloadsRenewedCertificate(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, _ := writeCert(t, dir, 1)
	l, err := loadCerts(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	serial := func() int64 { return l.get(logger).Leaf.SerialNumber.Int64() }
	if got := serial(); got != 1 {
		t.Fatalf("serial %d, want 1", got)
	}

	writeCert(t, dir, 2)
	touch(t, certFile, keyFile)
	if got := serial(); got != 1 {
		t.Fatalf("reloaded before the check interval: serial %d", got)
	}
	l.mu.Lock()
	l.checked = time.Time{} // as if certCheckInterval had passed
	l.mu.Unlock()
	if got := serial(); got != 2 {
		t.Fatalf("after renewal serial %d, want 2", got)
	}

	// A broken renewal keeps the working certificate.
	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o644); err != nil {
		t.Fatal(err)
	}
	touch(t, certFile)
	l.mu.Lock()
	l.checked = time.Time{}
	l.mu.Unlock()
	if got := serial(); got != 2 {
		t.Fatalf("after a broken renewal serial %d, want 2 kept", got)
	}
}
