package bridge

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
)

// peerOwner returns the uid that owns the other end of c, a loopback TCP
// connection: the socket whose own address is c's remote one and whose peer
// is c's local one, in /proc/net/tcp or tcp6 (this process's network
// namespace, which is the client's: loopback does not cross namespaces).
// known is false where the table cannot be read (no /proc).
func peerOwner(c net.Conn) (uid uint32, known bool, err error) {
	local, errL := netip.ParseAddrPort(c.LocalAddr().String())
	remote, errR := netip.ParseAddrPort(c.RemoteAddr().String())
	if errL != nil || errR != nil {
		return 0, false, fmt.Errorf("bridge: peer of %v: not a TCP connection", c.RemoteAddr())
	}
	readable := false
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(table)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, true, fmt.Errorf("bridge: peer of %v: %w", remote, err)
		}
		readable = true
		uid, found := findSocket(f, remote, local)
		f.Close()
		if found {
			return uid, true, nil
		}
	}
	if !readable {
		return 0, false, nil
	}
	return 0, true, fmt.Errorf("bridge: peer of %v: socket not found in /proc/net/tcp{,6}", remote)
}
