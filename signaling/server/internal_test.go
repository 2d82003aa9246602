package server

import (
	"bytes"
	"testing"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

var zeroAuth signaling.Auth

func testPeer(t *testing.T) identity.PeerID {
	t.Helper()
	kp, err := identity.FromSeed(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return kp.ID()
}
