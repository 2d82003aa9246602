//go:build linux

package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWindowFootprint measures what docs/performance.md "Footprint"
// reports for the real window: the binary's size, launch to interactive
// (the UI loaded its data and called Desktop.Ready), and the idle memory
// of the window process, split into the Go runtime's share and the rest
// (GTK, WebKitGTK's UI side), plus WebKitGTK's helper processes. It runs
// only with -figures:
//
//	go test -tags webkit2_41 ./e2e -run TestWindowFootprint -v -args -figures -samples=7
func TestWindowFootprint(t *testing.T) {
	if !*figures {
		t.Skip("run with -args -figures to measure")
	}
	for _, tool := range []string{"Xvfb", "openbox", "xprop"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	bin := buildDesktop(t)
	fi, _ := os.Stat(bin)
	x := startXServer(t)

	readyRE := regexp.MustCompile(`since_launch_ms=(\d+) go_sys_kb=(\d+) go_heap_inuse_kb=(\d+)`)
	var launch, rss, pss, anon, goSys, helpers []float64
	for range *samples {
		app := x.startProcess(t, bin, "--data-dir", t.TempDir(), "--name", "Ada", "--no-discovery")
		pid := app.cmd.Process.Pid
		line := app.logLine(t, `msg="desktop: ui ready" window=app`, 30*time.Second)
		m := readyRE.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("ready line without figures: %s", line)
		}
		launch = append(launch, atof(m[1]))
		goSys = append(goSys, atof(m[2])/1024)
		time.Sleep(10 * time.Second) // idle
		st := procStatus(pid)
		rss = append(rss, st["VmRSS"]/1024)
		anon = append(anon, st["RssAnon"]/1024)
		pss = append(pss, procFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))["Pss"]/1024)
		var h float64
		for _, child := range childPIDs(pid) {
			h += procStatus(child)["VmRSS"] / 1024
		}
		helpers = append(helpers, h)
		app.quit(t)
	}
	t.Logf("footprint (%d launches, medians):\n"+
		"  binary (linux/amd64, stripped): %.1f MB\n"+
		"  launch → UI interactive: %.0f ms (min %.0f, max %.0f)\n"+
		"  window process idle RSS: %.0f MB (PSS %.0f MB), of which anonymous %.0f MB\n"+
		"  Go runtime (MemStats.Sys at ready): %.1f MB\n"+
		"  WebKitGTK helper processes (web, network): %.0f MB",
		*samples, float64(fi.Size())/1e6, medianF(launch), slices.Min(launch), slices.Max(launch),
		medianF(rss), medianF(pss), medianF(anon), medianF(goSys), medianF(helpers))
}

func atof(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func medianF(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// procStatus returns the kB figures of /proc/PID/status.
func procStatus(pid int) map[string]float64 {
	return procFile(fmt.Sprintf("/proc/%d/status", pid))
}

// procFile returns the "Key: N kB" figures of a /proc file.
func procFile(path string) map[string]float64 {
	out := map[string]float64{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if fields := strings.Fields(v); ok && len(fields) == 2 && fields[1] == "kB" {
			out[k] = atof(fields[0])
		}
	}
	return out
}

// childPIDs lists the direct children of pid.
func childPIDs(pid int) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at the last ')'.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		if f := strings.Fields(rest); len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, p)
		}
	}
	return out
}
