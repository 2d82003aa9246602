package server

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"time"
)

// EphemeralTLS returns a TLS configuration for a LAN hub: TLS 1.3 only,
// HTTP/1.1 (see Handler), and a fresh self-signed certificate made in
// memory for this process. The certificate names nothing (its subject is
// "peerline", with no host names or addresses) and authenticates nothing:
// clients skip its check, and the handshake's signatures, bound to the
// TLS session (signaling.TLSBinding), authenticate the hub's key. What TLS
// adds is that the link is encrypted end to end and that a relay which
// terminates it cannot pass the bound signatures on.
func EphemeralTLS() (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("server: ephemeral TLS: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("server: ephemeral TLS: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "peerline"},
		NotBefore:    now.Add(-time.Hour), // peers' clocks differ
		NotAfter:     now.AddDate(10, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("server: ephemeral TLS: %w", err)
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		NextProtos:   []string{"http/1.1"},
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
	}, nil
}
