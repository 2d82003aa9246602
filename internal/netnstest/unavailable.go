package netnstest

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
)

// Unavailable says why network namespaces cannot be made here ("" when
// they can): not Linux, not root, iproute2's ip or util-linux's unshare and
// nsenter not on PATH, or the kernel refusing `unshare --net` or
// `ip netns add`.
func Unavailable() string {
	if runtime.GOOS != "linux" {
		return "these tests need Linux network namespaces"
	}
	if os.Geteuid() != 0 {
		return "these tests need root: they create network namespaces (CI runs them as root)"
	}
	for _, tool := range []string{"ip", "unshare", "nsenter"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Sprintf("these tests need %q on PATH (iproute2 ip, util-linux unshare and nsenter): %v", tool, err)
		}
	}
	if out, err := exec.Command("unshare", "--net", "true").CombinedOutput(); err != nil {
		return fmt.Sprintf("these tests need `unshare --net` to work: %v: %s", err, strings.TrimSpace(string(out)))
	}
	name := fmt.Sprintf("%s-%d-probe", nsPrefix, os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return fmt.Sprintf("these tests need `ip netns add` to work: %v: %s", err, strings.TrimSpace(string(out)))
	}
	exec.Command("ip", "netns", "del", name).Run()
	return ""
}

// IP runs `ip args...` in the caller's network namespace, failing t on
// error. From the host namespace, use it only for commands that act on the
// test's own namespaces (`ip -n NS …`, `ip link add … netns NS`); anything
// else only from inside a namespace the test made.
func IP(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}
