package calls

import (
	"context"
	"fmt"

	"github.com/peerline/peerline/signaling"
)

// Sending to the peer: every outbound message names its call, so a
// server's error about it (its ref) leads back to the call.

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

func (m *Manager) sendEnv(ctx context.Context, c *call, env signaling.Envelope) error {
	env.To, env.Call, env.ID = c.peer, c.info.ID, msgID(c.info.ID, env.Type)
	if err := m.cfg.Sender.Send(ctx, env); err != nil {
		return fmt.Errorf("calls: send %s to %s: %w", env.Type, c.peer.Short(), err)
	}
	return nil
}

// finish ends c (once), records it and tells the UI.
