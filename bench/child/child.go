//go:build linux

// Package child runs the servers a benchmark measures as child processes
// and reads what they cost from /proc: CPU time, resident memory, and the
// time from exec to the first answer. Linux only.
package child

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It
// is 100 on every Linux architecture Go supports (the kernel's
// CLOCKS_PER_SEC to user space, whatever CONFIG_HZ is).
const clockTicks = 100

// Process is one running server child.
type Process struct {
	Cmd     *exec.Cmd
	Addr    string
	Started time.Time
	out     *tailBuffer
	done    chan struct{}
	err     error // valid after done is closed
}

// Start execs cmd (which must listen on addr) and returns at once.
func Start(cmd *exec.Cmd, addr string) (*Process, error) {
	p := &Process{Cmd: cmd, Addr: addr, out: &tailBuffer{max: 8 << 10}, done: make(chan struct{})}
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	// The child dies with the benchmark, even on a crash or ^C.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// Exited reports whether the child has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop asks the child to exit (SIGTERM) and kills it if it has not within
// a few seconds.
func (p *Process) Stop() {
	if p.Exited() {
		return
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		p.Cmd.Process.Kill()
		<-p.done
	}
}

// Output is the tail of what the child printed, for error messages.
func (p *Process) Output() string { return strings.TrimSpace(p.out.String()) }

// CPUSeconds is the CPU time (user + system, all threads) the child has
// used so far.
func (p *Process) CPUSeconds() (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.Cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields after the last ')'. utime and stime are fields 14, 15.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("bad /proc/PID/stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("short /proc/PID/stat")
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad utime/stime in /proc/PID/stat")
	}
	return float64(utime+stime) / clockTicks, nil
}

// RSSKB is the child's resident set size (VmRSS) in KiB.
func (p *Process) RSSKB() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			return strconv.ParseInt(f[0], 10, 64)
		}
	}
	return 0, errors.New("no VmRSS in /proc/PID/status")
}

// WaitReady dials the server every millisecond until a dial succeeds, and
// returns the time from exec to that success. dial must make one complete
// attempt (and close what it opened).
func (p *Process) WaitReady(ctx context.Context, limit time.Duration, dial func(context.Context) error) (time.Duration, error) {
	deadline := p.Started.Add(limit)
	var last error
	for time.Now().Before(deadline) {
		if p.Exited() {
			return 0, fmt.Errorf("server exited before it was ready (%v): %s", p.err, p.Output())
		}
		actx, cancel := context.WithTimeout(ctx, time.Second)
		err := dial(actx)
		cancel()
		if err == nil {
			return time.Since(p.Started), nil
		}
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		last = err
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("server not ready within %s (last dial: %v): %s", limit, last, p.Output())
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// RaiseFileLimit lifts the soft open-files limit to the hard limit. The
// explicit Setrlimit matters: Go raises its own soft limit at start but
// restores the original for children it execs unless the program sets the
// limit itself, and the servers need one descriptor per client too.
func RaiseFileLimit(need uint64) (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	if lim.Cur < need {
		return lim.Cur, fmt.Errorf("open-files limit %d is below the %d this run needs (raise the hard limit: ulimit -Hn)", lim.Cur, need)
	}
	return lim.Cur, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(b), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// ModuleRoot finds the directory of the peerline go.mod (the benchmarks
// build the binaries they measure from it).
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run from inside the peerline module (go run ./bench/...)")
	}
	return filepath.Dir(mod), nil
}
