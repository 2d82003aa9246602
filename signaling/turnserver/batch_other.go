//go:build !linux

package turnserver

import "net"

// batchConn batches UDP I/O on Linux only (recvmmsg/sendmmsg); elsewhere
// sockets are used as they are.
type batchConn struct{ net.PacketConn }

func newBatchConn(c net.PacketConn, _ int) net.PacketConn { return c }

func (c *batchConn) ownedBy(*batchConn) {}
