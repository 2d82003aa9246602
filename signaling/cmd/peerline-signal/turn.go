package main

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/peerline/peerline/signaling/turnserver"
)

// embeddedTURN is the validated configuration of the embedded TURN relay.
type embeddedTURN struct {
	listen           string // "" means off
	tlsListen        string
	externalIP       net.IP
	minPort, maxPort int
	allowPeers       []netip.Prefix
	maxAllocations   int // 0 means no limit
	userAllocations  int // 0 means no limit
	kbps             int // 0 means no limit
	udpSockets       int // 0 means one per CPU
}

// embeddedTURN parses the --turn-* flags of the embedded relay.
func (p *parser) embeddedTURN() embeddedTURN {
	e := embeddedTURN{
		maxAllocations:  p.intRange("turn-max-allocations", 0, math.MaxInt32),
		userAllocations: p.intRange("turn-user-allocations", 0, math.MaxInt32),
		kbps:            p.intRange("turn-allocation-kbps", 0, math.MaxInt32),
		udpSockets:      p.intRange("turn-udp-sockets", 0, 1024),
	}
	if p.get("turn-listen") != "" {
		e.listen = p.listenAddr("turn-listen")
	}
	if p.get("turn-tls-listen") != "" {
		e.tlsListen = p.listenAddr("turn-tls-listen")
	}
	if v := p.get("turn-external-ip"); v != "" {
		ip := net.ParseIP(v)
		if ip == nil || ip.IsUnspecified() || ip.IsMulticast() {
			p.fail("turn-external-ip", "want the IP address clients reach, e.g. 203.0.113.7")
		}
		e.externalIP = ip
	}
	if v := p.get("turn-relay-ports"); v != "" {
		a, b, ok := strings.Cut(v, "-")
		lo, err1 := strconv.Atoi(strings.TrimSpace(a))
		hi, err2 := strconv.Atoi(strings.TrimSpace(b))
		if !ok || err1 != nil || err2 != nil || lo < 1 || hi > 65535 || lo > hi {
			p.fail("turn-relay-ports", "want MIN-MAX with 1 <= MIN <= MAX <= 65535, e.g. 49152-65535")
		}
		e.minPort, e.maxPort = lo, hi
	}
	if v := p.get("turn-allow-peers"); v != "" {
		for _, s := range strings.Split(v, ",") {
			pfx, err := netip.ParsePrefix(strings.TrimSpace(s))
			if err != nil {
				p.fail("turn-allow-peers", "%q is not a CIDR, e.g. 10.0.0.0/8", strings.TrimSpace(s))
				break
			}
			e.allowPeers = append(e.allowPeers, pfx.Masked())
		}
	}
	if p.err != nil {
		return e
	}
	if e.listen == "" {
		for _, name := range []string{"turn-tls-listen", "turn-external-ip", "turn-relay-ports", "turn-allow-peers"} {
			if p.get(name) != "" {
				p.err = fmt.Errorf("%s needs --turn-listen (the embedded TURN server)", p.source[name])
				return e
			}
		}
		return e
	}
	if e.externalIP == nil {
		host, _, _ := net.SplitHostPort(e.listen)
		if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
			p.err = fmt.Errorf("%s %q has no specific IP: set --turn-external-ip to the address clients reach", p.source["turn-listen"], e.listen)
		}
	}
	return e
}

// startTURN starts the embedded relay. Without --turn it makes o hand out
// the relay's own URLs; without a secret it generates one (never logged),
// which the credentials the server issues are then signed with.
func startTURN(o *options, logger *slog.Logger) (*turnserver.Server, error) {
	e := o.embedded
	generated := false
	if o.turnSecret == "" {
		var b [32]byte
		rand.Read(b[:])
		o.turnSecret = secret(base64.RawURLEncoding.EncodeToString(b[:]))
		generated = true
	}
	cfg := turnserver.Config{
		Listen:                  e.listen,
		TLSListen:               e.tlsListen,
		ExternalIP:              e.externalIP,
		MinPort:                 e.minPort,
		MaxPort:                 e.maxPort,
		Secret:                  string(o.turnSecret),
		AllowPeers:              e.allowPeers,
		MaxAllocations:          noLimit(e.maxAllocations),
		MaxAllocationsPerUser:   noLimit(e.userAllocations),
		AllocationBitsPerSecond: int64(noLimit(e.kbps)) * 1000,
		UDPSockets:              e.udpSockets,
		Logger:                  logger,
	}
	if e.tlsListen != "" {
		cfg.TLS = turnTLSConfig(o.certs, logger)
	}
	relay, err := turnserver.New(cfg)
	if err != nil {
		return nil, err
	}
	tuneGCForRelay(os.Getenv, logger)
	handOut := len(o.turn) == 0
	if handOut {
		host := ""
		if u, err := url.Parse(o.publicURL); err == nil && o.publicURL != "" {
			host = u.Hostname() // the certificate's name, for turns:
		}
		o.turn = relay.URLs(host)
	}
	attrs := []any{"udp", relay.UDPAddr().String(), "tcp", relay.TCPAddr().String(),
		"relay_ip", relay.RelayIP().String(), "secret_generated", generated, "handed_out", handOut}
	if a := relay.TLSAddr(); a != nil {
		attrs = append(attrs, "tls", a.String())
	}
	if e.minPort != 0 {
		attrs = append(attrs, "relay_ports", fmt.Sprintf("%d-%d", e.minPort, e.maxPort))
	}
	logger.Info("embedded TURN listening", attrs...)
	return relay, nil
}

// noLimit maps a flag's 0 ("no limit") onto turnserver's -1; the flag's
// default is already the package default.
func noLimit(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
