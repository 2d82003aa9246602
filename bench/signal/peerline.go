//go:build linux

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/peerline/peerline/bench/load"
	"github.com/peerline/peerline/signaling"
)

// peerlineTarget runs peerline-signal and connects with signaling.Dial.
type peerlineTarget struct {
	root string // module root, where the binary is built from
	bin  string // the binary; built into tmp by prepare when empty
	tmp  string
	keys *load.Keyring
	size int
	// flags are the server flags after --listen ADDR.
	flags []string
}

func (s *peerlineTarget) name() string { return "peerline" }

func (s *peerlineTarget) prepare(ctx context.Context) error {
	if s.bin != "" {
		return nil
	}
	s.bin = filepath.Join(s.tmp, "peerline-signal")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", s.bin, "./signaling/cmd/peerline-signal")
	cmd.Dir = s.root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("peerline: go build ./signaling/cmd/peerline-signal: %w", err)
	}
	return nil
}

func (s *peerlineTarget) command(addr string) *exec.Cmd {
	return exec.Command(s.bin, append([]string{"--listen", addr}, s.flags...)...)
}

func (s *peerlineTarget) dial(ctx context.Context, addr string, i int) (client, error) {
	conn, err := signaling.Dial(ctx, signaling.DialConfig{
		URL:      "ws://" + addr + signaling.Path,
		Identity: s.keys.Key(i),
	})
	if err != nil {
		return nil, err
	}
	c := &peerlineClient{conn: conn, keys: s.keys, to: i}
	c.env = signaling.Envelope{Type: signaling.TypeCandidate, To: s.keys.ID(i), Call: "bench"}
	bare, _ := load.Payload(0)
	c.env.Body = bare
	frame, err := c.env.Encode()
	if err != nil {
		conn.Close()
		return nil, err
	}
	pad, err := padFor(s.size, len(frame))
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.body, c.stampAt = load.Payload(pad)
	c.env.Body = c.body
	return c, nil
}

// peerlineClient sends candidate messages through a real signaling.Conn.
type peerlineClient struct {
	conn    *signaling.Conn
	keys    *load.Keyring
	env     signaling.Envelope
	body    []byte
	stampAt int
	to      int
}

func (c *peerlineClient) send(to int, t int64) error {
	load.PutStamp(c.body[c.stampAt:], t)
	if to != c.to {
		c.to, c.env.To = to, c.keys.ID(to)
	}
	return c.conn.Send(context.Background(), c.env)
}

func (c *peerlineClient) recv() (int64, error) {
	for {
		env, err := c.conn.Recv()
		if err != nil {
			return 0, err
		}
		switch env.Type {
		case signaling.TypeCandidate:
			return load.StampOf(env.Body)
		case signaling.TypeError:
			return 0, signaling.ErrorOf(env)
		}
	}
}

func (c *peerlineClient) close() { c.conn.Close() }
