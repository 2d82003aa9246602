//go:build linux

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/peerline/peerline/internal/netnstest"
)

// TestFigures repeats the latency measurements -samples times and logs
// medians. It runs only with -figures (it takes about a minute):
//
//	go test ./e2e -run TestFigures -v -args -figures -samples=7
func TestFigures(t *testing.T) {
	if !*figures {
		t.Skip("run with -args -figures to measure")
	}
	requireE2E(t)
	var ready, discovered, quit, kill, unplug []time.Duration
	var rss []int
	n := *samples

	// One LAN for start, discovery, quit and kill -9: A stays up, B comes
	// and goes.
	lan := netnstest.NewLAN(t, 2)
	a := StartInstance(t, lan.Hosts[0], "A", Options{})
	ready = append(ready, a.Ready)
	var b *Instance
	for i := range n {
		if b == nil {
			b = StartInstance(t, lan.Hosts[1], "B", Options{})
		} else {
			b.Restart()
		}
		ready = append(ready, b.Ready)
		ev := a.WaitEvent("peer:online", peerIs(b.ID()), discoverTimeout)
		discovered = append(discovered, ev.At.Sub(b.Started))
		if i == 0 {
			time.Sleep(5 * time.Second)
			for _, in := range []*Instance{a, b} {
				kb, err := in.RSS()
				if err != nil {
					t.Fatal(err)
				}
				rss = append(rss, kb)
			}
		}
		a.Mark()
		if i%2 == 0 {
			sent := time.Now()
			b.Quit()
			ev = a.WaitEvent("peer:offline", peerIs(b.ID()), 5*time.Second)
			quit = append(quit, ev.At.Sub(sent))
		} else {
			sent := time.Now()
			b.Kill9()
			ev = a.WaitEvent("peer:offline", peerIs(b.ID()), 5*time.Second)
			kill = append(kill, ev.At.Sub(sent))
		}
	}
	// kill -9 got the odd samples; top it up to n.
	for len(kill) < n {
		b.Restart()
		a.WaitEvent("peer:online", peerIs(b.ID()), discoverTimeout)
		a.Mark()
		sent := time.Now()
		b.Kill9()
		ev := a.WaitEvent("peer:offline", peerIs(b.ID()), 5*time.Second)
		kill = append(kill, ev.At.Sub(sent))
	}
	for len(quit) < n {
		b.Restart()
		a.WaitEvent("peer:online", peerIs(b.ID()), discoverTimeout)
		a.Mark()
		sent := time.Now()
		b.Quit()
		ev := a.WaitEvent("peer:offline", peerIs(b.ID()), 5*time.Second)
		quit = append(quit, ev.At.Sub(sent))
	}

	// Pulling the cable: a fresh pair each time.
	for range n {
		t.Run("unplug", func(t *testing.T) {
			a, b, lan := lanPair(t, Options{}, Options{})
			a.Mark()
			sent := time.Now()
			lan.Unplug(t, lan.Hosts[1])
			ev := a.WaitEvent("peer:offline", peerIs(b.ID()), 20*time.Second)
			unplug = append(unplug, ev.At.Sub(sent))
		})
	}

	var b2 strings.Builder
	row := func(name string, ds []time.Duration) {
		parts := make([]string, len(ds))
		for i, d := range ds {
			parts[i] = d.Round(time.Millisecond).String()
		}
		fmt.Fprintf(&b2, "  %-28s median %-8v n=%d  [%s]\n", name, median(ds).Round(time.Millisecond), len(ds), strings.Join(parts, " "))
	}
	row("start → ui line", ready)
	row("start → discovered by A", discovered)
	row("SIGTERM → peer:offline", quit)
	row("kill -9 → peer:offline", kill)
	row("veth deleted → peer:offline", unplug)
	fmt.Fprintf(&b2, "  %-28s %v KiB (A, B after 5 s idle)\n", "idle RSS", rss)
	fmt.Fprintf(&b2, "  %-28s %v\n", "building the binaries", buildTime.Round(time.Second))
	t.Logf("figures:\n%s", b2.String())
}
