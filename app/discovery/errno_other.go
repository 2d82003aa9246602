//go:build !windows

package discovery

import "syscall"

const (
	errConnRefused = syscall.ECONNREFUSED
	errConnReset   = syscall.ECONNRESET
)
