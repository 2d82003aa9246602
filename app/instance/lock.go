package instance

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrAlreadyRunning means another Peerline uses the same data dir: two
// processes with one identity would evict each other from every server
// and race on the database.
var ErrAlreadyRunning = errors.New("another Peerline is already running with this data dir")

// lock is an OS file lock on DataDir/lock, released by the kernel
// when the process dies, so a crash never leaves a stale lock.
type lock struct{ f *os.File }

func lockDir(dir string) (*lock, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("instance: lock %s: %w", dir, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("%w (%s)", ErrAlreadyRunning, dir)
	}
	return &lock{f: f}, nil
}

func (l *lock) release() {
	if l != nil && l.f != nil {
		unlockFile(l.f)
		l.f.Close()
		l.f = nil
	}
}
