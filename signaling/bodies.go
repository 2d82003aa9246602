package signaling

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/peerline/peerline/signaling/identity"
)

// Bodies of each message type. Every one has a validate method that
// DecodeBody runs, so a receiver only ever sees checked values.

// Challenge is the server's first frame.
type Challenge struct {
	// Nonce is NonceSize fresh random bytes the client must sign.
	Nonce []byte `json:"nonce"`
	// Audience names the server: its public URL. A LAN hub (personal
	// hub) leaves it empty, so nothing before authentication says whose
	// hub it is; the client signs the peer id it means to reach instead.
	// The client signs the audience, so a signature made for one server
	// is useless at another.
	Audience string `json:"audience,omitempty"`
	// Peer was the listener's own id (LAN hubs before channel binding).
	// Listeners no longer send it; clients ignore it.
	Peer identity.PeerID `json:"peer,omitzero"`
	// Binding is BindingTLSExporter when the listener terminates TLS
	// itself and checks auth bound to it; "" otherwise.
	Binding string `json:"binding,omitempty"`
}

func (c *Challenge) validate() error {
	if len(c.Nonce) != NonceSize {
		return fmt.Errorf("nonce: want %d bytes", NonceSize)
	}
	if len(c.Audience) > 512 {
		return errors.New("audience: want at most 512 characters")
	}
	if len(c.Binding) > 32 {
		return errors.New("binding: want at most 32 characters")
	}
	return nil
}

// Auth is the client's answer to the challenge.
type Auth struct {
	// Peer is the client's id; it must equal the id of Key.
	Peer identity.PeerID `json:"peer"`
	// Key is the client's Ed25519 public key.
	Key []byte `json:"key"`
	// Time is when the client signed, in Unix milliseconds.
	Time int64 `json:"time"`
	// Nonce echoes the challenge's nonce.
	Nonce []byte `json:"nonce"`
	// Audience echoes the challenge's audience after the client checked
	// it against the address it dialed.
	Audience string `json:"audience"`
	// Sig signs nonce, audience, time, peer and key (see AuthMessage).
	Sig []byte `json:"sig"`
	// Challenge, when set, is the client's own nonce: the listener must
	// sign it back in welcome (LAN peers authenticate both ways).
	Challenge []byte `json:"challenge,omitempty"`
	// Token is the server's access token, when it requires one.
	Token string `json:"token,omitempty"`
	// Binding is BindingTLSExporter when Sig also covers the TLS channel
	// binding of this connection (see AuthMessage); "" otherwise.
	Binding string `json:"binding,omitempty"`
	// Probe asks the listener to prove itself in welcome and then close
	// the connection without attaching it (a LAN liveness proof): it
	// never replaces the client's real link.
	Probe bool `json:"probe,omitempty"`
}

func (a *Auth) validate() error {
	switch {
	case a.Peer.IsZero():
		return errors.New("peer: missing")
	case len(a.Key) != 32:
		return errors.New("key: want a 32-byte Ed25519 public key")
	case len(a.Nonce) != NonceSize:
		return fmt.Errorf("nonce: want %d bytes", NonceSize)
	case len(a.Sig) != 64:
		return errors.New("sig: want a 64-byte Ed25519 signature")
	case a.Challenge != nil && len(a.Challenge) != NonceSize:
		return fmt.Errorf("challenge: want %d bytes", NonceSize)
	case len(a.Token) > 512:
		return errors.New("token: too long")
	case len(a.Audience) > 512:
		return errors.New("audience: too long")
	}
	return nil
}

// Proof is a listener's signature over the client's challenge.
type Proof struct {
	Peer identity.PeerID `json:"peer"`
	Key  []byte          `json:"key"`
	Time int64           `json:"time"`
	Sig  []byte          `json:"sig"`
	// Name is the listener's display name, signed in a bound proof only
	// (at most MaxProofName bytes). It is what a LAN peer is called once
	// it has proven its key; an mDNS announcement's name is only a hint.
	Name string `json:"name,omitempty"`
}

// MaxProofName is the longest Proof.Name accepted, in bytes.
const MaxProofName = 256

// ICEServer is one STUN or TURN server, in the shape of the browser's
// RTCIceServer so the UI can pass it through.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// Limits are the server's limits, announced in welcome.
type Limits struct {
	MaxMessageBytes int     `json:"max_message_bytes"`
	RatePerSecond   float64 `json:"rate_per_second"`
	Burst           int     `json:"burst"`
	// MaxSubscribeIDs is the most ids a subscribe may carry, announced
	// by servers that take incremental subscribes (add, remove); absent
	// (0), the server is older and takes one replace of up to
	// MaxSubscribe ids.
	MaxSubscribeIDs int `json:"max_subscribe_ids,omitempty"`
}

// Welcome says authentication succeeded.
type Welcome struct {
	// Peer is the id the server authenticated; it stamps it as "from".
	Peer identity.PeerID `json:"peer"`
	// Listener proves the listener's key when the client sent a challenge
	// and the listener has a key.
	Listener *Proof `json:"listener,omitempty"`
	// ICEServers are the STUN/TURN servers to use for calls via this
	// server (TURN credentials are short-lived).
	ICEServers []ICEServer `json:"ice_servers,omitempty"`
	// Limits are the server's limits.
	Limits Limits `json:"limits"`
}

func (w *Welcome) validate() error {
	if w.Peer.IsZero() {
		return errors.New("peer: missing")
	}
	return nil
}

// Subscribe sets the peers whose presence the client watches. Without
// Add and Remove it replaces the watched set with Peers; with either (a
// non-nil slice) it changes the set instead, and Peers must be nil. One
// subscribe carries at most MaxSubscribeIDs ids in all; a connection
// watches at most MaxSubscribe peers, so a client watching more than
// MaxSubscribeIDs sends a replace and then adds. The server answers each
// with one presence_list of the peers in Peers or Add, then one presence
// message for every change. (Encoded, an empty Add or Remove is left out:
// the message is then a replace.)
type Subscribe struct {
	Peers  []identity.PeerID `json:"peers,omitempty"`
	Add    []identity.PeerID `json:"add,omitempty"`
	Remove []identity.PeerID `json:"remove,omitempty"`
}

// Incremental reports whether s changes the watched set (Add or Remove
// given) rather than replacing it.
func (s *Subscribe) Incremental() bool { return s.Add != nil || s.Remove != nil }

func (s *Subscribe) validate() error {
	if n := len(s.Peers) + len(s.Add) + len(s.Remove); n > MaxSubscribeIDs {
		return tooManyIDs(n)
	}
	if s.Peers != nil && s.Incremental() {
		return errors.New(errMixedSubscribe)
	}
	return nil
}

const errMixedSubscribe = `"peers" replaces the watched set, "add" and "remove" change it: not both`

func tooManyIDs(n int) *Error {
	return errorf(CodeTooManyPeers, "%d ids listed, a subscribe carries at most %d (send the rest in more subscribes with \"add\"; a connection may watch %d)", n, MaxSubscribeIDs, MaxSubscribe)
}

// Presence reports a watched peer's state.
type Presence struct {
	Peer   identity.PeerID `json:"peer"`
	Online bool            `json:"online"`
}

func (p *Presence) validate() error {
	if p.Peer.IsZero() {
		return errors.New("peer: missing")
	}
	return nil
}

// Invite starts a call; it carries the caller's offer.
type Invite struct {
	// Media is what the caller asks for: audio, or audio and video.
	Media []Media `json:"media"`
	// SDP is the caller's offer.
	SDP string `json:"sdp"`
	// Key is the caller's public key, so a callee that never met the
	// caller can pin it (its id must be "from").
	Key []byte `json:"key"`
	// Sig signs the offer with Key (see DescriptionMessage).
	Sig []byte `json:"sig"`
	// Time is when Sig was made, in Unix milliseconds.
	Time int64 `json:"time"`
	// Name is the caller's display name, a hint only: the callee shows its
	// own name for a known contact.
	Name string `json:"name,omitempty"`
	// Group is set when the invite is one leg of a group call (group.go);
	// absent for a 1:1 call. Receivers that do not know it ignore it and
	// see a 1:1 call.
	Group *Group `json:"group,omitempty"`
}

func (i *Invite) validate() error {
	if err := validateMedia(i.Media); err != nil {
		return err
	}
	if len(i.Name) > MaxNameLen {
		return fmt.Errorf("name: at most %d bytes", MaxNameLen)
	}
	if i.Group != nil {
		if err := i.Group.validate(); err != nil {
			return fmt.Errorf("group: %w", err)
		}
	}
	if len(i.Key) != 32 {
		return errors.New("key: want a 32-byte Ed25519 public key")
	}
	return validateDescription(i.SDP, i.Sig)
}

// Ringing says the callee is alerting its user. It has no fields.
type Ringing struct{}

// Accept answers a call.
type Accept struct {
	// Media is what the callee accepted (audio only, or audio and video).
	Media []Media `json:"media"`
	// SDP is the callee's answer.
	SDP string `json:"sdp"`
	// Key is the callee's public key.
	Key []byte `json:"key"`
	// Sig signs the answer with Key.
	Sig []byte `json:"sig"`
	// Time is when Sig was made, in Unix milliseconds.
	Time int64 `json:"time"`
	// Group answers a group invite (group.go): the others the callee is
	// in the call with now. Absent for a 1:1 call.
	Group *Group `json:"group,omitempty"`
}

func (a *Accept) validate() error {
	if err := validateMedia(a.Media); err != nil {
		return err
	}
	if a.Group != nil {
		if err := a.Group.validate(); err != nil {
			return fmt.Errorf("group: %w", err)
		}
	}
	if len(a.Key) != 32 {
		return errors.New("key: want a 32-byte Ed25519 public key")
	}
	return validateDescription(a.SDP, a.Sig)
}

// Reject refuses a call.
type Reject struct {
	Reason Reason `json:"reason"`
	// Detail narrows Reason for the caller's words (do_not_disturb with
	// unavailable); absent when there is nothing to add. Receivers that
	// do not know the field, or its value, go by Reason alone.
	Detail Detail `json:"detail,omitempty"`
}

func (r *Reject) validate() error {
	if r.Reason == ReasonUnknown {
		return errors.New("reason: missing")
	}
	if r.Reason == ReasonConnectionFailed {
		return errors.New("reason: connection_failed is for hangup, not reject")
	}
	return nil
}

// Cancel withdraws an invite before it was answered. It has no fields.
type Cancel struct{}

// Hangup ends an established call.
type Hangup struct {
	// Reason is set when the call ends because it could not connect
	// (ReasonConnectionFailed), so the other side shows the same cause;
	// absent when a person hung up. Receivers that do not know it treat
	// the hangup as a plain one.
	Reason Reason `json:"reason,omitempty"`
	// Detail is call_full when a member of a group call ends our leg to
	// give the call's last place to another newcomer who raced us for it
	// (protocol.md §7.6.1); absent otherwise. Receivers that do not know
	// it treat the hangup as a plain one.
	Detail Detail `json:"detail,omitempty"`
}

func (h *Hangup) validate() error {
	if h.Reason != ReasonUnknown && h.Reason != ReasonConnectionFailed {
		return fmt.Errorf("reason: %s is not a hangup reason", h.Reason)
	}
	return nil
}

// Candidate is one trickled ICE candidate, in the browser's
// RTCIceCandidateInit shape.
type Candidate struct {
	Candidate        string  `json:"candidate"`
	SDPMid           *string `json:"sdpMid,omitempty"`
	SDPMLineIndex    *uint16 `json:"sdpMLineIndex,omitempty"`
	UsernameFragment string  `json:"usernameFragment,omitempty"`
}

func (c *Candidate) validate() error {
	if c.Candidate == "" {
		return errors.New("candidate: empty (use end_of_candidates)")
	}
	if c.SDPMid == nil && c.SDPMLineIndex == nil {
		return errors.New("sdpMid or sdpMLineIndex: one is needed")
	}
	return nil
}

// EndOfCandidates says a side has gathered all its candidates for the
// current ICE generation.
type EndOfCandidates struct {
	UsernameFragment string `json:"usernameFragment,omitempty"`
}

// Renegotiate carries an offer or answer inside an established call
// (screen share, camera added, ICE restart).
type Renegotiate struct {
	Kind DescriptionKind `json:"kind"`
	SDP  string          `json:"sdp"`
	Sig  []byte          `json:"sig"`
	// Time is when Sig was made, in Unix milliseconds.
	Time int64 `json:"time"`
}

func (r *Renegotiate) validate() error {
	if r.Kind == KindUnknown {
		return errors.New("kind: missing")
	}
	return validateDescription(r.SDP, r.Sig)
}

// Ping asks the server for a pong carrying the same time.
type Ping struct {
	// Time is any number the client wants echoed, usually Unix ms.
	Time int64 `json:"t,omitempty"`
}

// Pong answers Ping.
type Pong = Ping

func validateMedia(media []Media) error {
	if len(media) == 0 || len(media) > 2 {
		return errors.New("media: want [\"audio\"] or [\"audio\",\"video\"]")
	}
	seen := map[Media]bool{}
	for _, m := range media {
		if seen[m] {
			return errors.New("media: listed twice")
		}
		seen[m] = true
	}
	if !seen[MediaAudio] {
		return errors.New("media: a call always carries audio")
	}
	return nil
}

func validateDescription(sdp string, sig []byte) error {
	if sdp == "" {
		return errors.New("sdp: missing")
	}
	if len(sig) != 64 {
		return errors.New("sig: want a 64-byte Ed25519 signature")
	}
	return nil
}

// DecodeBody unmarshals e's body into v (a pointer to one of the body
// types above) and validates it. Failures are *Error with CodeBadMessage.
func (e Envelope) DecodeBody(v any) error {
	body := e.Body
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, v); err != nil {
		var se *Error
		if errors.As(err, &se) {
			return &Error{Code: CodeBadMessage, Message: e.Type.String() + " body: " + se.Message, Ref: e.ID}
		}
		return &Error{Code: CodeBadMessage, Message: e.Type.String() + " body: " + jsonProblem(err), Ref: e.ID}
	}
	if val, ok := v.(interface{ validate() error }); ok {
		if err := val.validate(); err != nil {
			code, msg := CodeBadMessage, err.Error()
			if se, ok := err.(*Error); ok { // a rule with a code of its own
				code, msg = se.Code, se.Message
			}
			return &Error{Code: code, Message: e.Type.String() + " body: " + msg, Ref: e.ID}
		}
	}
	return nil
}
