package signaling

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// Channel binding ties the handshake's signatures to the TLS connection
// they travel on (RFC 9266 "tls-exporter"): each side signs a value that
// both ends of one TLS session compute alike and that no one else can.
// A relay that terminates TLS towards both sides has two sessions with
// two different values, so the signatures it passes on verify at neither
// end. This is what makes a LAN hub's self-signed certificate enough: the
// certificate authenticates nothing, the bound signatures do.

// BindingTLSExporter is the channel binding type carried in
// Challenge.Binding and Auth.Binding.
const BindingTLSExporter = "tls-exporter"

// BindingSize is the length of a tls-exporter binding (RFC 9266: 32 bytes).
const BindingSize = 32

// exporterLabel is RFC 9266's exporter label.
const exporterLabel = "EXPORTER-Channel-Binding"

// ErrNoBinding: the connection has no TLS, or its TLS cannot export a
// binding safely (TLS 1.2 without extended master secret).
var ErrNoBinding = errors.New("signaling: no TLS channel binding")

// TLSBinding returns the tls-exporter channel binding of a TLS connection
// (the same value on both ends of one session). cs nil: ErrNoBinding.
func TLSBinding(cs *tls.ConnectionState) ([]byte, error) {
	if cs == nil || !cs.HandshakeComplete {
		return nil, ErrNoBinding
	}
	b, err := cs.ExportKeyingMaterial(exporterLabel, nil, BindingSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoBinding, err)
	}
	return b, nil
}
