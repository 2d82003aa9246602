// Package otheraccount runs a test's attacker as a second local account,
// for tests of what other users of the same computer can reach: the
// unprivileged "nobody" (uid 65534, group nogroup) through util-linux's
// setpriv, with no supplementary groups. The test itself runs as root
// (CI does); elsewhere Require skips, except under CI=true, where a
// missing piece fails the test instead of hiding it.
package otheraccount

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// UID and GID of the account commands run as.
const (
	UID = 65534
	GID = 65534
)

// Require skips t (fails it under CI=true) where commands cannot run as
// another account: not Linux, not root, no setpriv.
func Require(t testing.TB) {
	t.Helper()
	why := ""
	switch {
	case runtime.GOOS != "linux":
		why = "runs an attacker as another account with setpriv (Linux only)"
	case os.Geteuid() != 0:
		why = "needs root to run an attacker as the account nobody (CI runs as root)"
	default:
		if _, err := exec.LookPath("setpriv"); err != nil {
			why = "needs setpriv (util-linux) to run an attacker as the account nobody: " + err.Error()
		}
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// Command is name with args, run as nobody:nogroup. name must be a path
// that account can execute (see Executable).
func Command(name string, args ...string) *exec.Cmd {
	argv := Argv(name, args...)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = Env()
	return cmd
}

// Argv is the command line that runs name with args as nobody:nogroup,
// for wrapping in another command (ip netns exec).
func Argv(name string, args ...string) []string {
	return append([]string{"setpriv", "--reuid=" + fmt.Sprint(UID), "--regid=" + fmt.Sprint(GID), "--clear-groups", "--", name}, args...)
}

// Env is the environment such a command gets: nothing of the test's.
func Env() []string { return []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C.UTF-8"} }

// Executable copies this test binary where nobody can run it (Go keeps it
// in a directory only root can enter) and returns the copy's path; it is
// removed when t ends.
func Executable(t testing.TB) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "peerline-otheraccount-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(self))
	if err := copyFile(self, dst, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}
