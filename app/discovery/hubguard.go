package discovery

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/peerline/peerline/signaling"
	"github.com/peerline/peerline/signaling/identity"
)

// The LAN hub's HTTP rules, against web pages in the user's own browser
// (DNS rebinding: a page on evil.example makes its name resolve to this
// machine, then talks to the hub as if it were same-origin):
//
//   - a request carrying Origin, or any Sec-Fetch-* header, is refused:
//     browsers send them, our Go clients never do;
//   - the Host must be one of this machine's interface addresses (IPv6 in
//     brackets, a zone allowed) or its mDNS host name, with the hub's
//     port: a rebound name is refused;
//   - only the signaling endpoint and /healthz are served: /metrics is not
//     on the LAN hub at all (nobody scrapes a desktop app, and it would
//     tell a neighbour how busy we are).
//
// TLS with a self-signed certificate (server.EphemeralTLS) already makes a
// browser refuse the connection; these rules hold without it.

// HubGuardConfig configures GuardHub.
type HubGuardConfig struct {
	// ID is this peer's id: its mDNS host names are
	// "peerline-<short id>-<8 hex>.local". Required.
	ID identity.PeerID
	// Port is the hub's port. Required.
	Port int
	// LocalAddrs returns this machine's addresses. Default: every
	// interface's (net.InterfaceAddrs), read per request so a new
	// address counts at once.
	LocalAddrs func() []netip.Addr
}

// GuardHub wraps the LAN hub's handler with the rules above.
func GuardHub(next http.Handler, cfg HubGuardConfig) http.Handler {
	if cfg.LocalAddrs == nil {
		cfg.LocalAddrs = interfaceAddrs
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if why := refuseHubRequest(r.Header, r.Host, cfg); why != "" {
			http.Error(w, why, http.StatusForbidden)
			return
		}
		if r.URL.Path != signaling.Path && r.URL.Path != healthPath {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// refuseHubRequest says why a request must be refused, or "".
func refuseHubRequest(h http.Header, host string, cfg HubGuardConfig) string {
	if _, ok := h["Origin"]; ok {
		return "browsers may not reach the LAN hub"
	}
	for k := range h {
		if strings.HasPrefix(k, "Sec-Fetch-") {
			return "browsers may not reach the LAN hub"
		}
	}
	if !hubHostAllowed(host, cfg) {
		return "not this machine's address"
	}
	return ""
}

// hubHostAllowed reports whether a Host header names this machine: one of
// its addresses or its mDNS host name, with the hub's port.
func hubHostAllowed(host string, cfg HubGuardConfig) bool {
	name, port, err := net.SplitHostPort(host)
	if err != nil || port != strconv.Itoa(cfg.Port) {
		return false
	}
	if isOwnMDNSHost(name, cfg.ID) {
		return true
	}
	// A zone arrives escaped in a Host ("fe80::1%25eth0"); it does not
	// change which address this is.
	if i := strings.IndexByte(name, '%'); i >= 0 {
		name = name[:i]
	}
	a, err := netip.ParseAddr(name)
	if err != nil {
		return false
	}
	if a.Is4() && strings.HasPrefix(host, "[") {
		return false // brackets are for IPv6 (SplitHostPort requires them there)
	}
	a = a.Unmap()
	for _, l := range cfg.LocalAddrs() {
		if l.WithZone("").Unmap() == a {
			return true
		}
	}
	return false
}

// isOwnMDNSHost reports whether name is one of the host names advertise
// registers for id (instanceName + ".local").
func isOwnMDNSHost(name string, id identity.PeerID) bool {
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	rest, ok := strings.CutPrefix(name, strings.ToLower("peerline-"+id.Short()+"-"))
	if !ok {
		return false
	}
	hexPart, ok := strings.CutSuffix(rest, ".local")
	if !ok || len(hexPart) != 8 {
		return false
	}
	for _, c := range hexPart {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

func interfaceAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	out := make([]netip.Addr, 0, len(addrs))
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr())
		}
	}
	return out
}
