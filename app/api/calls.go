package api

import (
	"context"
	"time"

	"github.com/peerline/peerline/app/calls"
	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/app/presence"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// callTimeout bounds one bound-method call that touches the network.
const callTimeout = 10 * time.Second

// callManager is the call state machine (calls.Manager).
type callManager interface {
	Start(ctx context.Context, peer identity.PeerID, video bool, offer string) (calls.Info, error)
	Add(ctx context.Context, peer identity.PeerID, video bool, offer string) (calls.Info, error)
	Join(ctx context.Context, peer identity.PeerID, video bool, offer string) (calls.Info, error)
	Calls() []calls.Info
	Accept(ctx context.Context, callID string, video bool, answer string) (calls.Info, error)
	Decline(ctx context.Context, callID string) error
	Cancel(ctx context.Context, callID string) error
	Hangup(ctx context.Context, callID string) error
	Fail(ctx context.Context, callID string) error
	Candidate(ctx context.Context, callID string, c signaling.Candidate) error
	Renegotiate(ctx context.Context, callID string, kind signaling.DescriptionKind, sdp string) error
	MediaState(callID string, state calls.State) error
	Current() (calls.Info, bool)
	Incoming() (calls.Incoming, bool)
}

// serverStates is what Calls reads of presence: the ICE servers each
// signaling server handed out.
type serverStates interface {
	ServerStates() map[string]presence.ServerState
}

// Calls is the bound service for calls. The UI's engine produces SDPs and
// candidates; this service signs, sends and tracks them.
type Calls struct {
	ctx      context.Context
	calls    callManager
	settings settingsStore
	servers  serverStates
}

// NewCalls returns the Calls service.
func NewCalls(ctx context.Context, m callManager, settings settingsStore, servers serverStates) *Calls {
	return &Calls{ctx: ctx, calls: m, settings: settings, servers: servers}
}

// Start calls peer with the UI's offer; video false makes an audio call.
func (s *Calls) Start(peer string, video bool, offer string) (calls.Info, error) {
	id, err := parsePeer(peer)
	if err != nil {
		return calls.Info{}, err
	}
	ctx, cancel := context.WithTimeout(s.ctx, callTimeout)
	defer cancel()
	return s.place(ctx, s.calls.Start, id, video, offer)
}

// Add calls peer as a further leg of the call going on (a group call of
// up to four); call_full when it has four people already.
func (s *Calls) Add(peer string, video bool, offer string) (calls.Info, error) {
	id, err := parsePeer(peer)
	if err != nil {
		return calls.Info{}, err
	}
	ctx, cancel := context.WithTimeout(s.ctx, callTimeout)
	defer cancel()
	return s.place(ctx, s.calls.Add, id, video, offer)
}

// Join connects to peer, a member the incoming leg of a group call named
// (CallInfo.members), once that leg is answered; it does not ring there.
func (s *Calls) Join(peer string, video bool, offer string) (calls.Info, error) {
	id, err := parsePeer(peer)
	if err != nil {
		return calls.Info{}, err
	}
	ctx, cancel := context.WithTimeout(s.ctx, callTimeout)
	defer cancel()
	return s.place(ctx, s.calls.Join, id, video, offer)
}

type placer func(ctx context.Context, peer identity.PeerID, video bool, offer string) (calls.Info, error)

func (s *Calls) place(ctx context.Context, f placer, id identity.PeerID, video bool, offer string) (calls.Info, error) {
	info, err := f(ctx, id, video, offer)
	if err != nil && info.State == calls.StateEnded {
		return info, nil // the UI learns the outcome from the call itself
	}
	return info, coded(err)
}

// List returns every live call: the legs of a group call, oldest first.
func (s *Calls) List() ([]calls.Info, error) {
	out := s.calls.Calls()
	if out == nil {
		out = []calls.Info{}
	}
	return out, nil
}

// Accept answers the ringing call with the UI's answer.
func (s *Calls) Accept(callID string, video bool, answer string) (calls.Info, error) {
	ctx, cancel := context.WithTimeout(s.ctx, callTimeout)
	defer cancel()
	info, err := s.calls.Accept(ctx, callID, video, answer)
	return info, coded(err)
}

// Decline refuses the ringing call.
func (s *Calls) Decline(callID string) error {
	return s.do(func(ctx context.Context) error { return s.calls.Decline(ctx, callID) })
}

// Cancel withdraws our unanswered call.
func (s *Calls) Cancel(callID string) error {
	return s.do(func(ctx context.Context) error { return s.calls.Cancel(ctx, callID) })
}

// Hangup ends the call.
func (s *Calls) Hangup(callID string) error {
	return s.do(func(ctx context.Context) error { return s.calls.Hangup(ctx, callID) })
}

// Candidate sends a local ICE candidate; an empty candidate means the end
// of candidates.
func (s *Calls) Candidate(callID string, c signaling.Candidate) error {
	return s.do(func(ctx context.Context) error { return s.calls.Candidate(ctx, callID, c) })
}

// Renegotiate sends a new "offer" or "answer" inside the call.
func (s *Calls) Renegotiate(callID, kind, sdp string) error {
	var k signaling.DescriptionKind
	if err := k.UnmarshalText([]byte(kind)); err != nil {
		return errcode.Wrap(errcode.BadInput, err)
	}
	return s.do(func(ctx context.Context) error { return s.calls.Renegotiate(ctx, callID, k, sdp) })
}

func (s *Calls) do(f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(s.ctx, callTimeout)
	defer cancel()
	return coded(f(ctx))
}

// MediaState reports the peer connection: "connected", "reconnecting",
// or "failed" (it never came up: the call ends on both sides with cause
// connection_failed).
func (s *Calls) MediaState(callID, state string) error {
	switch state {
	case "failed":
		return s.do(func(ctx context.Context) error { return s.calls.Fail(ctx, callID) })
	case "connected":
		return coded(s.calls.MediaState(callID, calls.StateConnected))
	case "reconnecting":
		return coded(s.calls.MediaState(callID, calls.StateReconnecting))
	}
	return errcode.Errorf(errcode.BadInput, "%w: media state %q", calls.ErrBadInput, state)
}

// Current returns the live call, or null.
func (s *Calls) Current() (*calls.Info, error) {
	if info, ok := s.calls.Current(); ok {
		return &info, nil
	}
	return nil, nil
}

// Incoming returns the ringing incoming call with the caller's offer, or
// null: a window opened after the ring can still answer.
func (s *Calls) Incoming() (*calls.Incoming, error) {
	if in, ok := s.calls.Incoming(); ok {
		return &in, nil
	}
	return nil, nil
}

// ICEServers returns the STUN/TURN servers for the next call: those in
// settings plus those the signaling servers handed out.
func (s *Calls) ICEServers() ([]signaling.ICEServer, error) {
	set, err := s.settings.Settings(s.ctx)
	if err != nil {
		return nil, coded(err)
	}
	out := []signaling.ICEServer{}
	for _, ice := range set.ICEServers {
		out = append(out, signaling.ICEServer{URLs: ice.URLs, Username: ice.Username, Credential: string(ice.Credential)})
	}
	for _, st := range s.servers.ServerStates() {
		out = append(out, st.ICE...)
	}
	return out, nil
}
