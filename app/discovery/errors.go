package discovery

import "errors"

// ErrBadConfig means a Config field is invalid: a missing peer id or hub
// port, a negative duration, or durations that contradict each other. The
// wrapping message names the field.
var ErrBadConfig = errors.New("bad config")

// ErrRunning means Run was called while it is running or after it
// returned: an MDNS runs once.
var ErrRunning = errors.New("already run")

// ErrNoInterface means no network interface is up and multicast-capable
// (or none of those named in Config.Interfaces and Config.Subnets), so
// nothing can be advertised or browsed. Diagnose reports it; Run keeps
// watching for one to appear.
var ErrNoInterface = errors.New("no multicast-capable interface is up")

// ErrAdvertise means registering the mDNS service failed. Diagnose
// reports it with the cause.
var ErrAdvertise = errors.New("advertise failed")

// ErrBrowse means starting an mDNS browse failed. Diagnose reports it with
// the cause.
var ErrBrowse = errors.New("browse failed")

// ErrBadTXT means a discovered service's TXT record is not a Peerline
// one: a missing or malformed id, name or version. Such services are
// ignored.
var ErrBadTXT = errors.New("bad TXT record")

// ErrBadAddr means an address given for a static peer is unusable: not
// an IP and port, port 0, or an IPv6 link-local address with no zone.
var ErrBadAddr = errors.New("bad peer address")

// ErrProbeRefused means a hub probe was actively turned down: the
// connection was refused or reset, or /healthz answered with a status
// other than 200 (a hub that is shutting down answers 503). The peer is
// offline at once.
var ErrProbeRefused = errors.New("hub refused the probe")

// ErrProbeNoAnswer means a hub probe got no answer within
// Config.ProbeTimeout (or the network reported the host unreachable).
// Such failures count towards Config.OfflineAfter.
var ErrProbeNoAnswer = errors.New("hub did not answer the probe")

// ErrUnknownName means a string is not the wire name of any value of an
// enum (ParseEventKind, ParseReason).
var ErrUnknownName = errors.New("unknown name")
