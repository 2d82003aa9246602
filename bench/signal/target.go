//go:build linux

package main

import (
	"context"
	"fmt"
	"os/exec"
)

// target is a signaling server under test: how to get it ready, start it,
// and connect clients to it.
type target interface {
	// name is the short name used in flags and tables.
	name() string
	// prepare builds or installs what command needs, once per benchmark.
	prepare(ctx context.Context) error
	// command returns the command that serves on addr (127.0.0.1:PORT).
	command(addr string) *exec.Cmd
	// dial connects and authenticates client number i; the call returns
	// once the server has accepted it.
	dial(ctx context.Context, addr string, i int) (client, error)
}

// client is one connected, authenticated client. send and recv may run in
// different goroutines; each is called from one goroutine at a time.
type client interface {
	// send sends one message carrying stamp t to client number to.
	send(to int, t int64) error
	// recv waits for the next relayed message and returns its stamp.
	recv() (int64, error)
	close()
}

// readyClient is the client number used for readiness dials, apart from
// the numbers the load uses.
const readyClient = 1 << 30

// padFor returns how much padding makes a frame of size bytes, given the
// frame's length with no padding.
func padFor(size, bare int) (int, error) {
	if size < bare {
		return 0, fmt.Errorf("-size %d is below the smallest message, %d bytes", size, bare)
	}
	return size - bare, nil
}
