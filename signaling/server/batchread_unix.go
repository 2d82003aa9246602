//go:build unix

package server

import (
	"sync"
	"syscall"
)

// rawReads says whether readRaw works on this platform.
const rawReads = true

// readRaw waits until the connection is readable, holding no buffer while
// it waits, then reads once into a buffer from pool. It returns the
// buffer (nil when n is 0: end of stream).
func readRaw(raw syscall.RawConn, pool *sync.Pool) (*[]byte, int, error) {
	var (
		buf  *[]byte
		n    int
		rerr error
	)
	err := raw.Read(func(fd uintptr) bool {
		buf = pool.Get().(*[]byte)
		for {
			n, rerr = syscall.Read(int(fd), *buf)
			if rerr != syscall.EINTR {
				break
			}
		}
		if rerr == syscall.EAGAIN {
			pool.Put(buf)
			buf = nil
			return false // wait for readiness
		}
		return true
	})
	if err == nil && rerr != nil {
		err = rerr
	}
	if err != nil || n <= 0 {
		if buf != nil {
			pool.Put(buf)
		}
		return nil, 0, err
	}
	return buf, n, nil
}
