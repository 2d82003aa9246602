//go:build !unix

package server

import (
	"errors"
	"sync"
	"syscall"
)

// rawReads says whether readRaw works on this platform.
const rawReads = false

// readRaw is unavailable here; batchConn.rawReady never lets it be called
// because raw reads are only wired up on unix.
func readRaw(raw syscall.RawConn, pool *sync.Pool) (*[]byte, int, error) {
	return nil, 0, errors.New("server: raw reads are not supported on this platform")
}
