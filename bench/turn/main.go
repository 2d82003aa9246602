//go:build linux

// Command turn measures relayed throughput and the TURN server's CPU per
// relayed Mbit/s: peerline-signal's embedded TURN against coturn, same
// machine, same load, alternating runs. Each run starts the server as a
// child on 127.0.0.1, allocates -pairs relays with real pion/turn clients
// (UDP, channel data as browsers send it), and streams -rate Mbit/s
// through each to a plain UDP peer on loopback for -duration. It reads the
// child's CPU time from /proc/PID/stat before and after. Traffic goes to
// 127.0.0.1 only.
//
//	go run ./bench/turn -pairs 4 -rate 50 -duration 5s -runs 3
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pion/turn/v5"

	"github.com/peerline/peerline/signaling/server"
)

const (
	secret     = "bench-secret"
	clockTicks = 100 // USER_HZ
	packetSize = 1200
)

func main() {
	pairs := flag.Int("pairs", 4, "relayed streams at once")
	rate := flag.Float64("rate", 50, "Mbit/s offered per stream")
	duration := flag.Duration("duration", 5*time.Second, "length of one run")
	runs := flag.Int("runs", 3, "runs per server (alternating)")
	servers := flag.String("servers", "peerline,coturn", "servers to measure")
	bin := flag.String("peerline-bin", "", "peerline-signal binary (default: built into a temp dir)")
	flag.Parse()
	if err := benchmark(*pairs, *rate, *duration, *runs, strings.Split(*servers, ","), *bin); err != nil {
		fmt.Fprintln(os.Stderr, "bench/turn:", err)
		os.Exit(1)
	}
}

type result struct {
	mbps     float64 // delivered
	cpuPerMb float64 // CPU ms per relayed Mbit
	loss     float64
	cpuCores float64
}

func benchmark(pairs int, rate float64, d time.Duration, runs int, servers []string, bin string) error {
	if bin == "" {
		dir, err := os.MkdirTemp("", "bench-turn")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "peerline-signal")
		build := exec.Command("go", "build", "-o", bin, "./signaling/cmd/peerline-signal")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	res := map[string][]result{}
	for i := range runs {
		for _, name := range servers {
			r, err := oneRun(name, bin, pairs, rate, d)
			if err != nil {
				return fmt.Errorf("%s run %d: %w", name, i+1, err)
			}
			fmt.Printf("run %d %-8s delivered %7.1f Mbit/s  loss %5.2f%%  server CPU %.2f cores  %.3f CPU-ms per relayed Mbit\n",
				i+1, name, r.mbps, 100*r.loss, r.cpuCores, r.cpuPerMb)
			res[name] = append(res[name], r)
		}
	}
	med := func(rs []result, f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	fmt.Printf("\nmedians over %d runs, %d streams × %.0f Mbit/s offered, %s each:\n", runs, pairs, rate, d)
	for _, name := range servers {
		rs := res[name]
		fmt.Printf("  %-8s delivered %7.1f Mbit/s  loss %5.2f%%  %.3f CPU-ms per relayed Mbit\n", name,
			med(rs, func(r result) float64 { return r.mbps }), 100*med(rs, func(r result) float64 { return r.loss }),
			med(rs, func(r result) float64 { return r.cpuPerMb }))
	}
	if p, c := res["peerline"], res["coturn"]; len(p) > 0 && len(p) == len(c) {
		ratios := make([]result, len(p))
		for i := range p {
			ratios[i] = result{cpuPerMb: p[i].cpuPerMb / c[i].cpuPerMb}
		}
		fmt.Printf("  CPU per relayed Mbit, peerline / coturn: %.2fx (median of per-run ratios)\n", med(ratios, func(r result) float64 { return r.cpuPerMb }))
	}
	return nil
}

func freePort() (int, error) {
	for range 20 {
		u, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := u.LocalAddr().(*net.UDPAddr).Port
		t, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(port))
		u.Close()
		if err == nil {
			t.Close()
			return port, nil
		}
	}
	return 0, errors.New("no free port")
}

func startServer(name, bin string, port int) (*exec.Cmd, error) {
	addr := "127.0.0.1:" + strconv.Itoa(port)
	var cmd *exec.Cmd
	switch name {
	case "peerline":
		cmd = exec.Command(bin, "--listen", "127.0.0.1:0", "--turn-listen", addr,
			"--turn-allow-peers", "127.0.0.0/8", "--turn-allocation-kbps", "0", "--log-level", "warn")
		cmd.Env = append(os.Environ(), "PEERLINE_SIGNAL_TURN_SECRET="+secret)
	case "coturn":
		cmd = exec.Command("turnserver", "-n", "--listening-ip=127.0.0.1", "--listening-port="+strconv.Itoa(port),
			"--relay-ip=127.0.0.1", "--use-auth-secret", "--static-auth-secret="+secret, "--realm=peerline",
			"--allow-loopback-peers", "--no-cli", "--no-tls", "--no-dtls", "--no-stdout-log", "--log-file=stdout",
			"--simple-log", "--min-port=49152", "--max-port=65535")
	default:
		return nil, fmt.Errorf("unknown server %q", name)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	// Ready when a TCP connect succeeds (both servers bind TCP and UDP together).
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			return cmd, nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			return nil, fmt.Errorf("%s not listening on %s", name, addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func cpuSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / clockTicks, nil
}

type stream struct {
	client *turn.Client
	relay  net.PacketConn
	conn   net.PacketConn
	peer   net.PacketConn
	got    atomic.Int64
}

func oneRun(name, bin string, pairs int, rate float64, d time.Duration) (result, error) {
	port, err := freePort()
	if err != nil {
		return result{}, err
	}
	cmd, err := startServer(name, bin, port)
	if err != nil {
		return result{}, err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr := "127.0.0.1:" + strconv.Itoa(port)

	streams := make([]*stream, pairs)
	defer func() {
		for _, s := range streams {
			if s != nil {
				s.relay.Close()
				s.client.Close()
				s.conn.Close()
				s.peer.Close()
			}
		}
	}()
	for i := range streams {
		s := &stream{}
		if s.conn, err = net.ListenPacket("udp4", "127.0.0.1:0"); err != nil {
			return result{}, err
		}
		if s.peer, err = net.ListenPacket("udp4", "127.0.0.1:0"); err != nil {
			return result{}, err
		}
		s.peer.(*net.UDPConn).SetReadBuffer(4 << 20)
		user, pass := server.TURNCredentials(secret, "bench"+strconv.Itoa(i), time.Now().Add(time.Hour))
		if s.client, err = turn.NewClient(&turn.ClientConfig{TURNServerAddr: addr, STUNServerAddr: addr,
			Username: user, Password: pass, Conn: s.conn}); err != nil {
			return result{}, err
		}
		if err := s.client.Listen(); err != nil {
			return result{}, err
		}
		if s.relay, err = s.client.Allocate(); err != nil {
			return result{}, fmt.Errorf("allocate: %w", err)
		}
		if err := s.client.CreatePermission(s.peer.LocalAddr()); err != nil {
			return result{}, fmt.Errorf("permission: %w", err)
		}
		streams[i] = s
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	for _, s := range streams {
		wg.Add(1)
		go func() { // the peer counts what arrives
			defer wg.Done()
			buf := make([]byte, 2048)
			for {
				s.peer.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				n, _, err := s.peer.ReadFrom(buf)
				if err == nil {
					s.got.Add(int64(n))
				} else if ctx.Err() != nil {
					return
				}
			}
		}()
	}
	// Warm up (the client binds a channel after the first sends) with the
	// readers running, so the warm-up is read before the count restarts.
	for _, s := range streams {
		for range 20 {
			s.relay.WriteTo(make([]byte, packetSize), s.peer.LocalAddr())
		}
	}
	time.Sleep(300 * time.Millisecond)
	cpu0, err := cpuSeconds(cmd.Process.Pid)
	if err != nil {
		return result{}, err
	}
	start := time.Now()
	for _, s := range streams {
		s.got.Store(0)
	}
	var sent atomic.Int64
	pps := rate * 1e6 / 8 / packetSize
	var sg sync.WaitGroup
	for _, s := range streams {
		sg.Add(1)
		go func() { // paced sender, 1 ms ticks
			defer sg.Done()
			payload := make([]byte, packetSize)
			due := 0.0
			for t := time.Now(); time.Since(start) < d; t = t.Add(time.Millisecond) {
				due += pps / 1000
				for due >= 1 {
					s.relay.WriteTo(payload, s.peer.LocalAddr())
					sent.Add(packetSize)
					due--
				}
				time.Sleep(time.Until(t.Add(time.Millisecond)))
			}
		}()
	}
	sg.Wait()
	time.Sleep(200 * time.Millisecond) // the last packets land
	elapsed := time.Since(start).Seconds()
	cpu1, err := cpuSeconds(cmd.Process.Pid)
	if err != nil {
		return result{}, err
	}
	cancel()
	wg.Wait()
	var got int64
	for _, s := range streams {
		got += s.got.Load()
	}
	mbit := float64(got) * 8 / 1e6
	cpu := cpu1 - cpu0
	return result{
		mbps:     mbit / elapsed,
		cpuPerMb: cpu * 1000 / mbit,
		loss:     1 - float64(got)/float64(sent.Load()),
		cpuCores: cpu / elapsed,
	}, nil
}
