package discovery

import (
	"fmt"
	"net"
)

// DefaultHubPort is the TCP port the LAN hub tries first. A fixed port
// lets a person add a peer by address without knowing a port; when it is
// taken (a second instance on the machine, another program), the hub
// takes any free port, which mDNS advertises all the same.
const DefaultHubPort = 47400

// ListenHub opens the hub's listener on every address: on port (0 means
// DefaultHubPort), or on a free port when that one cannot be had. The
// port to advertise is ln.Addr().(*net.TCPAddr).Port.
func ListenHub(port int) (net.Listener, error) {
	if port == 0 {
		port = DefaultHubPort
	}
	ln, err := net.Listen("tcp", portString(port))
	if err == nil {
		return ln, nil
	}
	ln, err2 := net.Listen("tcp", ":0")
	if err2 != nil {
		return nil, fmt.Errorf("discovery: listen hub: port %d: %w; free port: %w", port, err, err2)
	}
	return ln, nil
}
