package netnstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
)

const (
	// envInside marks a test binary already inside its private namespace
	// (and, inherited, every process it starts with ReexecCommand).
	envInside = "PEERLINE_NETNSTEST_INSIDE"
	// envHostNS holds the network namespace `go test` started in, so a
	// re-executed binary can check it is somewhere else.
	envHostNS = "PEERLINE_NETNSTEST_HOSTNS"
)

// skipReason says why Require skips ("" = it does not).
var skipReason string

// Main is TestMain for a package whose tests run in a private network
// namespace: from `go test` it runs the test binary again under
// `unshare --net` and returns that run's exit code; inside, it prepares
// the namespace (Setup) and runs the tests. Where namespaces cannot be
// made, it runs the tests where they are, and Require skips them:
//
//	func TestMain(m *testing.M) { os.Exit(netnstest.Main(m)) }
func Main(m *testing.M) int {
	if os.Getenv(envInside) == "" {
		if skipReason = Unavailable(); skipReason == "" {
			return reexec()
		}
		return m.Run()
	}
	if err := Setup(); err != nil {
		skipReason = "setting up the test network namespace failed: " + err.Error()
	}
	return m.Run()
}

// Require skips t unless it runs inside a private network namespace that
// Main (or ReexecCommand) made.
func Require(t testing.TB) {
	t.Helper()
	if skipReason != "" {
		t.Skip(skipReason)
	}
	if !InPrivate() {
		t.Skip("not inside a private network namespace; refusing to touch the host's networks")
	}
}

// InPrivate reports whether this process runs under Main or ReexecCommand
// in a network namespace other than the one `go test` started in (and
// init's, where that can be read): the guard that keeps multicast and
// interface changes off the host's networks.
func InPrivate() bool {
	self, err := os.Readlink("/proc/self/ns/net")
	host := os.Getenv(envHostNS)
	if err != nil || host == "" || self == host || os.Getenv(envInside) == "" {
		return false
	}
	init, err := os.Readlink("/proc/1/ns/net")
	return err != nil || self != init
}

// Setup prepares the namespace this process is in, which must be a private
// one: loopback up and multicast-capable, no IPv6 duplicate address
// detection (addresses are usable at once instead of after ~1 s).
func Setup() error {
	if !InPrivate() {
		return errors.New("netnstest: setup: not in a private network namespace")
	}
	for _, key := range []string{"all", "default"} {
		if err := os.WriteFile("/proc/sys/net/ipv6/conf/"+key+"/accept_dad", []byte("0"), 0o644); err != nil {
			return fmt.Errorf("netnstest: setup: %w", err)
		}
	}
	for _, args := range [][]string{{"link", "set", "lo", "up"}, {"link", "set", "lo", "multicast", "on"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("netnstest: setup: ip %s: %w: %s", strings.Join(args, " "), err, out)
		}
	}
	return nil
}

// ReexecCommand returns a command that runs this test binary again with
// args (-test.run=… to pick a helper "test") in a new network namespace of
// its own: another machine, which its Main sets up. Call it from a process
// inside a private namespace; it inherits this process's environment
// unless the caller sets Env (then from os.Environ()).
func ReexecCommand(args ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("netnstest: executable: %w", err)
	}
	return exec.Command("unshare", append([]string{"--net", "--", exe}, args...)...), nil
}

// reexec runs this test binary again in a new network namespace and
// returns its exit code; signals to this process go to it.
func reexec() int {
	host, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		fmt.Fprintln(os.Stderr, "netnstest: network namespace:", err)
		return 1
	}
	cmd, err := ReexecCommand(os.Args[1:]...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cmd.Env = append(os.Environ(), envInside+"=1", envHostNS+"="+host)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "netnstest: unshare:", err)
		return 1
	}
	done := make(chan struct{})
	defer close(done)
	go func() { // forwards signals until the child exits
		for {
			select {
			case s := <-sigs:
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "netnstest:", err)
		return 1
	}
	return 0
}
