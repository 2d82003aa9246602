package signaling

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/peerline/peerline/signaling/identity"
)

// Signer is what signs on a peer's behalf: identity.KeyPair implements it.
// Consumers take this small interface so the private key stays in one
// place.
type Signer interface {
	ID() identity.PeerID
	Public() ed25519.PublicKey
	Sign(msg []byte) []byte
}

// Domain separation strings: a signature made for one purpose never
// verifies for another.
const (
	domainAuth     = "peerline/v1/auth"
	domainListener = "peerline/v1/listener"
	domainSDP      = "peerline/v1/sdp"
	// The bound variants (see binding.go) have their own domains, so a
	// bound signature never verifies as an unbound one or back.
	domainAuthBound     = "peerline/v1/auth+tls-exporter"
	domainListenerBound = "peerline/v1/listener+tls-exporter"
)

// signedMessage frames fields unambiguously: the domain, then each field
// as a 4-byte big-endian length and its bytes.
func signedMessage(domain string, fields ...[]byte) []byte {
	n := len(domain)
	for _, f := range fields {
		n += 4 + len(f)
	}
	b := make([]byte, 0, n)
	b = append(b, domain...)
	for _, f := range fields {
		b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// NewNonce returns NonceSize random bytes.
func NewNonce() []byte {
	b := make([]byte, NonceSize)
	if _, err := rand.Read(b); err != nil {
		panic("signaling: crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	return b
}

// AuthMessage is the byte string a client signs in Auth. binding is the
// connection's TLS channel binding (TLSBinding) for a bound auth, nil for
// an unbound one.
func AuthMessage(nonce []byte, audience string, timeMs int64, peer identity.PeerID, key, binding []byte) []byte {
	if binding != nil {
		return signedMessage(domainAuthBound, nonce, []byte(audience),
			[]byte(strconv.FormatInt(timeMs, 10)), []byte(peer.String()), key, binding)
	}
	return signedMessage(domainAuth, nonce, []byte(audience),
		[]byte(strconv.FormatInt(timeMs, 10)), []byte(peer.String()), key)
}

// SignAuth answers challenge ch as s, for audience (the challenge's, or
// on the LAN the peer id the client means to reach). clientNonce, when
// non-nil, asks the listener to prove its key too. binding, when non-nil,
// is the connection's TLS channel binding: the auth is then bound to it.
func SignAuth(s Signer, ch Challenge, audience string, now time.Time, clientNonce []byte, token string, binding []byte) Auth {
	a := Auth{
		Peer:      s.ID(),
		Key:       s.Public(),
		Time:      now.UnixMilli(),
		Nonce:     ch.Nonce,
		Audience:  audience,
		Challenge: clientNonce,
		Token:     token,
	}
	if binding != nil {
		a.Binding = BindingTLSExporter
	}
	a.Sig = s.Sign(AuthMessage(a.Nonce, a.Audience, a.Time, a.Peer, a.Key, binding))
	return a
}

// VerifyAuth checks a client's Auth against the nonce and audience the
// listener sent, at time now. binding is the listener's TLS channel
// binding of this connection (nil without TLS): an auth that says it is
// bound is checked against it; an unbound one is checked as such, and the
// caller decides whether it may be unbound (Auth.Binding == ""). It
// returns the authenticated peer id. Every failure wraps ErrAuthFailed;
// the message says which check failed but never echoes secrets, nor the
// listener's own audience (a LAN hub's peer id is not told to a client
// that does not already know it).
func VerifyAuth(a Auth, sentNonce []byte, audience string, binding []byte, now time.Time) (identity.PeerID, error) {
	fail := func(why string) (identity.PeerID, error) {
		return identity.PeerID{}, &Error{Code: CodeAuthFailed, Message: why}
	}
	if err := a.validate(); err != nil {
		return fail(err.Error())
	}
	var bound []byte
	switch a.Binding {
	case "":
	case BindingTLSExporter:
		if binding == nil {
			return fail("auth is bound to TLS but this connection has none (a proxy in between?)")
		}
		bound = binding
	default:
		return fail(fmt.Sprintf("unknown channel binding %.32q", a.Binding))
	}
	if subtle.ConstantTimeCompare(a.Nonce, sentNonce) != 1 {
		return fail("nonce does not match this connection's challenge (replayed?)")
	}
	if a.Audience != audience {
		return fail(fmt.Sprintf("signed for audience %.128q, which is not this listener", a.Audience))
	}
	skew := now.Sub(time.UnixMilli(a.Time))
	if skew > MaxClockSkew || skew < -MaxClockSkew {
		return fail(fmt.Sprintf("timestamp off by %s (max %s): check the clock", skew.Round(time.Second), MaxClockSkew))
	}
	if !identity.IDFromKey(a.Key).Equal(a.Peer) {
		return fail("peer id is not the id of the key")
	}
	if !identity.Verify(a.Key, AuthMessage(a.Nonce, a.Audience, a.Time, a.Peer, a.Key, bound), a.Sig) {
		if bound != nil {
			return fail("bad signature (or a relay in between: the TLS binding differs)")
		}
		return fail("bad signature")
	}
	return a.Peer, nil
}

// ListenerMessage is the byte string a listener signs to prove its key to
// the dialer. binding non-nil makes the bound variant, which also covers
// the TLS channel binding and the listener's display name.
func ListenerMessage(clientNonce []byte, audience string, timeMs int64, listener, client identity.PeerID, binding []byte, name string) []byte {
	if binding != nil {
		return signedMessage(domainListenerBound, clientNonce, []byte(audience),
			[]byte(strconv.FormatInt(timeMs, 10)), []byte(listener.String()), []byte(client.String()), binding, []byte(name))
	}
	return signedMessage(domainListener, clientNonce, []byte(audience),
		[]byte(strconv.FormatInt(timeMs, 10)), []byte(listener.String()), []byte(client.String()))
}

// SignListener proves the listener's key over the client's nonce. With a
// binding (the client's auth was bound) the proof is bound too and
// carries name, the listener's display name; without one, name is
// dropped (an unbound proof could be replayed with another name).
func SignListener(s Signer, clientNonce []byte, audience string, client identity.PeerID, binding []byte, name string, now time.Time) *Proof {
	p := &Proof{Peer: s.ID(), Key: s.Public(), Time: now.UnixMilli()}
	if binding == nil {
		name = ""
	}
	p.Name = name
	p.Sig = s.Sign(ListenerMessage(clientNonce, audience, p.Time, p.Peer, client, binding, p.Name))
	return p
}

// VerifyListener checks a listener's proof. want, when not zero, is the
// peer the client meant to reach (from mDNS or a pinned contact). binding
// is the client's TLS channel binding when its auth was bound (then the
// proof must be bound to the same session), else nil.
func VerifyListener(p *Proof, clientNonce []byte, audience string, client, want identity.PeerID, binding []byte, now time.Time) error {
	fail := func(why string) error { return &Error{Code: CodeAuthFailed, Message: "listener: " + why} }
	if p == nil {
		return fail("no proof of key")
	}
	if len(p.Key) != ed25519.PublicKeySize || !identity.IDFromKey(p.Key).Equal(p.Peer) {
		return fail("peer id is not the id of the key")
	}
	if !want.IsZero() && !p.Peer.Equal(want) {
		return fail("is " + p.Peer.Short() + ", expected " + want.Short())
	}
	skew := now.Sub(time.UnixMilli(p.Time))
	if skew > MaxClockSkew || skew < -MaxClockSkew {
		return fail("timestamp out of range: check the clock")
	}
	if binding == nil && p.Name != "" {
		return fail("an unbound proof carries a name")
	}
	if len(p.Name) > MaxProofName {
		return fail("name too long")
	}
	if !identity.Verify(p.Key, ListenerMessage(clientNonce, audience, p.Time, p.Peer, client, binding, p.Name), p.Sig) {
		if binding != nil {
			return fail("bad signature (or a relay in between: the TLS binding differs)")
		}
		return fail("bad signature")
	}
	return nil
}

// DescriptionMessage is the byte string signed for an SDP offer or answer:
// it binds the description to its call, sender, addressee and time, so a
// relay cannot move it to another call, replay it later, or swap the DTLS
// fingerprint inside it. (Replays within MaxClockSkew carry a call id the
// receiver has already seen; receivers reject those.)
func DescriptionMessage(kind DescriptionKind, call string, from, to identity.PeerID, timeMs int64, sdp string) []byte {
	return signedMessage(domainSDP, []byte(kind.String()), []byte(call),
		[]byte(from.String()), []byte(to.String()), []byte(strconv.FormatInt(timeMs, 10)), []byte(sdp))
}

// SignDescription signs an offer or answer that s sends to `to` in call at
// time now; the body carries both the signature and timeMs.
func SignDescription(s Signer, kind DescriptionKind, call string, to identity.PeerID, sdp string, now time.Time) (sig []byte, timeMs int64) {
	timeMs = now.UnixMilli()
	return s.Sign(DescriptionMessage(kind, call, s.ID(), to, timeMs, sdp)), timeMs
}

// VerifyDescription checks a description's signature against the sender's
// pinned key and its time against now. It fails with ErrForbidden.
func VerifyDescription(pub ed25519.PublicKey, sig []byte, kind DescriptionKind, call string, from, to identity.PeerID, timeMs int64, sdp string, now time.Time) error {
	if !identity.IDFromKey(pub).Equal(from) {
		return &Error{Code: CodeForbidden, Message: "description: key is not the sender's"}
	}
	if !identity.Verify(pub, DescriptionMessage(kind, call, from, to, timeMs, sdp), sig) {
		return &Error{Code: CodeForbidden, Message: "description: bad signature"}
	}
	skew := now.Sub(time.UnixMilli(timeMs))
	if skew > MaxClockSkew || skew < -MaxClockSkew {
		return &Error{Code: CodeForbidden, Message: "description: signed " + skew.Round(time.Second).String() + " away from now (replayed, or a clock is wrong)"}
	}
	return nil
}
