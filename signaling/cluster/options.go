package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for Options fields left zero.
const (
	DefaultPrefix = "peerline"
	// DefaultHeartbeat is how often a node says it is alive.
	DefaultHeartbeat = 2 * time.Second
	// DefaultLease is how long a node's peers stay listed after its last
	// message: a node killed without a goodbye has its peers reported
	// offline within DefaultLease + DefaultHeartbeat (9 s, the issue asks
	// for 15 s at most).
	DefaultLease = 7 * time.Second
	// DefaultReconnectWait is nats.go's wait between reconnect attempts.
	DefaultReconnectWait = 500 * time.Millisecond
	// DefaultMaxBatchBytes bounds one NATS message of relayed frames,
	// under NATS's default max_payload (1 MiB).
	DefaultMaxBatchBytes = 256 << 10
)

// Options configure a Node. Only URLs is required.
type Options struct {
	// URLs are the NATS servers to join, e.g. nats://10.0.0.1:4222 (more
	// than one: nats.go fails over between them). Required.
	URLs []string
	// NodeID names this node in subjects and metrics: 1 to 64 of
	// [A-Za-z0-9_-], unique in the cluster. Default: the host name and a
	// random suffix (DefaultNodeID).
	NodeID string
	// Prefix is the first token of every subject, so several clusters
	// can share one NATS account. Default DefaultPrefix ("peerline").
	Prefix string
	// NATS are extra nats.go options: credentials (nats.UserCredentials),
	// TLS (nats.RootCAs, nats.ClientCert), and so on. They are applied
	// after the node's own, so they may override them. Default: none.
	NATS []nats.Option
	// Registerer receives the node's metrics (peerline_cluster_*).
	// Default: none kept.
	Registerer prometheus.Registerer
	// Logger receives structured logs. Default slog.Default().
	Logger *slog.Logger
	// Heartbeat is how often the node announces itself. Default
	// DefaultHeartbeat.
	Heartbeat time.Duration
	// Lease is how long another node's peers stay listed without a
	// message from it. Default DefaultLease; at least 2 × Heartbeat.
	Lease time.Duration
	// ReconnectWait is the wait between NATS reconnect attempts. Default
	// DefaultReconnectWait.
	ReconnectWait time.Duration
	// MaxBatchBytes bounds one NATS message of relayed frames. Default
	// DefaultMaxBatchBytes.
	MaxBatchBytes int
}

func (o *Options) withDefaults() (Options, error) {
	out := *o
	if out.NodeID == "" {
		out.NodeID = DefaultNodeID()
	}
	if out.Prefix == "" {
		out.Prefix = DefaultPrefix
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	if out.Heartbeat == 0 {
		out.Heartbeat = DefaultHeartbeat
	}
	if out.Lease == 0 {
		out.Lease = DefaultLease
	}
	if out.ReconnectWait == 0 {
		out.ReconnectWait = DefaultReconnectWait
	}
	if out.MaxBatchBytes == 0 {
		out.MaxBatchBytes = DefaultMaxBatchBytes
	}
	return out, out.validate()
}

func (o *Options) validate() error {
	switch {
	case len(o.URLs) == 0:
		return fmt.Errorf("cluster: options: %w", ErrNoURLs)
	case !validNodeID(o.NodeID):
		return fmt.Errorf("cluster: options: node id %q: %w", o.NodeID, ErrBadNodeID)
	case !validSubjectPrefix(o.Prefix):
		return fmt.Errorf("cluster: options: prefix %q: tokens of [A-Za-z0-9_-] separated by dots", o.Prefix)
	case o.Heartbeat < 0 || o.Lease < 2*o.Heartbeat:
		return fmt.Errorf("cluster: options: lease %s must be at least twice the heartbeat %s", o.Lease, o.Heartbeat)
	case o.MaxBatchBytes < 70<<10:
		return fmt.Errorf("cluster: options: MaxBatchBytes %d: at least 70 KiB (one frame of 64 KiB and its record)", o.MaxBatchBytes)
	}
	return nil
}

func validSubjectPrefix(p string) bool {
	for _, tok := range strings.Split(p, ".") {
		if !validNodeID(tok) {
			return false
		}
	}
	return true
}

// DefaultNodeID returns the host name (cut to what a node id allows) and
// a random suffix: unique per process, readable in metrics and logs.
func DefaultNodeID() string {
	host, _ := os.Hostname()
	var b strings.Builder
	for i := 0; i < len(host) && b.Len() < 40; i++ {
		c := host[i]
		if validNodeID(string(c)) {
			b.WriteByte(c)
		} else if c == '.' {
			break // the short host name
		}
	}
	if b.Len() == 0 {
		b.WriteString("node")
	}
	var r [3]byte
	rand.Read(r[:])
	return b.String() + "-" + hex.EncodeToString(r[:])
}
