package discovery

import (
	"fmt"
	"time"
)

// Reason is the most likely reason why discovery shows nobody, for the UI
// to explain (Diagnosis.Reason).
type Reason uint8

// Reasons, most specific first in the order Diagnose checks them.
const (
	ReasonUnknown Reason = iota
	// ReasonOK: at least one peer is online.
	ReasonOK // "ok"
	// ReasonNotRunning: Run has not started or has returned.
	ReasonNotRunning // "not_running"
	// ReasonNoInterface: no network interface is up and multicast-capable
	// (or none matches Config.Interfaces / Config.Subnets).
	ReasonNoInterface // "no_interface"
	// ReasonAdvertiseFailed: the mDNS service could not be registered;
	// Diagnosis.Err says why.
	ReasonAdvertiseFailed // "advertise_failed"
	// ReasonBrowseFailed: browsing could not start; Diagnosis.Err says
	// why.
	ReasonBrowseFailed // "browse_failed"
	// ReasonMulticastBlocked: we do not even hear our own announcements,
	// so something on this machine (a firewall dropping UDP 5353, a
	// disabled multicast route) blocks mDNS.
	ReasonMulticastBlocked // "multicast_blocked"
	// ReasonPeersUnreachable: peers announce themselves but their hubs do
	// not answer: a firewall on their side or ours, or addresses on a
	// network we cannot route to. Adding a peer by address will not help
	// either until that is fixed.
	ReasonPeersUnreachable // "peers_unreachable"
	// ReasonNoPeers: mDNS works on this machine but nobody answered: no
	// other Peerline is running here, or the network isolates clients
	// (Wi-Fi AP/client isolation) or drops multicast. Adding a peer by
	// address works in the latter case.
	ReasonNoPeers // "no_peers"
)

var reasonNames = [...]string{
	ReasonUnknown:          "unknown",
	ReasonOK:               "ok",
	ReasonNotRunning:       "not_running",
	ReasonNoInterface:      "no_interface",
	ReasonAdvertiseFailed:  "advertise_failed",
	ReasonBrowseFailed:     "browse_failed",
	ReasonMulticastBlocked: "multicast_blocked",
	ReasonPeersUnreachable: "peers_unreachable",
	ReasonNoPeers:          "no_peers",
}

// String returns the wire name.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", uint8(r))
}

// ParseReason returns the reason whose wire name is s.
func ParseReason(s string) (Reason, error) {
	for r := ReasonOK; int(r) < len(reasonNames); r++ {
		if reasonNames[r] == s {
			return r, nil
		}
	}
	return ReasonUnknown, fmt.Errorf("discovery: parse reason %.32q: %w", s, ErrUnknownName)
}

// MarshalText implements encoding.TextMarshaler.
func (r Reason) MarshalText() ([]byte, error) {
	if r == ReasonUnknown || int(r) >= len(reasonNames) {
		return nil, fmt.Errorf("discovery: marshal reason %d: %w", uint8(r), ErrUnknownName)
	}
	return []byte(reasonNames[r]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (r *Reason) UnmarshalText(b []byte) error {
	v, err := ParseReason(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// selfSeenGrace is how long after advertising we wait to hear our own
// announcement before blaming local multicast. zeroconf announces within
// 0.5 s of registering and again a second later.
const selfSeenGrace = 3 * time.Second

// Diagnosis says how discovery is doing, so the UI can explain an empty
// peer list.
type Diagnosis struct {
	// Reason is the most likely explanation, ReasonOK when peers are
	// online.
	Reason Reason `json:"reason"`
	// Err is the advertise or browse failure behind Reason, if any.
	Err error `json:"-"`
	// Detail is a one-line English explanation for logs (the UI words its
	// own from Reason).
	Detail string `json:"detail"`
	// Interfaces are the interfaces advertised and browsed on.
	Interfaces []string `json:"interfaces"`
	// Missing are names in Config.Interfaces that are absent, down or not
	// multicast-capable.
	Missing []string `json:"missing,omitempty"`
	// HeardSelf reports that our own announcement came back to us, so
	// multicast works on this machine.
	HeardSelf bool `json:"heardSelf"`
	// Announced counts peers seen over mDNS (online or not).
	Announced int `json:"announced"`
	// Unreachable counts peers announced over mDNS whose hub has not
	// answered.
	Unreachable int `json:"unreachable"`
	// Online counts online peers, static ones included.
	Online int `json:"online"`
}

func (d *Diagnosis) explain() {
	switch d.Reason {
	case ReasonOK:
		d.Detail = fmt.Sprintf("%d peer(s) online", d.Online)
	case ReasonNotRunning:
		d.Detail = "discovery is not running"
	case ReasonNoInterface:
		d.Detail = "no network interface is up and multicast-capable"
		if len(d.Missing) > 0 {
			d.Detail += fmt.Sprintf(" (configured but unusable: %v)", d.Missing)
		}
	case ReasonAdvertiseFailed, ReasonBrowseFailed:
		d.Detail = d.Err.Error()
	case ReasonMulticastBlocked:
		d.Detail = "our own mDNS announcements do not come back: multicast (UDP 5353) seems blocked on this machine"
	case ReasonPeersUnreachable:
		d.Detail = fmt.Sprintf("%d peer(s) announced but their hubs do not answer (firewall or unroutable addresses)", d.Unreachable)
	case ReasonNoPeers:
		d.Detail = "nobody answered: no other Peerline on this network, or it isolates clients or drops multicast; add a peer by address"
	}
}
