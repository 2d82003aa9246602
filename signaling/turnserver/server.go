package turnserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/peerline/peerline/signaling/server"
)

// Server is a running TURN relay. Close stops it.
type Server struct {
	cfg    Config
	turn   *turn.Server
	udp    []net.PacketConn
	tcp    net.Listener
	tls    net.Listener // nil without TLSListen
	relays *relays
	m      *metrics
}

// New binds the listeners and starts serving. The caller owns the Server
// and must Close it.
func New(cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m := newMetrics()
	s := &Server{cfg: cfg, m: m}
	if err := s.listen(); err != nil {
		s.closeListeners()
		return nil, err
	}

	host, _, _ := net.SplitHostPort(cfg.Listen)
	bindIP := net.ParseIP(host)
	if bindIP == nil {
		bindIP = net.IPv4zero
	}
	filter := &peerFilter{allow: cfg.AllowPeers, own: ownAddrs(cfg.ExternalIP, bindIP)}
	s.relays = &relays{
		bindIP: bindIP, announce: cfg.ExternalIP,
		minPort: cfg.MinPort, maxPort: cfg.MaxPort,
		bytesPerSecond: float64(cfg.AllocationBitsPerSecond) / 8,
		maxTotal:       cfg.MaxAllocations, maxPerUser: cfg.MaxAllocationsPerUser,
		filter: filter, m: m,
		perUser: map[string]int{}, ports: map[int]bool{},
	}
	permit := func(_ net.Addr, peer net.IP) bool {
		if filter.permit(peer) {
			return true
		}
		m.refused.WithLabelValues(reasonPeer).Inc()
		return false
	}
	tc := turn.ServerConfig{
		Realm:         cfg.Realm,
		AuthHandler:   s.auth,
		QuotaHandler:  func(user, _ string, _ net.Addr) bool { return s.relays.quotaOK(user) },
		LoggerFactory: pionLogs{cfg.Logger},
		EventHandler: turn.EventHandler{
			OnAuth: func(_, _ net.Addr, _, _, _, _ string, ok bool) {
				if !ok { // a known username whose MESSAGE-INTEGRITY is wrong
					m.authFails.Inc()
				}
			},
		},
	}
	for _, c := range s.udp {
		tc.PacketConnConfigs = append(tc.PacketConnConfigs, turn.PacketConnConfig{
			PacketConn: c, RelayAddressGenerator: s.relays, PermissionHandler: permit})
	}
	for _, l := range []net.Listener{s.tcp, s.tls} {
		if l != nil {
			tc.ListenerConfigs = append(tc.ListenerConfigs, turn.ListenerConfig{
				Listener: l, RelayAddressGenerator: s.relays, PermissionHandler: permit})
		}
	}
	if s.turn, err = turn.NewServer(tc); err != nil {
		s.closeListeners()
		return nil, fmt.Errorf("turnserver: %w", err)
	}
	return s, nil
}

// bindTries is how often New retries a port-0 Listen whose UDP port is
// taken on TCP.
const bindTries = 8

// udpBufferBytes is the socket buffer asked for on the TURN port.
const udpBufferBytes = 4 << 20

// listen binds cfg.UDPSockets UDP sockets and one TCP listener on the
// same port, and the TLS listener.
func (s *Server) listen() error {
	lc := net.ListenConfig{Control: reusePort}
	ctx := context.Background()
	host, port, _ := net.SplitHostPort(s.cfg.Listen)
	for try := 0; ; try++ {
		first, err := lc.ListenPacket(ctx, "udp", s.cfg.Listen)
		if err != nil {
			return fmt.Errorf("turnserver: listen udp %s: %w", s.cfg.Listen, err)
		}
		bound := net.JoinHostPort(host, strconv.Itoa(first.LocalAddr().(*net.UDPAddr).Port))
		tcp, err := net.Listen("tcp", bound)
		if err != nil {
			first.Close()
			if port == "0" && try < bindTries {
				continue // the port picked for UDP is taken on TCP
			}
			return fmt.Errorf("turnserver: listen tcp %s: %w", bound, err)
		}
		s.udp, s.tcp = []net.PacketConn{first}, tcp
		for len(s.udp) < s.cfg.UDPSockets {
			c, err := lc.ListenPacket(ctx, "udp", bound)
			if err != nil {
				return fmt.Errorf("turnserver: listen udp %s (SO_REUSEPORT socket %d): %w", bound, len(s.udp)+1, err)
			}
			s.udp = append(s.udp, c)
		}
		for _, c := range s.udp {
			// Bursts of media outrun one reader; the kernel caps this at
			// net.core.rmem_max / wmem_max (docs/operators.md).
			if u, ok := c.(*net.UDPConn); ok {
				u.SetReadBuffer(udpBufferBytes)
				u.SetWriteBuffer(udpBufferBytes)
			}
		}
		break
	}
	if s.cfg.TLSListen != "" {
		l, err := net.Listen("tcp", s.cfg.TLSListen)
		if err != nil {
			return fmt.Errorf("turnserver: listen tls %s: %w", s.cfg.TLSListen, err)
		}
		s.tls = tls.NewListener(l, s.cfg.TLS)
	}
	return nil
}

func (s *Server) closeListeners() {
	for _, c := range s.udp {
		c.Close()
	}
	for _, l := range []net.Listener{s.tcp, s.tls} {
		if l != nil {
			l.Close()
		}
	}
}

// auth is the pion AuthHandler for coturn REST-API credentials: the
// username is "<expiry unix seconds>:<user>", the password
// base64(HMAC-SHA1(secret, username)). It returns the key pion checks the
// request's MESSAGE-INTEGRITY with; the user part is the quota's user.
func (s *Server) auth(ra *turn.RequestAttributes) (string, []byte, bool) {
	exp, user, ok := strings.Cut(ra.Username, ":")
	expiry, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || user == "" || ra.Realm != s.cfg.Realm || s.cfg.Now().Unix() >= expiry {
		s.m.authFails.Inc()
		return "", nil, false
	}
	password := server.TURNPassword(s.cfg.Secret, ra.Username)
	return user, turn.GenerateAuthKey(ra.Username, s.cfg.Realm, password), true
}

// Metrics are the relay's Prometheus series, for the caller's registry
// (peerline-signal's /metrics).
func (s *Server) Metrics() prometheus.Collector { return s.m }

// RelayIP is the relay address announced to clients.
func (s *Server) RelayIP() net.IP { return s.cfg.ExternalIP }

// UDPAddr is the bound UDP (and TCP) address.
func (s *Server) UDPAddr() *net.UDPAddr { return s.udp[0].LocalAddr().(*net.UDPAddr) }

// TCPAddr is the bound TCP address.
func (s *Server) TCPAddr() *net.TCPAddr { return s.tcp.Addr().(*net.TCPAddr) }

// TLSAddr is the bound TLS address, nil without TLSListen.
func (s *Server) TLSAddr() *net.TCPAddr {
	if s.tls == nil {
		return nil
	}
	return s.tls.Addr().(*net.TCPAddr)
}

// URLs are the turn: and turns: URLs clients use to reach this server:
// UDP, TCP and, with TLS, TLS. host names the server in them (the
// certificate's name for turns:); "" uses the external IP.
func (s *Server) URLs(host string) []string {
	ip := s.cfg.ExternalIP.String()
	if host == "" {
		host = ip
	}
	hp := func(h string, port int) string { return net.JoinHostPort(h, strconv.Itoa(port)) }
	urls := []string{
		"turn:" + hp(ip, s.UDPAddr().Port) + "?transport=udp",
		"turn:" + hp(ip, s.TCPAddr().Port) + "?transport=tcp",
	}
	if a := s.TLSAddr(); a != nil {
		urls = append(urls, "turns:"+hp(host, a.Port)+"?transport=tcp")
	}
	return urls
}

// Close stops serving and closes every allocation.
func (s *Server) Close() error {
	err := s.turn.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}
