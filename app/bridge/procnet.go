package bridge

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/netip"
	"strconv"
	"strings"
)

// The bridge refuses loopback connections from another account's sockets
// where the system says who owns a socket (Linux: /proc/net/tcp and
// tcp6, whose uid column is the owner). This file reads that table; the
// check itself is peer_linux.go.

// procSocket is one row of /proc/net/tcp or tcp6.
type procSocket struct {
	local, remote netip.AddrPort
	uid           uint32
}

// parseProcNetLine reads one row: "sl local rem st tx:rx tr:tm retr uid …",
// addresses as HEX_IP:HEX_PORT with the IP's 32-bit words in the kernel's
// byte order. ok is false for the header and for anything malformed,
// including text that holds a line break: that is two rows, not one.
func parseProcNetLine(line string) (s procSocket, ok bool) {
	if strings.ContainsAny(line, "\n\r") {
		return s, false
	}
	f := strings.Fields(line)
	if len(f) < 8 || !strings.HasSuffix(f[0], ":") {
		return s, false
	}
	var okL, okR bool
	s.local, okL = parseProcAddr(f[1])
	s.remote, okR = parseProcAddr(f[2])
	uid, err := strconv.ParseUint(f[7], 10, 32)
	if !okL || !okR || err != nil {
		return s, false
	}
	s.uid = uint32(uid)
	return s, true
}

// parseProcAddr reads "0100007F:1F90" (IPv4) or 32 hex digits and a port
// (IPv6). IPv4-mapped IPv6 addresses come back unmapped, so one socket
// compares equal whichever table it is in.
func parseProcAddr(s string) (netip.AddrPort, bool) {
	ipHex, portHex, ok := strings.Cut(s, ":")
	if !ok || len(portHex) != 4 || (len(ipHex) != 8 && len(ipHex) != 32) {
		return netip.AddrPort{}, false
	}
	port, err := strconv.ParseUint(portHex, 16, 16)
	if err != nil {
		return netip.AddrPort{}, false
	}
	raw, err := hex.DecodeString(ipHex)
	if err != nil {
		return netip.AddrPort{}, false
	}
	// Each 32-bit word was printed as a number in host byte order.
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(raw[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	ip, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), true
}

// findSocket returns the owner of the socket in table r whose own address
// is local and whose peer is remote.
func findSocket(r io.Reader, local, remote netip.AddrPort) (uid uint32, found bool) {
	local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if s, ok := parseProcNetLine(sc.Text()); ok && s.local == local && s.remote == remote {
			return s.uid, true
		}
	}
	return 0, false
}
