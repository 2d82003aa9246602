package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrAlreadyRunning means another Peerline uses the same data dir: two
// processes with one identity would evict each other from every server
// and race on the database.
var ErrAlreadyRunning = errors.New("app: another Peerline is already running with this data dir")

// instanceLock is an OS file lock on DataDir/lock, released by the kernel
// when the process dies, so a crash never leaves a stale lock.
type instanceLock struct{ f *os.File }

func lockDataDir(dir string) (*instanceLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("app: lock %s: %w", dir, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w (%s)", ErrAlreadyRunning, dir)
	}
	return &instanceLock{f: f}, nil
}

func (l *instanceLock) release() {
	if l != nil && l.f != nil {
		unlockFile(l.f)
		l.f.Close()
		l.f = nil
	}
}
