package turnserver

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/pion/turn/v5"
	"golang.org/x/time/rate"
)

var (
	errUserQuota  = errors.New("turnserver: allocation quota of the user reached")
	errTotalQuota = errors.New("turnserver: allocation quota of the server reached")
	errNoPort     = errors.New("turnserver: no free relay port")
	errTCPRelay   = errors.New("turnserver: TCP allocations (RFC 6062) are not served")
	errPortRange  = errors.New("turnserver: requested port outside the relay range")
)

// maxPortTries bounds the binds one allocation tries in a port range.
const maxPortTries = 64

// relays makes the relay sockets: it binds them in the port range,
// enforces the allocation quotas, and wraps each socket with the
// bandwidth limit, the byte counters and the per-packet peer check. It is
// the pion RelayAddressGenerator of every listener.
type relays struct {
	bindIP           net.IP // where relay sockets bind
	announce         net.IP // the address clients are told
	minPort, maxPort int
	bytesPerSecond   float64 // <= 0: no limit
	maxTotal         int     // < 0: no limit
	maxPerUser       int     // < 0: no limit
	filter           *peerFilter
	m                *metrics

	mu      sync.Mutex
	total   int
	perUser map[string]int
	ports   map[int]bool // ports of open relay sockets, for relay to relay
}

var _ turn.RelayAddressGenerator = (*relays)(nil)

func (r *relays) Validate() error { return nil }

// quotaOK is the pion QuotaHandler: refusing here answers 486
// (Allocation Quota Reached). reserve checks again, atomically.
func (r *relays) quotaOK(userID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.check(userID) == nil
}

func (r *relays) check(userID string) error {
	switch {
	case r.maxTotal >= 0 && r.total >= r.maxTotal:
		r.m.refused.WithLabelValues(reasonTotalQuota).Inc()
		return errTotalQuota
	case r.maxPerUser >= 0 && r.perUser[userID] >= r.maxPerUser:
		r.m.refused.WithLabelValues(reasonUserQuota).Inc()
		return errUserQuota
	}
	return nil
}

func (r *relays) reserve(userID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.check(userID); err != nil {
		return err
	}
	r.total++
	r.perUser[userID]++
	r.m.allocations.Inc()
	return nil
}

func (r *relays) release(userID string, port int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.total--
	if r.perUser[userID]--; r.perUser[userID] <= 0 {
		delete(r.perUser, userID)
	}
	delete(r.ports, port)
	r.m.allocations.Dec()
}

// ownPort reports whether port is an open relay socket's.
func (r *relays) ownPort(port int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ports[port]
}

// AllocatePacketConn binds one relay socket for an allocation.
func (r *relays) AllocatePacketConn(conf turn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	if err := r.reserve(conf.UserID); err != nil {
		return nil, nil, err
	}
	conn, err := r.bind(conf)
	if err != nil {
		r.release(conf.UserID, 0) // port 0 is never in r.ports
		return nil, nil, err
	}
	port := conn.LocalAddr().(*net.UDPAddr).Port
	r.mu.Lock()
	r.ports[port] = true
	r.mu.Unlock()
	rc := &relayConn{PacketConn: conn, r: r, user: conf.UserID, port: port}
	if r.bytesPerSecond > 0 {
		// A burst of a quarter second, and never under one largest datagram.
		burst := max(int(r.bytesPerSecond/4), 65535)
		rc.limit = rate.NewLimiter(rate.Limit(r.bytesPerSecond), burst)
	}
	return rc, &net.UDPAddr{IP: r.announce, Port: port}, nil
}

func (r *relays) bind(conf turn.AllocateListenerConfig) (net.PacketConn, error) {
	listen := func(port int) (net.PacketConn, error) {
		return net.ListenPacket(conf.Network, net.JoinHostPort(r.bindIP.String(), strconv.Itoa(port)))
	}
	if r.minPort == 0 {
		if conf.RequestedPort != 0 {
			return nil, errPortRange // an arbitrary port could be a service's
		}
		return listen(0)
	}
	if conf.RequestedPort != 0 {
		if conf.RequestedPort < r.minPort || conf.RequestedPort > r.maxPort {
			return nil, errPortRange
		}
		return listen(conf.RequestedPort)
	}
	// A random start spreads allocations; then walk the range.
	n := r.maxPort - r.minPort + 1
	start := rand.IntN(n)
	for i := range min(n, maxPortTries) {
		if c, err := listen(r.minPort + (start+i)%n); err == nil {
			return c, nil
		}
	}
	return nil, errNoPort
}

// AllocateListener refuses TCP allocations: browsers do not ask for them,
// and a relay that dials TCP on a client's behalf is a larger attack
// surface than this server needs.
func (r *relays) AllocateListener(turn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	r.m.refused.WithLabelValues(reasonTransport).Inc()
	return nil, nil, errTCPRelay
}

// AllocateConn refuses TCP connections to peers (see AllocateListener).
func (r *relays) AllocateConn(turn.AllocateConnConfig) (net.Conn, error) {
	r.m.refused.WithLabelValues(reasonTransport).Inc()
	return nil, errTCPRelay
}

// relayConn is one allocation's relay socket.
type relayConn struct {
	net.PacketConn
	r     *relays
	user  string
	port  int
	limit *rate.Limiter // nil: no limit
	once  sync.Once
}

// WriteTo sends a client's packet to a peer. A packet over the bandwidth
// is dropped, as a congested link would.
func (c *relayConn) WriteTo(p []byte, to net.Addr) (int, error) {
	if !c.peerOK(to) {
		c.r.m.refused.WithLabelValues(reasonPeer).Inc()
		return len(p), nil
	}
	if c.limit != nil && !c.limit.AllowN(time.Now(), len(p)) {
		c.r.m.dropped.Inc()
		return len(p), nil
	}
	// Counted before the send, so a peer that has the packet sees it counted.
	c.r.m.toPeer.Add(float64(len(p)))
	return c.PacketConn.WriteTo(p, to)
}

// peerOK narrows the permission rule to the packet: an address in a
// refused range that was permitted only as the relay's own may be sent to
// only at a relay port (another allocation), never at the host's other
// services.
func (c *relayConn) peerOK(to net.Addr) bool {
	u, ok := to.(*net.UDPAddr)
	if !ok {
		return false
	}
	ip, ok := addr(u.IP)
	if !ok {
		return false
	}
	if c.r.filter.allowed(ip) {
		return true
	}
	return c.r.filter.isOwn(ip) && c.r.ownPort(u.Port)
}

// ReadFrom reads a peer's packet for the client, dropping those over the
// bandwidth. pion drops those from peers without a permission.
func (c *relayConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, from, err := c.PacketConn.ReadFrom(p)
		if err != nil {
			return n, from, err
		}
		if c.limit != nil && !c.limit.AllowN(time.Now(), n) {
			c.r.m.dropped.Inc()
			continue
		}
		c.r.m.fromPeer.Add(float64(n))
		return n, from, nil
	}
}

// Close closes the socket and gives back its quota once.
func (c *relayConn) Close() error {
	err := c.PacketConn.Close()
	c.once.Do(func() { c.r.release(c.user, c.port) })
	return err
}

// ownAddrs lists the relay's addresses for the peer filter.
func ownAddrs(ips ...net.IP) []netip.Addr {
	var out []netip.Addr
	for _, ip := range ips {
		if a, ok := addr(ip); ok && !a.IsUnspecified() {
			out = append(out, a)
		}
	}
	return out
}
