package discovery

import "syscall"

// Winsock reports refusals with its own error numbers, which
// syscall.ECONNREFUSED and syscall.ECONNRESET do not match on Windows.
const (
	errConnRefused = syscall.Errno(10061) // WSAECONNREFUSED
	errConnReset   = syscall.Errno(10054) // WSAECONNRESET
)
