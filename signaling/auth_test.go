package signaling

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

func key(t testing.TB, b byte) *identity.KeyPair {
	t.Helper()
	kp, err := identity.FromSeed(bytes.Repeat([]byte{b}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

func TestVerifyAuth(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	kp, other := key(t, 1), key(t, 2)
	nonce := NewNonce()
	const aud = "wss://signal.example/v1/signal"
	good := SignAuth(kp, Challenge{Nonce: nonce, Audience: aud}, aud, now, nil, "", nil)
	bindA, bindB := bytes.Repeat([]byte{0xa}, BindingSize), bytes.Repeat([]byte{0xb}, BindingSize)
	bound := SignAuth(kp, Challenge{Nonce: nonce}, aud, now, nil, "", bindA)
	tests := []struct {
		name     string
		auth     Auth
		nonce    []byte
		audience string
		at       time.Time
		ok       bool
		binding  []byte
	}{
		{"valid", good, nonce, aud, now, true, nil},
		{"unbound auth on a TLS connection (the caller decides)", good, nonce, aud, now, true, bindA},
		{"bound, same TLS session", bound, nonce, aud, now, true, bindA},
		{"bound, another TLS session (a relay)", bound, nonce, aud, now, false, bindB},
		{"bound, no TLS here", bound, nonce, aud, now, false, nil},
		{"bound signature passed off as unbound", func() Auth { a := bound; a.Binding = ""; return a }(), nonce, aud, now, false, bindA},
		{"unbound signature passed off as bound", func() Auth { a := good; a.Binding = BindingTLSExporter; return a }(), nonce, aud, now, false, bindA},
		{"unknown binding type", func() Auth { a := bound; a.Binding = "tls-unique"; return a }(), nonce, aud, now, false, bindA},
		{"clock skew within limit", good, nonce, aud, now.Add(MaxClockSkew - time.Second), true, nil},
		{"too old", good, nonce, aud, now.Add(MaxClockSkew + time.Second), false, nil},
		{"from the future", good, nonce, aud, now.Add(-MaxClockSkew - time.Second), false, nil},
		{"other nonce (replay)", good, NewNonce(), aud, now, false, nil},
		{"other audience", good, nonce, "wss://evil.example/v1/signal", now, false, nil},
		{"signed by another key", SignAuth(other, Challenge{Nonce: nonce, Audience: aud}, aud, now, nil, "", nil), nonce, aud, now, true, nil},
		{"id of another key", func() Auth { a := good; a.Peer = other.ID(); return a }(), nonce, aud, now, false, nil},
		{"key swapped", func() Auth { a := good; a.Key = other.Public(); return a }(), nonce, aud, now, false, nil},
		{"time changed after signing", func() Auth { a := good; a.Time++; return a }(), nonce, aud, now, false, nil},
		{"no signature", func() Auth { a := good; a.Sig = nil; return a }(), nonce, aud, now, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := VerifyAuth(tc.auth, tc.nonce, tc.audience, tc.binding, tc.at)
			if (err == nil) != tc.ok {
				t.Fatalf("VerifyAuth = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("error %v does not match ErrAuthFailed", err)
			}
			if err == nil && id != tc.auth.Peer {
				t.Fatalf("authenticated %v, want %v", id, tc.auth.Peer)
			}
		})
	}
}

func TestVerifyListener(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	listener, client, other := key(t, 1), key(t, 2), key(t, 3)
	cn := NewNonce()
	aud := listener.ID().String()
	proof := SignListener(listener, cn, aud, client.ID(), nil, "ignored", now)
	bindA, bindB := bytes.Repeat([]byte{0xa}, BindingSize), bytes.Repeat([]byte{0xb}, BindingSize)
	bound := SignListener(listener, cn, aud, client.ID(), bindA, "Grace", now)
	tests := []struct {
		name    string
		proof   *Proof
		nonce   []byte
		want    identity.PeerID
		binding []byte
		ok      bool
	}{
		{"valid, expected peer", proof, cn, listener.ID(), nil, true},
		{"valid, any peer", proof, cn, identity.PeerID{}, nil, true},
		{"someone else", proof, cn, other.ID(), nil, false},
		{"other nonce", proof, NewNonce(), listener.ID(), nil, false},
		{"no proof", nil, cn, listener.ID(), nil, false},
		{"impostor key", func() *Proof {
			p := *SignListener(other, cn, aud, client.ID(), nil, "", now)
			p.Peer = listener.ID()
			return &p
		}(), cn, listener.ID(), nil, false},
		{"bound, same session", bound, cn, listener.ID(), bindA, true},
		{"bound, another session (a relay)", bound, cn, listener.ID(), bindB, false},
		{"unbound proof where binding is required", proof, cn, listener.ID(), bindA, false},
		{"bound proof checked as unbound", bound, cn, listener.ID(), nil, false},
		{"name changed by a relay", func() *Proof { p := *bound; p.Name = "Mallory"; return &p }(), cn, listener.ID(), bindA, false},
	}
	if proof.Name != "" || bound.Name != "Grace" {
		t.Fatalf("names: unbound %q (want none), bound %q", proof.Name, bound.Name)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyListener(tc.proof, tc.nonce, aud, client.ID(), tc.want, tc.binding, now)
			if (err == nil) != tc.ok {
				t.Fatalf("VerifyListener = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestDescriptionSignatureBindsCallAndPeers(t *testing.T) {
	alice, bob, carol := key(t, 1), key(t, 2), key(t, 3)
	sdp := "v=0\r\na=fingerprint:sha-256 AA:BB\r\n"
	now := time.Unix(1_800_000_000, 0)
	sig, ts := SignDescription(alice, KindOffer, "c1", bob.ID(), sdp, now)
	if err := VerifyDescription(alice.Public(), sig, KindOffer, "c1", alice.ID(), bob.ID(), ts, sdp, now.Add(time.Second)); err != nil {
		t.Fatalf("valid signature refused: %v", err)
	}
	bad := []struct {
		name string
		err  error
	}{
		{"other call", VerifyDescription(alice.Public(), sig, KindOffer, "c2", alice.ID(), bob.ID(), ts, sdp, now)},
		{"other addressee", VerifyDescription(alice.Public(), sig, KindOffer, "c1", alice.ID(), carol.ID(), ts, sdp, now)},
		{"as an answer", VerifyDescription(alice.Public(), sig, KindAnswer, "c1", alice.ID(), bob.ID(), ts, sdp, now)},
		{"fingerprint swapped", VerifyDescription(alice.Public(), sig, KindOffer, "c1", alice.ID(), bob.ID(), ts, "v=0\r\na=fingerprint:sha-256 CC:DD\r\n", now)},
		{"claimed by carol", VerifyDescription(carol.Public(), sig, KindOffer, "c1", carol.ID(), bob.ID(), ts, sdp, now)},
		{"key not the sender's", VerifyDescription(carol.Public(), sig, KindOffer, "c1", alice.ID(), bob.ID(), ts, sdp, now)},
		{"time changed", VerifyDescription(alice.Public(), sig, KindOffer, "c1", alice.ID(), bob.ID(), ts+1, sdp, now)},
		{"replayed later", VerifyDescription(alice.Public(), sig, KindOffer, "c1", alice.ID(), bob.ID(), ts, sdp, now.Add(MaxClockSkew+time.Second))},
	}
	for _, b := range bad {
		if !errors.Is(b.err, ErrForbidden) {
			t.Errorf("%s: err = %v, want forbidden", b.name, b.err)
		}
	}
}

func TestSignedMessageFramingIsUnambiguous(t *testing.T) {
	a := signedMessage("d", []byte("ab"), []byte("c"))
	b := signedMessage("d", []byte("a"), []byte("bc"))
	if bytes.Equal(a, b) {
		t.Fatal("fields that concatenate equally must frame differently")
	}
}
