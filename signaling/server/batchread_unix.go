//go:build unix

package server

import "syscall"

// rawIO says whether the raw reads and writes below work here.
const rawIO = true

// readFD is the raw read callback: once the connection is readable it
// takes a buffer from the pool and reads once, so a connection waiting
// for data holds no buffer. It reports false (wait for readiness) when
// there is nothing to read yet.
func (r *batchReader) readFD(fd uintptr) bool {
	r.buf = readBatchPool.Get().(*[]byte)
	for {
		r.n, r.err = syscall.Read(int(fd), *r.buf)
		if r.err != syscall.EINTR {
			break
		}
	}
	if r.err == syscall.EAGAIN {
		readBatchPool.Put(r.buf)
		r.buf = nil
		r.n, r.err = 0, nil
		return false
	}
	return true
}

// writeFD writes what the socket takes now; a full socket is not an error.
func writeFD(fd uintptr, p []byte) (int, error) {
	for {
		n, err := syscall.Write(int(fd), p)
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, nil
		}
		return max(n, 0), err
	}
}
