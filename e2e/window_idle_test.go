//go:build linux

package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// TestHiddenIdle measures what docs/performance.md "Hidden and idle"
// reports: the CPU the window app spends over -idle (default 60 s) while
// its window is hidden (started --hidden, as at login) and nothing
// happens, with LAN discovery on and a peer online on the LAN (both in
// network namespaces), and its RSS. The app's own process and WebKitGTK's
// helpers are counted apart. It runs only with -figures:
//
//	go test -tags webkit2_41 ./e2e -run TestHiddenIdle -v -args -figures -samples=3
func TestHiddenIdle(t *testing.T) {
	if !*figures {
		t.Skip("run with -args -figures to measure")
	}
	requireE2E(t)
	for _, tool := range []string{"Xvfb", "openbox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	bin := buildDesktop(t)
	x := startXServer(t)
	const settle, idle = 10 * time.Second, 60 * time.Second
	var appCPU, helperCPU, rss []float64
	for range *samples {
		// A new LAN and peer each time: a peer that knew the last run's
		// Ada would keep probing her address, now this Ada's, for the old
		// identity (a reinstall, which costs handshakes), not idle.
		lan := netnstest.NewLAN(t, 2)
		peer := StartInstance(t, lan.Hosts[1], "B", Options{})
		dir := t.TempDir()
		cmd := lan.Hosts[0].Command(bin, "--hidden", "--data-dir", dir, "--name", "Ada", "--log-level", "debug")
		cmd.Env = x.env()
		log := newOutFile(t, t.TempDir(), "stderr")
		cmd.Stderr = log.f
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		peer.Mark()
		peer.WaitEvent("peer:online", func(d json.RawMessage) bool { return strings.Contains(string(d), `"name":"Ada"`) }, 30*time.Second)
		time.Sleep(settle) // start-up work done: the page loaded, the first announcements sent
		a0, h0 := cpuTicks(pid), helpersTicks(pid)
		time.Sleep(idle)
		a1, h1 := cpuTicks(pid), helpersTicks(pid)
		appCPU = append(appCPU, (a1-a0)/clockTicks/idle.Seconds()*100)
		helperCPU = append(helperCPU, (h1-h0)/clockTicks/idle.Seconds()*100)
		rss = append(rss, procStatus(pid)["VmRSS"]/1024)
		if vis := x.visibleWindows(t, pid); len(vis) != 0 {
			t.Errorf("a window showed while hidden: %v", vis)
		}
		syscall.Kill(pid, syscall.SIGTERM)
		cmd.Wait()
		syscall.Kill(-pid, syscall.SIGKILL)
		peer.Quit()
	}
	t.Logf("hidden and idle (%d runs of %v, medians; %% of one core):\n"+
		"  peerline process: %.3f%% CPU (runs %s)\n"+
		"  WebKitGTK helpers: %.3f%% CPU (runs %s)\n"+
		"  peerline RSS: %.0f MB",
		*samples, idle, medianF(appCPU), fmtRuns(appCPU), medianF(helperCPU), fmtRuns(helperCPU), medianF(rss))
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times (100 on Linux).
const clockTicks = 100

// cpuTicks is utime+stime of pid, in clock ticks.
func cpuTicks(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	// After the comm: state(0) ppid(1) … utime(11) stime(12).
	if len(f) < 13 {
		return 0
	}
	return atof(f[11]) + atof(f[12])
}

// helpersTicks is cpuTicks over pid's children (WebKitGTK's web and
// network processes).
func helpersTicks(pid int) float64 {
	var sum float64
	for _, c := range childPIDs(pid) {
		sum += cpuTicks(c)
	}
	return sum
}

func fmtRuns(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprintf("%.3f", x)
	}
	return strings.Join(s, " ")
}
