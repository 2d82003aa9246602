package calls

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/peerline/peerline/app/errcode"
	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// How a call ends: from our side's timers, from what the links report,
// and on Close. finish is the one place a call ends.

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
	c := m.calls[callID]
	hit := c != nil && c.info.State.Live() && c.connected.IsZero()
	m.mu.Unlock()
	if hit {
		m.finish(c, errcode.Offline, OutcomeUnavailable, "peer is offline")
	}
}

func (m *Manager) finish(c *call, cause errcode.Code, outcome Outcome, reason string) Info {
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
	c.info.Cause = cause
	c.info.EndedAt = &now
	info := c.snapshot()
	rec := Record{CallID: c.info.ID, Peer: c.peer, PeerName: c.info.PeerName, Direction: c.info.Direction,
		Video: c.video, StartedAt: c.info.StartedAt, ConnectedAt: c.connected, EndedAt: now,
		Outcome: outcome, Reason: reason, Attempts: 1, Group: c.group, Cause: cause}
	if c.group != "" && c.info.Direction == DirectionIncoming && !c.join {
		rec.Members = slices.Clone(c.members)
	}
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
	live := m.calls[c.info.ID] == c && (c.info.State == StateRinging || c.info.State == StateCalling)
	m.mu.Unlock()
	if !live {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if incoming {
		m.reply(ctx, c, signaling.TypeReject, signaling.Reject{Reason: signaling.ReasonTimeout})
		m.finish(c, "", OutcomeMissed, "nobody answered")
		return
	}
	m.reply(ctx, c, signaling.TypeCancel, signaling.Cancel{})
	m.finish(c, "", OutcomeNoAnswer, "no answer")
}

// LinkLost tells the manager that the signaling link to peer dropped. A
// call with peer that has not connected yet cannot complete, so it ends;
// a connected call carries on peer to peer.
func (m *Manager) LinkLost(peer identity.PeerID) {
	m.mu.Lock()
	var c *call
	for _, l := range m.liveLocked() {
		if l.peer == peer && l.connected.IsZero() {
			c = l
		}
	}
	missed := c != nil && c.info.Direction == DirectionIncoming && c.info.State == StateRinging
	m.mu.Unlock()
	switch {
	case missed:
		m.finish(c, "", OutcomeMissed, "the caller went away")
	case c != nil:
		m.finish(c, errcode.Offline, OutcomeFailed, "lost the connection to the peer before the call connected")
	}
}

// Close ends any live call (telling the peer) and stops timers. A call
// still ringing here was not declined by anyone: it is missed, and the
// caller hears "unavailable".
func (m *Manager) Close() {
	m.mu.Lock()
	live := m.liveLocked()
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, c := range live {
		m.mu.Lock()
		ringing := c.info.Direction == DirectionIncoming && c.info.State == StateRinging
		m.mu.Unlock()
		if ringing {
			m.reply(ctx, c, signaling.TypeReject, signaling.Reject{Reason: signaling.ReasonUnavailable})
			m.finish(c, "", OutcomeMissed, "Peerline was closed while the call rang")
			continue
		}
		m.Hangup(ctx, c.info.ID)
	}
}
