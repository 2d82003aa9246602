//go:build linux

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/peerline/peerline/bench/load"
)

// peerjsTarget runs the PeerJS server (peerjs/server.js, npm package
// "peer") under Node and speaks its WebSocket protocol:
//
//	GET /peerjs?key=peerjs&id=ID&token=TOKEN  -> {"type":"OPEN"}
//	{"type":"CANDIDATE","dst":ID,"payload":{...}}
//	   is relayed to ID as {"type":"CANDIDATE","src":SENDER,"dst":ID,"payload":{...}}
//
// The server checks the key, registers the id (first come; a second
// client with the same id and another token gets ID-TAKEN), and re-encodes
// every relayed message with JSON.stringify. Clients are expected to send
// {"type":"HEARTBEAT"} within alive_timeout (90 s); every phase here is
// shorter, so they do not.
type peerjsTarget struct {
	dir  string // bench/signal/peerjs
	keys *load.Keyring
	size int
}

var peerjsDialer = &websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 4096}

func (s *peerjsTarget) name() string { return "peerjs" }

func (s *peerjsTarget) prepare(ctx context.Context) error {
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("peerjs: node is not installed: %w", err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "node_modules", "peer", "package.json")); err == nil {
		return nil
	}
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--no-progress")
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("peerjs: npm ci in %s: %w", s.dir, err)
	}
	return nil
}

func (s *peerjsTarget) command(addr string) *exec.Cmd {
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command("node", "server.js", "--host", "127.0.0.1", "--port", port)
	cmd.Dir = s.dir
	return cmd
}

func (s *peerjsTarget) dial(ctx context.Context, addr string, i int) (client, error) {
	id := s.keys.ID(i).String()
	q := url.Values{"key": {"peerjs"}, "id": {id}, "token": {"t" + strconv.Itoa(i)}}
	ws, _, err := peerjsDialer.DialContext(ctx, "ws://"+addr+"/peerjs?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		ws.SetReadDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { ws.SetReadDeadline(time.Now()) })
	defer stop()
	var m peerjsMessage
	if err := ws.ReadJSON(&m); err != nil {
		ws.Close()
		return nil, fmt.Errorf("peerjs: waiting for OPEN: %w", err)
	}
	if m.Type != "OPEN" {
		ws.Close()
		return nil, fmt.Errorf("peerjs: got %s %s instead of OPEN", m.Type, m.Payload)
	}
	ws.SetReadDeadline(time.Time{})

	c := &peerjsClient{ws: ws, keys: s.keys, to: -1}
	frame, _, _ := peerjsFrame(id, 0)
	pad, err := padFor(s.size, len(frame))
	if err != nil {
		ws.Close()
		return nil, err
	}
	c.frame, c.dstAt, c.stampAt = peerjsFrame(id, pad)
	return c, nil
}

// peerjsFrame builds a CANDIDATE frame to dst with pad bytes of padding,
// and returns the offsets of dst and of the stamp in it.
func peerjsFrame(dst string, pad int) (frame []byte, dstAt, stampAt int) {
	body, at := load.Payload(pad)
	frame = []byte(`{"type":"CANDIDATE","dst":"`)
	dstAt = len(frame)
	frame = append(frame, dst...)
	frame = append(frame, `","payload":`...)
	stampAt = len(frame) + at
	frame = append(frame, body...)
	return append(frame, '}'), dstAt, stampAt
}

// peerjsMessage is the shape of every PeerJS server message.
type peerjsMessage struct {
	Type    string          `json:"type"`
	Src     string          `json:"src"`
	Dst     string          `json:"dst"`
	Payload json.RawMessage `json:"payload"`
}

// peerjsClient speaks the PeerJS protocol over a gorilla WebSocket, with
// the same buffer sizes as signaling.Dial's default dialer.
type peerjsClient struct {
	ws      *websocket.Conn
	keys    *load.Keyring
	frame   []byte
	dstAt   int
	stampAt int
	to      int
}

func (c *peerjsClient) send(to int, t int64) error {
	if to != c.to {
		// Every peer id has the same length, so the frame keeps its size.
		c.to = to
		copy(c.frame[c.dstAt:], c.keys.ID(to).String())
	}
	load.PutStamp(c.frame[c.stampAt:], t)
	c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, c.frame)
}

func (c *peerjsClient) recv() (int64, error) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return 0, err
		}
		var m peerjsMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return 0, fmt.Errorf("peerjs: bad message: %w", err)
		}
		switch m.Type {
		case "CANDIDATE":
			if m.Src == "" {
				return 0, fmt.Errorf("peerjs: relayed message without src")
			}
			return load.StampOf(m.Payload)
		case "ERROR", "ID-TAKEN", "LEAVE", "EXPIRE":
			return 0, fmt.Errorf("peerjs: %s %s", m.Type, strings.TrimSpace(string(m.Payload)))
		}
	}
}

func (c *peerjsClient) close() {
	c.ws.WriteControl(websocket.CloseMessage,
		websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.ws.Close()
}
