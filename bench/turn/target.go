//go:build linux

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/peerline/peerline/bench/child"
)

// benchSecret is the shared secret of both servers (loopback only, for one
// run).
const benchSecret = "bench-turn-shared-secret"

// target is one TURN server under test.
type target interface {
	name() string
	// command runs the server with TURN on turnAddr (UDP) and relay ports
	// in [minPort, maxPort].
	command(turnAddr string, minPort, maxPort int) (*exec.Cmd, error)
}

// embedded is peerline-signal with its TURN server on.
type embedded struct{ label, bin string }

func (e embedded) name() string {
	if e.label == "" {
		return "embedded"
	}
	return e.label
}

func (e embedded) command(turnAddr string, minPort, maxPort int) (*exec.Cmd, error) {
	sigAddr, err := child.FreeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(e.bin,
		"--listen", sigAddr,
		"--turn-listen", turnAddr,
		"--turn-relay-ports", fmt.Sprintf("%d-%d", minPort, maxPort),
		// The peers are on loopback, which the peer filter refuses by default.
		"--turn-allow-peers", "127.0.0.0/8",
		// The benchmark measures the relay, not the per-allocation cap.
		"--turn-allocation-kbps", "0",
		"--log-level", "warn",
	)
	cmd.Env = append(os.Environ(), "PEERLINE_SIGNAL_TURN_SECRET="+benchSecret)
	return cmd, nil
}

// coturn is Debian's coturn with the REST-API secret, as an operator would
// run it for Peerline.
type coturn struct{ bin, dir string }

func (coturn) name() string { return "coturn" }

func (c coturn) command(turnAddr string, minPort, maxPort int) (*exec.Cmd, error) {
	host, port, err := net.SplitHostPort(turnAddr)
	if err != nil {
		return nil, err
	}
	return exec.Command(c.bin,
		"-n", // no configuration file
		"--listening-ip", host, "--listening-port", port, "--relay-ip", host,
		"--min-port", strconv.Itoa(minPort), "--max-port", strconv.Itoa(maxPort),
		"--use-auth-secret", "--static-auth-secret", benchSecret, "--realm", "peerline.bench",
		"--allow-loopback-peers", "--no-cli", "--no-tls", "--no-dtls",
		"--pidfile", filepath.Join(c.dir, "turnserver.pid"),
		"--log-file", "stdout", "--simple-log",
	), nil
}

func findCoturn(bin string) (string, error) {
	if bin != "" {
		return bin, nil
	}
	for _, p := range []string{"/usr/bin/turnserver", "/usr/sbin/turnserver"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("coturn not found (apt-get install coturn, or -servers embedded)")
}

func goBuild(ctx context.Context, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./signaling/cmd/peerline-signal")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./signaling/cmd/peerline-signal: %w", err)
	}
	return nil
}

// freeUDP returns a loopback address whose port was free a moment ago on
// UDP and on TCP: both servers listen on both (a port free on UDP only
// failed a run with "address already in use").
func freeUDP() (string, error) {
	for try := 0; ; try++ {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return "", err
		}
		addr := c.LocalAddr().String()
		l, err := net.Listen("tcp4", addr)
		c.Close()
		if err == nil {
			l.Close()
			return addr, nil
		}
		if try == 8 {
			return "", fmt.Errorf("no loopback port free on both UDP and TCP: %w", err)
		}
	}
}
