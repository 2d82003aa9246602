//go:build linux

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/peerline/peerline/bench/child"
)

// binaries are the programs a system runs, built once per benchmark.
type binaries struct {
	signal, nats string
	base         string // -base-bin: the build the "base" system runs
}

// build compiles peerline-signal and nats-server into dir. nats-server
// comes from the module cache (it is in go.mod), so this works offline.
func build(ctx context.Context, root, dir, signalBin string) (binaries, error) {
	b := binaries{signal: signalBin, nats: filepath.Join(dir, "nats-server")}
	type job struct{ out, pkg string }
	jobs := []job{{b.nats, "github.com/nats-io/nats-server/v2"}}
	if b.signal == "" {
		b.signal = filepath.Join(dir, "peerline-signal")
		jobs = append(jobs, job{b.signal, "./signaling/cmd/peerline-signal"})
	}
	for _, j := range jobs {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", j.out, j.pkg)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return b, fmt.Errorf("go build %s: %w", j.pkg, err)
		}
	}
	return b, nil
}

// system is one measured set of processes: nodes[0] is where senders
// connect, nodes[len-1] where their peers do.
type system struct {
	name    string
	nodes   []*child.Process
	nats    *child.Process // nil for local
	natsURL string
	monitor string // nats-server's monitoring address (/varz)
	// startNode starts one more peerline-signal of the system with nf
	// added to its flags, ready (not added to nodes).
	startNode func(ctx context.Context, nf []string) (*child.Process, error)
}

func (s *system) procs() []*child.Process {
	ps := append([]*child.Process(nil), s.nodes...)
	if s.nats != nil {
		ps = append(ps, s.nats)
	}
	return ps
}

// cpu is the CPU seconds all the system's processes used so far.
func (s *system) cpu() (float64, error) {
	var sum float64
	for _, p := range s.procs() {
		c, err := p.CPUSeconds()
		if err != nil {
			return 0, err
		}
		sum += c
	}
	return sum, nil
}

func (s *system) stop() {
	for _, p := range s.nodes {
		p.Stop()
	}
	if s.nats != nil {
		s.nats.Stop()
	}
}

// first and last are the sending and the receiving node.
func (s *system) first() string { return s.nodes[0].Addr }
func (s *system) last() string  { return s.nodes[len(s.nodes)-1].Addr }

// start runs the named system ("local", "cluster", or "base": the
// cluster with the -base-bin build) with signal's
// flags, and env added to every process's environment.
func start(ctx context.Context, bins binaries, name string, flags, env []string) (*system, error) {
	s := &system{name: name}
	command := func(bin string, args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		if len(env) > 0 {
			cmd.Env = append(os.Environ(), env...)
		}
		return cmd
	}
	var nodeFlags [][]string
	switch name {
	case "local":
		nodeFlags = [][]string{nil}
	case "cluster", "base":
		addr, err := child.FreeAddr()
		if err != nil {
			return nil, err
		}
		mon, err := child.FreeAddr()
		if err != nil {
			return nil, err
		}
		host, port, _ := net.SplitHostPort(addr)
		_, monPort, _ := net.SplitHostPort(mon)
		p, err := child.Start(command(bins.nats, "-a", host, "-p", port, "-m", monPort), addr)
		if err != nil {
			return nil, err
		}
		s.nats, s.natsURL, s.monitor = p, "nats://"+addr, mon
		if _, err := p.WaitReady(ctx, 30*time.Second, func(ctx context.Context) error {
			c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
			if err == nil {
				c.Close()
			}
			return err
		}); err != nil {
			s.stop()
			return nil, fmt.Errorf("nats-server: %w", err)
		}
		for i := range 3 {
			nodeFlags = append(nodeFlags, []string{"--nats", s.natsURL, "--node-id", "n" + strconv.Itoa(i+1)})
		}
	default:
		return nil, fmt.Errorf("unknown system %q", name)
	}
	bin := bins.signal
	if name == "base" {
		bin = bins.base
	}
	s.startNode = func(ctx context.Context, nf []string) (*child.Process, error) {
		addr, err := child.FreeAddr()
		if err != nil {
			return nil, err
		}
		args := append(append([]string{"--listen", addr}, flags...), nf...)
		p, err := child.Start(command(bin, args...), addr)
		if err != nil {
			return nil, err
		}
		// Ready means /healthz 200: for a cluster node, connected to NATS.
		if _, err := p.WaitReady(ctx, 30*time.Second, func(ctx context.Context) error {
			return healthy(ctx, addr)
		}); err != nil {
			p.Stop()
			return nil, fmt.Errorf("peerline-signal %v: %w", nf, err)
		}
		return p, nil
	}
	for _, nf := range nodeFlags {
		p, err := s.startNode(ctx, nf)
		if err != nil {
			s.stop()
			return nil, err
		}
		s.nodes = append(s.nodes, p)
	}
	if s.nats != nil {
		// Every node knows the two others before any client comes.
		for _, p := range s.nodes {
			if err := waitMetric(ctx, p.Addr, "peerline_cluster_nodes", func(v float64) bool { return v >= 2 }); err != nil {
				s.stop()
				return nil, err
			}
		}
	}
	return s, nil
}

var httpClient = &http.Client{Timeout: 5 * time.Second}

func healthy(ctx context.Context, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/healthz: %s", resp.Status)
	}
	return nil
}

// varz reads nats-server's message and byte counters (out: delivered to
// subscribers) from its monitoring endpoint.
func varz(ctx context.Context, addr string) (outMsgs, outBytes float64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/varz", nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var v struct {
		OutMsgs  float64 `json:"out_msgs"`
		OutBytes float64 `json:"out_bytes"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return 0, 0, fmt.Errorf("nats-server /varz: %w", err)
	}
	return v.OutMsgs, v.OutBytes, nil
}

// metric reads one unlabelled gauge or counter from addr's /metrics.
func metric(ctx context.Context, addr, name string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("%s: no metric %s", addr, name)
}

// waitMetric polls metric name on addr until ok holds (within 60 s).
func waitMetric(ctx context.Context, addr, name string, ok func(float64) bool) error {
	deadline := time.Now().Add(60 * time.Second)
	var v float64
	var err error
	for time.Now().Before(deadline) {
		v, err = metric(ctx, addr, name)
		if err == nil && ok(v) {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("%s: %s still %v (%v) after 60 s", addr, name, v, err)
}
