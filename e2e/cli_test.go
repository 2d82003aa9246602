//go:build linux

package e2e

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// runToExit runs peerline with args in ns and waits (up to 10 s) for it
// to exit. It returns the exit code (-1: killed after the wait), stdout
// and stderr.
func runToExit(t *testing.T, ns *netnstest.Netns, args ...string) (int, string, string) {
	t.Helper()
	return runToExitWithin(t, ns, 10*time.Second, args...)
}

// runToExitWithin is runToExit with its own wait.
func runToExitWithin(t *testing.T, ns *netnstest.Netns, wait time.Duration, args ...string) (int, string, string) {
	t.Helper()
	cmd := ns.Command(peerlineBin, args...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + t.TempDir()}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), stdout.String(), stderr.String()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, stdout.String(), stderr.String()
	case <-time.After(wait):
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		return -1, stdout.String(), stderr.String()
	}
}

// TestCLIErrors: bad command lines and impossible setups end at once with
// a message on stderr, a non-zero status and no ui line.
func TestCLIErrors(t *testing.T) {
	requireE2E(t)
	ns := netnstest.New(t)
	file := t.TempDir() + "/not-a-dir"
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"unknown flag", []string{"--headless", "--frobnicate"}},
		{"negative ring timeout", []string{"--headless", "--ring-timeout", "-1s"}},
		{"bad hub port", []string{"--headless", "--hub-port", "70000"}},
		{"bad signal url", []string{"--headless", "--signal-url", "http://example.invalid/"}},
		{"non-loopback ui addr", []string{"--headless", "--data-dir", t.TempDir(), "--ui-addr", "0.0.0.0:0"}},
		{"data dir is a file", []string{"--headless", "--data-dir", file}},
		{"stray argument", []string{"--headless", "extra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runToExit(t, ns, tc.args...)
			if code <= 0 {
				t.Errorf("exit %d, want a failure status; stdout %q stderr %q", code, stdout, stderr)
			}
			if strings.HasPrefix(stdout, "ui: ") || strings.Contains(stdout, "\nui: ") {
				t.Errorf("printed a ui line: %q", stdout)
			} else if stdout != "" {
				t.Errorf("a failed start wrote to stdout (errors and usage belong on stderr; stdout is for the ui line): %q", firstLine(stdout))
			}
			if strings.TrimSpace(stderr) == "" {
				t.Errorf("no message on stderr")
			}
			t.Logf("exit %d: %s", code, firstLine(stderr))
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

// TestCLIOptions: --hub-port is honoured, SIGINT quits as cleanly as
// SIGTERM, --help and --version print and exit 0.
func TestCLIOptions(t *testing.T) {
	requireE2E(t)
	ns := netnstest.New(t)
	a := StartInstance(t, ns, "A", Options{HubPort: 47999})
	if got := a.Me().HubPort; got != 47999 {
		t.Errorf("--hub-port 47999: Identity.Me hubPort %d", got)
	}
	a.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-a.exited:
		if a.exitErr != nil {
			t.Errorf("SIGINT: exit %v, want 0", a.exitErr)
		}
	case <-time.After(quitTimeout):
		t.Errorf("still running %v after SIGINT", quitTimeout)
	}
	for _, arg := range []string{"--help", "--version"} {
		code, stdout, stderr := runToExit(t, ns, arg)
		if code != 0 || stdout == "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, stdout, stderr)
		}
	}
	code, stdout, _ := runToExit(t, ns, "--help")
	for _, flag := range []string{"--headless", "--data-dir", "--name", "--ui-addr", "--hub-port", "--ring-timeout", "--signal-url", "--no-discovery", "--interfaces"} {
		if code == 0 && !strings.Contains(stdout, strings.TrimPrefix(flag, "-")) {
			t.Errorf("--help does not mention %s", flag)
		}
	}
}

// TestSameDataDirTwice: a second instance on a data dir that is in use
// must refuse to start (two processes with one identity would answer as
// the same peer and share one database) rather than run beside the first.
func TestSameDataDirTwice(t *testing.T) {
	requireE2E(t)
	lan := netnstest.NewLAN(t, 2)
	a := StartInstance(t, lan.Hosts[0], "A", Options{})
	code, stdout, stderr := runToExitWithin(t, lan.Hosts[1], 3*time.Second, "--headless", "--data-dir", a.Dir, "--name", "A2", "--ui-addr", "127.0.0.1:0")
	if code == -1 || strings.Contains(stdout, "ui: ") {
		t.Errorf("a second instance on A's data dir started (exit %s, stdout %q): it runs as the same peer id as A", strconv.Itoa(code), stdout)
	} else {
		t.Logf("second instance refused: exit %d: %s", code, firstLine(stderr))
	}
	a.Me()
}
