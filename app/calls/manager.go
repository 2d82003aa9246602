package calls

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/events"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

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
	// group is the group id when the call is one leg of a group call
	// (group.go); "" for a call placed 1:1, whose group id is its own id.
	group string
	// members is the roster an incoming group invite named, or the one
	// the accept of our leg named.
	members []identity.PeerID
	// voucher is the peer's signed word that we are in the group (its
	// add, or its accept's roster): what our joins to members carry.
	voucher *signaling.Voucher
	// join marks a join leg (ours or the peer's): taken without asking
	// the user, so its key is shown but never pinned (no trust on first
	// use for someone only a member vouched for).
	join bool
	// addedTo is the group as it was when this leg's peer was added to
	// it: the adder and the members its add named (our own add, or the
	// voucher of a join we took); nil when not known. Two newcomers with
	// the same addedTo raced for one place (raceRivalLocked).
	addedTo []identity.PeerID
}

// Manager runs calls. Its methods are safe for concurrent use.
type Manager struct {
	cfg Config

	mu sync.Mutex
	// calls holds the live calls, all legs of one group (at most
	// MaxParticipants-1), and the calls that ended since the last one
	// began (their ids still answer ErrWrongTime).
	calls map[string]*call
	seen  map[string]time.Time // call ids seen recently (replay guard)
	// strangers remembers strangers' rings (strangers.go).
	strangers map[identity.PeerID]*stranger
	// full is, per peer, the coalesced entry of its invites refused
	// call_full (fullLocked).
	full map[identity.PeerID]*Record
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
	if cfg.StrangerInterval <= 0 {
		cfg.StrangerInterval = DefaultStrangerInterval
	}
	return &Manager{cfg: cfg, calls: make(map[string]*call), seen: make(map[string]time.Time), strangers: make(map[identity.PeerID]*stranger), full: make(map[identity.PeerID]*Record)}, nil
}

func newCallID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Incoming returns the ringing incoming call with its offer, so a window
// that opened after the ring (the browser window on Linux) can answer.
// A join leg waiting for the UI to answer it (AutoAccept) is no ringing
// call: the window that runs the group call answers it from its
// call:incoming event, and a ringing screen must never show it.
func (m *Manager) Incoming() (Incoming, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.liveLocked() {
		if c.info.Direction == DirectionIncoming && c.info.State == StateRinging && !c.info.AutoAccept {
			return Incoming{Call: c.snapshot(), Offer: c.offer, Candidates: slices.Clone(c.early), EndOfCandidates: c.earlyEnd}, true
		}
	}
	return Incoming{}, false
}

// Current returns the live call, if any; in a group call, the leg that
// began first (Calls lists them all).
func (m *Manager) Current() (Info, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if live := m.liveLocked(); len(live) > 0 {
		return live[0].snapshot(), true
	}
	return Info{}, false
}

// Start places a call to peer with the UI's offer.
func (m *Manager) Start(ctx context.Context, peer identity.PeerID, video bool, offer string) (Info, error) {
	return m.place(ctx, peer, video, offer, nil)
}

// place places a 1:1 call (leg nil) or one leg of a group call.
func (m *Manager) place(ctx context.Context, peer identity.PeerID, video bool, offer string, leg *legPlan) (Info, error) {
	if peer == m.cfg.Identity.ID() {
		return Info{}, ErrOwnID
	}
	if peer.IsZero() {
		return Info{}, fmt.Errorf("%w: cannot call that peer", ErrBadInput)
	}
	if offer == "" || len(offer) > signaling.DefaultMaxMessageBytes/2 {
		return Info{}, fmt.Errorf("%w: offer missing or too large", ErrBadInput)
	}
	now := m.cfg.Now()
	m.mu.Lock()
	var g *signaling.Group
	if leg == nil && len(m.liveLocked()) > 0 {
		m.mu.Unlock()
		return Info{}, ErrBusy
	}
	if leg != nil {
		var err error
		if g, err = m.planLegLocked(peer, leg.join); err != nil {
			m.mu.Unlock()
			return Info{}, err
		}
	}
	c := &call{peer: peer, video: video, localFP: Fingerprint(offer), info: Info{
		ID: newCallID(), Peer: peer.String(), Direction: DirectionOutgoing,
		Media: mediaNames(video), State: StateCalling, StartedAt: now,
	}}
	if g != nil {
		c.group, c.join = g.ID, g.Join
		c.info.Group = g.ID
		if !g.Join {
			c.addedTo = append([]identity.PeerID{m.cfg.Identity.ID()}, g.Members...)
		}
	}
	m.addLocked(c)
	m.seen[c.info.ID] = now
	// The caller's own fallback timer: a callee that never answers (not
	// even with its own timeout) ends the attempt a little later.
	c.timer = time.AfterFunc(m.cfg.RingTimeout+5*time.Second, func() { m.expire(c, false) })
	info := c.snapshot()
	m.mu.Unlock()
	m.emit(EventState, info)

	sig, ts := signaling.SignDescription(m.cfg.Identity, signaling.KindOffer, info.ID, peer, offer, now)
	if g != nil {
		signaling.SignGroup(m.cfg.Identity, signaling.KindOffer, info.ID, peer, ts, g)
	}
	env, err := signaling.New(signaling.TypeInvite, signaling.Invite{
		Media: mediaKinds(video), SDP: offer, Key: m.cfg.Identity.Public(), Sig: sig, Time: ts, Name: m.cfg.Name, Group: g,
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
		return m.finish(c, errcode.Offline, outcome, reason), err
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
	key, pin := c.peerKey, !c.join
	roster := m.rosterLocked(c)
	m.mu.Unlock()

	m.emit(EventState, info)
	sig, ts := signaling.SignDescription(m.cfg.Identity, signaling.KindAnswer, callID, c.peer, answer, m.cfg.Now())
	if roster != nil {
		signaling.SignGroup(m.cfg.Identity, signaling.KindAnswer, callID, c.peer, ts, roster)
	}
	env, err := signaling.New(signaling.TypeAccept, signaling.Accept{
		Media: mediaKinds(c.video), SDP: answer, Key: m.cfg.Identity.Public(), Sig: sig, Time: ts, Group: roster,
	})
	if err == nil {
		env.To, env.Call, env.ID = c.peer, callID, msgID(callID, signaling.TypeAccept)
		err = m.cfg.Sender.Send(ctx, env)
	}
	if err != nil {
		return m.finish(c, errcode.Offline, OutcomeFailed, "the caller can no longer be reached"), err
	}
	if !info.Verified && pin {
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
	m.finish(c, "", OutcomeDeclined, "you declined")
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
	m.finish(c, "", OutcomeCancelled, "you cancelled")
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
	m.finish(c, "", m.connectedOutcome(c), "you hung up")
	return nil
}

// The words of calls refused for do not disturb: on the callee's side
// (its history's missed entry) and on the caller's.
const (
	ReasonDoNotDisturbOn = "do not disturb was on"
	ReasonNotTaking      = "not taking calls right now (do not disturb)"
)

// ReasonNoPath is the words of a call that ended because its media path
// never came up, on both sides.
const ReasonNoPath = "no network path between you worked (ICE failed: no route)"

// Fail ends a call whose media path never came up (the UI engine's ICE
// failed, or its connect timer ran out), telling the peer why, so both
// sides end with cause errcode.ConnectionFailed rather than one seeing a
// plain hangup. A call that had connected is hung up as usual.
func (m *Manager) Fail(ctx context.Context, callID string) error {
	c, err := m.live(callID, func(c *call) bool { return c.info.State >= StateConnecting })
	if err != nil {
		return err
	}
	m.mu.Lock()
	connected := !c.connected.IsZero()
	m.mu.Unlock()
	if connected {
		return m.Hangup(ctx, callID)
	}
	m.reply(ctx, c, signaling.TypeHangup, signaling.Hangup{Reason: signaling.ReasonConnectionFailed})
	m.finish(c, errcode.ConnectionFailed, OutcomeFailed, ReasonNoPath)
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

// lookup finds a call by id; m.mu is held.
func (m *Manager) lookup(callID string) (*call, error) {
	c, ok := m.calls[callID]
	if !ok {
		return nil, ErrNoCall
	}
	return c, nil
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
