//go:build linux || darwin || freebsd || openbsd || netbsd

package files

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// checkSpace fails with ErrDiskFull when dir's file system has less room
// than size bytes for an unprivileged user.
func checkSpace(dir string, size int64) error {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return nil // unknown: the writes will tell
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if free >= 0 && free < size {
		return fmt.Errorf("%w: %d bytes free, the file has %d", ErrDiskFull, free, size)
	}
	return nil
}
