package cluster_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/cluster/clustertest"
	"github.com/peerline/peerline/signaling/server"
	"github.com/peerline/peerline/signaling/signalingtest"
)

// BenchmarkRelay measures the CPU of the whole process (servers, NATS
// and the load's clients, which are kept thin: prebuilt frames written
// in bulk and counted without decoding) per relayed 1 KiB message, with
// -pairs pairs streaming one way with 32 in flight each: "local" has
// both ends of each pair on one node; "cluster" has them on two nodes
// of a three-node cluster with an embedded nats-server. Compare the two
// cpu-µs/msg figures (docs/performance.md, "Cluster over NATS"):
//
//	go test -run '^$' -bench Relay -benchtime 200000x -count 5 ./signaling/cluster/
func BenchmarkRelay(b *testing.B) {
	cfg := server.Config{RatePerSecond: 1e7, Burst: 1e7, MaxConnsPerIP: -1}
	b.Run("local", func(b *testing.B) {
		s := signalingtest.Serve(b, cfg)
		runRelay(b, s.URL, s.URL, nil)
	})
	b.Run("cluster", func(b *testing.B) {
		ns := clustertest.RunNATS(b)
		var n [3]*clustertest.ClusterNode
		for i := range n {
			n[i] = clustertest.Node(b, ns, clustertest.Options{Server: cfg})
		}
		runRelay(b, n[0].URL, n[1].URL, n[0])
	})
}

const (
	benchPairs  = 20
	benchWindow = 32
	benchSize   = 1024
)

func runRelay(b *testing.B, urlA, urlB string, sender *clustertest.ClusterNode) {
	type pair struct {
		a, b net.Conn
		recv atomic.Int64
		wake chan struct{}
		msg  []byte // one client frame, masked with a zero key
	}
	pairs := make([]*pair, benchPairs)
	for i := range pairs {
		ka, kb := signalingtest.Key(b), signalingtest.Key(b)
		ra := signalingtest.Authed(b, urlA, ka)
		rb := signalingtest.Authed(b, urlB, kb)
		// a watches b so it knows when b is known on a's node.
		ra.SendBody(signaling.TypeSubscribe, signaling.Subscribe{Peers: []signaling.PeerID{kb.ID()}})
		for {
			env := ra.Next()
			if env.Type == signaling.TypePresence || (env.Type == signaling.TypePresenceList && bytes.Contains(env.Body, []byte(`"online":["`))) {
				break
			}
		}
		env := `{"v":1,"type":"candidate","to":"` + kb.ID().String() + `","call":"c-1","body":{"candidate":"`
		env += strings.Repeat("x", benchSize-len(env)-3) + `"}}`
		pairs[i] = &pair{a: ra.WS.NetConn(), b: rb.WS.NetConn(), wake: make(chan struct{}, 1), msg: clientFrame([]byte(env))}
	}
	per := max(1, b.N/benchPairs)
	total := per * benchPairs
	var wg sync.WaitGroup
	var pub0 float64
	if sender != nil {
		pub0 = counterValue(b, sender, "peerline_cluster_relay_publishes_total")
	}
	cpu0 := cpuTime()
	start := time.Now()
	b.ResetTimer()
	for _, p := range pairs {
		wg.Add(2)
		go func() { // receiver: counts text frames
			defer wg.Done()
			countFrames(p.b, int64(per), &p.recv, p.wake)
		}()
		go func() { // sender: keeps at most benchWindow in flight
			defer wg.Done()
			var buf []byte
			for sent := 0; sent < per; {
				room := benchWindow - (sent - int(p.recv.Load()))
				if room <= 0 {
					<-p.wake
					continue
				}
				room = min(room, per-sent)
				buf = buf[:0]
				for range room {
					buf = append(buf, p.msg...)
				}
				if _, err := p.a.Write(buf); err != nil {
					b.Error(err)
					return
				}
				sent += room
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	cpu := cpuTime() - cpu0
	wall := time.Since(start)
	b.ReportMetric(float64(cpu.Microseconds())/float64(total), "cpu-µs/msg")
	b.ReportMetric(float64(total)/wall.Seconds(), "msgs/s")
	if sender != nil {
		pubs := counterValue(b, sender, "peerline_cluster_relay_publishes_total") - pub0
		b.ReportMetric(float64(total)/pubs, "msgs/publish")
	}
}

// cpuTime is the process's user+system CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// clientFrame frames payload as a masked text frame (a zero mask key
// leaves the bytes as they are).
func clientFrame(payload []byte) []byte {
	f := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	default:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	}
	f = append(f, 0, 0, 0, 0)
	return append(f, payload...)
}

// countFrames reads server frames from c until want text frames came,
// adding each to n and poking wake.
func countFrames(c net.Conn, want int64, n *atomic.Int64, wake chan struct{}) {
	buf := make([]byte, 64<<10)
	var pending []byte
	got := int64(0)
	for got < want {
		k, err := c.Read(buf)
		if err != nil && err != io.EOF {
			return
		}
		pending = append(pending, buf[:k]...)
		off := 0
		for {
			pending := pending[off:]
			if len(pending) < 2 {
				break
			}
			hl, pl := 2, int(pending[1]&0x7f)
			switch pl {
			case 126:
				if len(pending) < 4 {
					hl = -1
					break
				}
				hl, pl = 4, int(binary.BigEndian.Uint16(pending[2:]))
			case 127:
				if len(pending) < 10 {
					hl = -1
					break
				}
				hl, pl = 10, int(binary.BigEndian.Uint64(pending[2:]))
			}
			if hl < 0 || len(pending) < hl+pl {
				break
			}
			if pending[0]&0x0f == 1 {
				got++
				n.Add(1)
				select {
				case wake <- struct{}{}:
				default:
				}
			}
			off += hl + pl
		}
		pending = append(pending[:0], pending[off:]...)
		if err == io.EOF {
			return
		}
	}
}

// counterValue reads a counter from the node's registry.
func counterValue(tb testing.TB, n *clustertest.ClusterNode, name string) float64 {
	tb.Helper()
	mfs, err := n.Registry().Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	tb.Fatalf("no metric %s", name)
	return 0
}

// BenchmarkIdleHeap reports the live heap per idle authenticated
// connection, servers' and (thin) clients' together, on one node and on
// a cluster node; the difference is what the cluster adds per
// connection (its directory entries on this node and the two others):
//
//	go test -run '^$' -bench IdleHeap -benchtime 1x -count 3 ./signaling/cluster/
func BenchmarkIdleHeap(b *testing.B) {
	const conns = 1000
	cfg := server.Config{MaxConnsPerIP: -1}
	measure := func(b *testing.B, url string, settled func() bool) {
		before := liveHeap()
		for range conns {
			signalingtest.Authed(b, url, signalingtest.Key(b))
		}
		for !settled() {
			time.Sleep(10 * time.Millisecond)
		}
		b.ReportMetric(float64(liveHeap()-before)/conns, "heap-B/conn")
	}
	b.Run("local", func(b *testing.B) {
		s := signalingtest.Serve(b, cfg)
		measure(b, s.URL, func() bool { return true })
	})
	b.Run("cluster", func(b *testing.B) {
		ns := clustertest.RunNATS(b)
		var n [3]*clustertest.ClusterNode
		for i := range n {
			n[i] = clustertest.Node(b, ns, clustertest.Options{Server: cfg})
		}
		// Measured once the other nodes took in the announcements.
		measure(b, n[0].URL, func() bool { return n[1].Node.RemotePeers() >= conns && n[2].Node.RemotePeers() >= conns })
	})
}

func liveHeap() int64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
