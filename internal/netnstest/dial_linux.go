package netnstest

import (
	"context"
	"fmt"
	"net"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// DialContext dials addr from inside the namespace: a goroutine locked to
// its OS thread enters the namespace with setns(2), creates the socket
// (which stays in the namespace for its whole life) and goes back. If it
// cannot go back, the goroutine exits still locked and Go discards the
// thread.
func (n *Netns) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("netns %s: own namespace: %w", n.Name, err)}
			return
		}
		defer orig.Close()
		target, err := os.Open(n.Path())
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("netns %s: %w", n.Name, err)}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("netns %s: setns: %w", n.Name, err)}
			return
		}
		// An IP literal: no resolver, no Happy Eyeballs goroutines, so the
		// socket is made on this thread.
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err2 := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err2 != nil {
			if c != nil {
				c.Close()
			}
			ch <- result{nil, fmt.Errorf("netns %s: setns back: %w", n.Name, err2)}
			return // still locked: the thread is thrown away
		}
		runtime.UnlockOSThread()
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}
