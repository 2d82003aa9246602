//go:build linux

package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// SignalServer is a peerline-signal process in a namespace.
type SignalServer struct {
	NS   *netnstest.Netns
	Addr string // from its "listening on" line
	URL  string // ws://Addr/v1/signal
	PID  int

	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
	stderr  *lineLog
}

// StartSignal runs `peerline-signal --listen listen extra...` in ns and
// waits for its "listening on" line. It is killed when the test ends.
func StartSignal(t testing.TB, ns *netnstest.Netns, listen string, extra ...string) *SignalServer {
	t.Helper()
	s := &SignalServer{NS: ns, stderr: &lineLog{prefix: "signal: ", t: t, live: os.Getenv(envLogs) == "1"}}
	cmd := ns.Command(signalBin, append([]string{"--listen", listen}, extra...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Stderr = s.stderr
	cmd.WaitDelay = 2 * time.Second
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = w
	if err := cmd.Start(); err != nil {
		t.Fatalf("start peerline-signal: %v", err)
	}
	w.Close()
	s.cmd, s.PID, s.exited = cmd, cmd.Process.Pid, make(chan struct{})
	go func() {
		s.exitErr = cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
		default:
			cmd.Process.Signal(syscall.SIGKILL)
			<-s.exited
		}
		if t.Failed() && !s.stderr.live {
			t.Logf("peerline-signal stderr (tail):\n%s", s.stderr.Tail(60))
		}
	})
	addr := make(chan string, 1)
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				select {
				case addr <- a:
				default:
				}
			}
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			<-s.exited
			t.Fatalf("peerline-signal exited (%v) without listening; stderr:\n%s", s.exitErr, s.stderr.Tail(40))
		}
		s.Addr = a
	case <-time.After(readyTimeout):
		t.Fatalf("peerline-signal: no \"listening on\" line within %v; stderr:\n%s", readyTimeout, s.stderr.Tail(40))
	}
	s.URL = fmt.Sprintf("ws://%s/v1/signal", s.Addr)
	return s
}

// Kill9 kills the server with SIGKILL and waits for it.
func (s *SignalServer) Kill9() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}
