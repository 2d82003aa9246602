//go:build !unix

package server

import "errors"

// rawIO says whether raw reads and writes work here; newBatchConn never
// sets batchConn.raw when it is false, so the functions below are never
// called.
const rawIO = false

var errNoRawIO = errors.New("server: raw reads and writes are not supported on this platform")

func (r *batchReader) readFD(fd uintptr) bool {
	r.err = errNoRawIO
	return true
}

func writeFD(fd uintptr, p []byte) (int, error) { return 0, errNoRawIO }
