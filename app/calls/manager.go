package calls

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// DefaultRingTimeout is how long an incoming call rings before it counts
// as missed.
const DefaultRingTimeout = 45 * time.Second

// Sender delivers a routed message to env.To over whatever link reaches it
// (the LAN hub connection or a signaling server).
type Sender interface {
	Send(ctx context.Context, env signaling.Envelope) error
}

// Gate is the trust layer (contacts with pinned keys).
type Gate interface {
	// Admit says whether peer, presenting key, may ring or answer.
	Admit(ctx context.Context, peer identity.PeerID, key ed25519.PublicKey) (Admission, error)
	// Pin records key for a peer seen for the first time (trust on first
	// use), with the name it announced.
	Pin(ctx context.Context, peer identity.PeerID, key ed25519.PublicKey, name string) error
}

// Recorder writes finished calls to history.
type Recorder interface {
	RecordCall(ctx context.Context, r Record) error
}

// Emitter pushes events to the UI.
type Emitter interface {
	Emit(name events.Name, data any)
}

// Config configures a Manager. Identity and Sender are required.
type Config struct {
	Identity signaling.Signer
	Sender   Sender
	// Gate decides who may ring. Default: everyone, unverified.
	Gate Gate
	// Recorder receives every finished call. Default: none.
	Recorder Recorder
	// Events receives call:* events. Default: none.
	Events Emitter
	// Name is our display name, sent in invites as a hint.
	Name string
	// RingTimeout: see DefaultRingTimeout.
	RingTimeout time.Duration
	// Logger. Default slog.Default().
	Logger *slog.Logger
	// Now returns the time (tests). Default time.Now.
	Now func() time.Time
}

// Record is one finished call, for history.
type Record struct {
	CallID      string
	Peer        identity.PeerID
	PeerName    string
	Direction   Direction
	Video       bool
	StartedAt   time.Time
	ConnectedAt time.Time // zero if it never connected
	EndedAt     time.Time
	Outcome     Outcome
	Reason      string
}

// Info is a call as the UI sees it (method results and event data).
type Info struct {
	ID          string     `json:"id"`
	Peer        string     `json:"peer"`
	PeerName    string     `json:"peerName"`
	Direction   Direction  `json:"direction"`
	Media       []string   `json:"media"`
	State       State      `json:"state"`
	Outcome     Outcome    `json:"outcome,omitempty"`
	Reason      string     `json:"reason,omitempty"`
	Verified    bool       `json:"verified"`
	AutoAccept  bool       `json:"autoAccept,omitempty"`
	SafetyCode  string     `json:"safetyCode,omitempty"`
	StartedAt   time.Time  `json:"startedAt"`
	ConnectedAt *time.Time `json:"connectedAt,omitempty"`
	EndedAt     *time.Time `json:"endedAt,omitempty"`
}

// Incoming is the data of call:incoming: the call and the caller's offer.
type Incoming struct {
	Call  Info   `json:"call"`
	Offer string `json:"offer"`
	// Candidates are the caller's ICE candidates heard so far, and
	// EndOfCandidates whether the caller sent its last (Manager.Incoming
	// only: the call:incoming event goes out before any).
	Candidates      []signaling.Candidate `json:"candidates,omitempty"`
	EndOfCandidates bool                  `json:"endOfCandidates,omitempty"`
}

// Signal is the data of call:signal: something from the remote side that
// the UI's engine must apply.
type Signal struct {
	Call string `json:"call"`
	// Kind is "answer", "candidate", "end_of_candidates" or "renegotiate".
	Kind string `json:"kind"`
	// SDP and Description are set for answer and renegotiate.
	SDP         string               `json:"sdp,omitempty"`
	Description string               `json:"description,omitempty"` // "offer" or "answer"
	Candidate   *signaling.Candidate `json:"candidate,omitempty"`
}

// The call:* events this package emits (names defined in package events).
const (
	EventState    = events.CallState    // data: Info
	EventIncoming = events.CallIncoming // data: Incoming
	EventSignal   = events.CallSignal   // data: Signal
)

// Errors returned to the UI. Each carries a stable code (ErrorCode) that
// the bridge sends instead of the generic "failed".
var (
	ErrBusy      = &codedError{"busy", "calls: already in a call"}
	ErrNoCall    = &codedError{"no_call", "calls: no such call"}
	ErrWrongTime = &codedError{"wrong_state", "calls: not possible in this call state"}
	ErrBadInput  = &codedError{"bad_input", "calls: invalid input"}
)

type codedError struct{ code, msg string }

func (e *codedError) Error() string { return e.msg }

// ErrorCode is the code the UI matches on (bridge.Coder).
func (e *codedError) ErrorCode() string { return e.code }

// call is the manager's private view of one call.
type call struct {
	offer     string                // the caller's offer, for an incoming call
	early     []signaling.Candidate // the caller's candidates heard while ringing
	earlyEnd  bool                  // and the caller's end of candidates
	info      Info
	peer      identity.PeerID
	peerKey   ed25519.PublicKey
	video     bool
	localFP   string
	remoteFP  string
	timer     *time.Timer
	connected time.Time
}

// Manager runs calls. Its methods are safe for concurrent use.
type Manager struct {
	cfg Config

	mu      sync.Mutex
	current *call
	seen    map[string]time.Time // call ids seen recently (replay guard)
}

// New checks cfg and returns a Manager.
func New(cfg Config) (*Manager, error) {
	if cfg.Identity == nil || cfg.Sender == nil {
		return nil, errors.New("calls: Identity and Sender are required")
	}
	if cfg.RingTimeout <= 0 {
		cfg.RingTimeout = DefaultRingTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Gate == nil {
		cfg.Gate = openGate{}
	}
	return &Manager{cfg: cfg, seen: make(map[string]time.Time)}, nil
}

type openGate struct{}

func (openGate) Admit(context.Context, identity.PeerID, ed25519.PublicKey) (Admission, error) {
	return AdmitUnknown, nil
}
func (openGate) Pin(context.Context, identity.PeerID, ed25519.PublicKey, string) error { return nil }

func newCallID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func mediaNames(video bool) []string {
	if video {
		return []string{"audio", "video"}
	}
	return []string{"audio"}
}

func mediaKinds(video bool) []signaling.Media {
	if video {
		return []signaling.Media{signaling.MediaAudio, signaling.MediaVideo}
	}
	return []signaling.Media{signaling.MediaAudio}
}

func hasVideo(m []signaling.Media) bool {
	for _, k := range m {
		if k == signaling.MediaVideo {
			return true
		}
	}
	return false
}

// Incoming returns the ringing incoming call with its offer, so a window
// that opened after the ring (the browser window on Linux) can answer.
func (m *Manager) Incoming() (Incoming, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.current
	if c == nil || c.info.Direction != DirectionIncoming || c.info.State != StateRinging {
		return Incoming{}, false
	}
	return Incoming{Call: c.snapshot(), Offer: c.offer, Candidates: slices.Clone(c.early), EndOfCandidates: c.earlyEnd}, true
}

// Current returns the live call, if any.
func (m *Manager) Current() (Info, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.current == nil || !m.current.info.State.Live() {
		return Info{}, false
	}
	return m.current.snapshot(), true
}

func (c *call) snapshot() Info {
	in := c.info
	in.Media = append([]string(nil), c.info.Media...)
	return in
}

// Start places a call to peer with the UI's offer.
func (m *Manager) Start(ctx context.Context, peer identity.PeerID, video bool, offer string) (Info, error) {
	if peer.IsZero() || peer == m.cfg.Identity.ID() {
		return Info{}, fmt.Errorf("%w: cannot call that peer", ErrBadInput)
	}
	if offer == "" || len(offer) > signaling.DefaultMaxMessageBytes/2 {
		return Info{}, fmt.Errorf("%w: offer missing or too large", ErrBadInput)
	}
	now := m.cfg.Now()
	m.mu.Lock()
	if m.current != nil && m.current.info.State.Live() {
		m.mu.Unlock()
		return Info{}, ErrBusy
	}
	c := &call{peer: peer, video: video, localFP: Fingerprint(offer), info: Info{
		ID: newCallID(), Peer: peer.String(), Direction: DirectionOutgoing,
		Media: mediaNames(video), State: StateCalling, StartedAt: now,
	}}
	m.current = c
	m.seen[c.info.ID] = now
	// The caller's own fallback timer: a callee that never answers (not
	// even with its own timeout) ends the attempt a little later.
	c.timer = time.AfterFunc(m.cfg.RingTimeout+5*time.Second, func() { m.expire(c, false) })
	info := c.snapshot()
	m.mu.Unlock()
	m.emit(EventState, info)

	sig, ts := signaling.SignDescription(m.cfg.Identity, signaling.KindOffer, info.ID, peer, offer, now)
	env, err := signaling.New(signaling.TypeInvite, signaling.Invite{
		Media: mediaKinds(video), SDP: offer, Key: m.cfg.Identity.Public(), Sig: sig, Time: ts, Name: m.cfg.Name,
	})
	if err == nil {
		env.To, env.Call, env.ID = peer, info.ID, msgID(info.ID, signaling.TypeInvite)
		err = m.cfg.Sender.Send(ctx, env)
	}
	if err != nil {
		outcome, reason := OutcomeFailed, "could not reach the peer: "+err.Error()
		if errors.Is(err, signaling.ErrUnavailable) {
			outcome, reason = OutcomeUnavailable, "peer is offline"
		}
		return m.finish(c, outcome, reason), err
	}
	return info, nil
}

// Accept answers the ringing call with the UI's answer.
func (m *Manager) Accept(ctx context.Context, callID string, video bool, answer string) (Info, error) {
	if answer == "" || len(answer) > signaling.DefaultMaxMessageBytes/2 {
		return Info{}, fmt.Errorf("%w: answer missing or too large", ErrBadInput)
	}
	m.mu.Lock()
	c, err := m.lookup(callID)
	if err == nil && (c.info.Direction != DirectionIncoming || c.info.State != StateRinging) {
		err = ErrWrongTime
	}
	if err != nil {
		m.mu.Unlock()
		return Info{}, err
	}
	c.timer.Stop()
	c.localFP = Fingerprint(answer)
	c.video = c.video && video
	c.info.Media = mediaNames(c.video)
	c.info.State = StateConnecting
	c.info.AutoAccept = false
	c.info.SafetyCode = m.safety(c)
	info := c.snapshot()
	key := c.peerKey
	m.mu.Unlock()

	m.emit(EventState, info)
	sig, ts := signaling.SignDescription(m.cfg.Identity, signaling.KindAnswer, callID, c.peer, answer, m.cfg.Now())
	env, err := signaling.New(signaling.TypeAccept, signaling.Accept{
		Media: mediaKinds(c.video), SDP: answer, Key: m.cfg.Identity.Public(), Sig: sig, Time: ts,
	})
	if err == nil {
		env.To, env.Call, env.ID = c.peer, callID, msgID(callID, signaling.TypeAccept)
		err = m.cfg.Sender.Send(ctx, env)
	}
	if err != nil {
		return m.finish(c, OutcomeFailed, "the caller can no longer be reached"), err
	}
	if !info.Verified {
		// Trust on first use: answering a new peer pins its key. After the
		// send: the database write (an fsync) is off the call's setup path.
		if err := m.cfg.Gate.Pin(ctx, c.peer, key, info.PeerName); err != nil {
			m.cfg.Logger.Warn("calls: pin key", "peer", c.peer.Short(), "err", err)
		}
	}
	return info, nil
}

// Decline refuses the ringing call.
func (m *Manager) Decline(ctx context.Context, callID string) error {
	c, err := m.live(callID, func(c *call) bool { return c.info.Direction == DirectionIncoming && c.info.State == StateRinging })
	if err != nil {
		return err
	}
	m.reply(ctx, c, signaling.TypeReject, signaling.Reject{Reason: signaling.ReasonDeclined})
	m.finish(c, OutcomeDeclined, "you declined")
	return nil
}

// Cancel withdraws our call before it was answered.
func (m *Manager) Cancel(ctx context.Context, callID string) error {
	c, err := m.live(callID, func(c *call) bool {
		return c.info.Direction == DirectionOutgoing && (c.info.State == StateCalling || c.info.State == StateRinging)
	})
	if err != nil {
		return err
	}
	m.reply(ctx, c, signaling.TypeCancel, signaling.Cancel{})
	m.finish(c, OutcomeCancelled, "you cancelled")
	return nil
}

// Hangup ends the call from our side, in whatever live state it is.
func (m *Manager) Hangup(ctx context.Context, callID string) error {
	c, err := m.live(callID, nil)
	if err != nil {
		return err
	}
	m.mu.Lock()
	dir, state := c.info.Direction, c.info.State
	m.mu.Unlock()
	switch {
	case dir == DirectionOutgoing && state <= StateRinging:
		return m.Cancel(ctx, callID)
	case dir == DirectionIncoming && state == StateRinging:
		return m.Decline(ctx, callID)
	}
	m.reply(ctx, c, signaling.TypeHangup, signaling.Hangup{})
	m.finish(c, m.connectedOutcome(c), "you hung up")
	return nil
}

func (m *Manager) connectedOutcome(c *call) Outcome {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c.connected.IsZero() {
		return OutcomeFailed
	}
	return OutcomeCompleted
}

// Candidate sends one local ICE candidate to the peer.
func (m *Manager) Candidate(ctx context.Context, callID string, cand signaling.Candidate) error {
	if cand.Candidate == "" {
		return m.endOfCandidates(ctx, callID)
	}
	c, err := m.live(callID, nil)
	if err != nil {
		return err
	}
	env, err := signaling.New(signaling.TypeCandidate, cand)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	if err := env.DecodeBody(&signaling.Candidate{}); err != nil {
		return fmt.Errorf("%w: %v", ErrBadInput, err)
	}
	return m.sendEnv(ctx, c, env)
}

func (m *Manager) endOfCandidates(ctx context.Context, callID string) error {
	c, err := m.live(callID, nil)
	if err != nil {
		return err
	}
	return m.reply(ctx, c, signaling.TypeEndOfCandidates, signaling.EndOfCandidates{})
}

// Renegotiate sends a new offer or answer inside an accepted call.
func (m *Manager) Renegotiate(ctx context.Context, callID string, kind signaling.DescriptionKind, sdp string) error {
	if kind == signaling.KindUnknown || sdp == "" || len(sdp) > signaling.DefaultMaxMessageBytes/2 {
		return fmt.Errorf("%w: renegotiation needs a kind and an SDP", ErrBadInput)
	}
	c, err := m.live(callID, func(c *call) bool { return c.info.State >= StateConnecting })
	if err != nil {
		return err
	}
	sig, ts := signaling.SignDescription(m.cfg.Identity, kind, callID, c.peer, sdp, m.cfg.Now())
	return m.reply(ctx, c, signaling.TypeRenegotiate, signaling.Renegotiate{Kind: kind, SDP: sdp, Sig: sig, Time: ts})
}

// MediaState is the UI engine's report of the peer connection: connected,
// or reconnecting while ICE restarts.
func (m *Manager) MediaState(callID string, state State) error {
	if state != StateConnected && state != StateReconnecting {
		return fmt.Errorf("%w: media state must be connected or reconnecting", ErrBadInput)
	}
	m.mu.Lock()
	c, err := m.lookup(callID)
	if err == nil && (!c.info.State.Live() || c.info.State < StateConnecting) {
		err = ErrWrongTime
	}
	if err != nil {
		m.mu.Unlock()
		return err
	}
	if c.info.State == state {
		m.mu.Unlock()
		return nil
	}
	c.info.State = state
	if state == StateConnected && c.connected.IsZero() {
		c.connected = m.cfg.Now()
		t := c.connected
		c.info.ConnectedAt = &t
	}
	info := c.snapshot()
	m.mu.Unlock()
	m.emit(EventState, info)
	return nil
}

// lookup finds the current call by id; m.mu is held.
func (m *Manager) lookup(callID string) (*call, error) {
	if m.current == nil || m.current.info.ID != callID {
		return nil, ErrNoCall
	}
	return m.current, nil
}

// live returns the current call if it is live and ok(c) holds.
func (m *Manager) live(callID string, ok func(*call) bool) (*call, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, err := m.lookup(callID)
	if err != nil {
		return nil, err
	}
	if !c.info.State.Live() || (ok != nil && !ok(c)) {
		return nil, ErrWrongTime
	}
	return c, nil
}

func (m *Manager) reply(ctx context.Context, c *call, t signaling.Type, body any) error {
	env, err := signaling.New(t, body)
	if err != nil {
		return err
	}
	return m.sendEnv(ctx, c, env)
}

// msgID names a message so a server error about it (its "ref") leads back
// to the call.
func msgID(callID string, t signaling.Type) string { return callID + ":" + t.String() }

// HandleError takes an error message from a signaling server. An
// "unavailable" about a call that has not connected ends it: the peer is
// offline or stopped reading. Once connected, signaling may come and go.
func (m *Manager) HandleError(e *signaling.Error) {
	if e == nil || e.Code != signaling.CodeUnavailable {
		return
	}
	callID, _, ok := strings.Cut(e.Ref, ":")
	if !ok {
		return
	}
	m.mu.Lock()
	c := m.current
	hit := c != nil && c.info.ID == callID && c.info.State.Live() && c.connected.IsZero()
	m.mu.Unlock()
	if hit {
		m.finish(c, OutcomeUnavailable, "peer is offline")
	}
}

func (m *Manager) sendEnv(ctx context.Context, c *call, env signaling.Envelope) error {
	env.To, env.Call, env.ID = c.peer, c.info.ID, msgID(c.info.ID, env.Type)
	if err := m.cfg.Sender.Send(ctx, env); err != nil {
		return fmt.Errorf("calls: send %s to %s: %w", env.Type, c.peer.Short(), err)
	}
	return nil
}

// finish ends c (once), records it and tells the UI.
func (m *Manager) finish(c *call, outcome Outcome, reason string) Info {
	m.mu.Lock()
	if c.info.State == StateEnded {
		info := c.snapshot()
		m.mu.Unlock()
		return info
	}
	if c.timer != nil {
		c.timer.Stop()
	}
	now := m.cfg.Now()
	c.info.State = StateEnded
	c.info.Outcome = outcome
	c.info.Reason = reason
	c.info.EndedAt = &now
	info := c.snapshot()
	rec := Record{CallID: c.info.ID, Peer: c.peer, PeerName: c.info.PeerName, Direction: c.info.Direction,
		Video: c.video, StartedAt: c.info.StartedAt, ConnectedAt: c.connected, EndedAt: now,
		Outcome: outcome, Reason: reason}
	m.mu.Unlock()
	m.emit(EventState, info)
	if m.cfg.Recorder != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := m.cfg.Recorder.RecordCall(ctx, rec); err != nil {
			m.cfg.Logger.Error("calls: record call", "call", rec.CallID, "err", err)
		}
	}
	m.cfg.Logger.Info("calls: ended", "call", info.ID, "peer", c.peer.Short(), "direction", info.Direction, "outcome", outcome, "reason", reason)
	return info
}

// expire handles the ring timer: the callee rejects with timeout (missed);
// the caller's fallback gives up (no answer).
func (m *Manager) expire(c *call, incoming bool) {
	m.mu.Lock()
	live := m.current == c && (c.info.State == StateRinging || c.info.State == StateCalling)
	m.mu.Unlock()
	if !live {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if incoming {
		m.reply(ctx, c, signaling.TypeReject, signaling.Reject{Reason: signaling.ReasonTimeout})
		m.finish(c, OutcomeMissed, "nobody answered")
		return
	}
	m.reply(ctx, c, signaling.TypeCancel, signaling.Cancel{})
	m.finish(c, OutcomeNoAnswer, "no answer")
}

func (m *Manager) safety(c *call) string {
	if len(c.peerKey) == 0 || c.localFP == "" || c.remoteFP == "" {
		return ""
	}
	return SafetyCode(m.cfg.Identity.ID(), c.peer, m.cfg.Identity.Public(), c.peerKey, c.localFP, c.remoteFP)
}

func (m *Manager) emit(name events.Name, data any) {
	if m.cfg.Events != nil {
		m.cfg.Events.Emit(name, data)
	}
}

// LinkLost tells the manager that the signaling link to peer dropped. A
// call with peer that has not connected yet cannot complete, so it ends;
// a connected call carries on peer to peer.
func (m *Manager) LinkLost(peer identity.PeerID) {
	m.mu.Lock()
	c := m.current
	hit := c != nil && c.peer == peer && c.info.State.Live() && c.connected.IsZero()
	missed := hit && c.info.Direction == DirectionIncoming && c.info.State == StateRinging
	m.mu.Unlock()
	switch {
	case missed:
		m.finish(c, OutcomeMissed, "the caller went away")
	case hit:
		m.finish(c, OutcomeFailed, "lost the connection to the peer before the call connected")
	}
}

// Close ends any live call (telling the peer) and stops timers. A call
// still ringing here was not declined by anyone: it is missed, and the
// caller hears "unavailable".
func (m *Manager) Close() {
	m.mu.Lock()
	c := m.current
	live := c != nil && c.info.State.Live()
	ringing := live && c.info.Direction == DirectionIncoming && c.info.State == StateRinging
	var id string
	if live {
		id = c.info.ID
	}
	m.mu.Unlock()
	if !live {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if ringing {
		m.reply(ctx, c, signaling.TypeReject, signaling.Reject{Reason: signaling.ReasonUnavailable})
		m.finish(c, OutcomeMissed, "Peerline was closed while the call rang")
		return
	}
	m.Hangup(ctx, id)
}

// lowerID reports whether a sorts before b (glare tie-break).
func lowerID(a, b identity.PeerID) bool { return bytes.Compare(a[:], b[:]) < 0 }
