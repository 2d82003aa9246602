package server

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/peerline/peerline/signaling"
)

// metrics are the server's Prometheus series, on the server's own registry
// (no globals, so several servers can live in one process).
type metrics struct {
	connections prometheus.Gauge
	relayed     prometheus.Counter
	errors      *prometheus.CounterVec
	authFails   prometheus.Counter
	rejected    *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "peerline_signal_connections",
			Help: "Authenticated WebSocket connections now open.",
		}),
		relayed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_signal_messages_relayed_total",
			Help: "Messages relayed from one peer to another.",
		}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "peerline_signal_errors_total",
			Help: "Error messages sent to clients, by code.",
		}, []string{"code"}),
		authFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_signal_auth_failures_total",
			Help: "Handshakes refused (bad signature, token, timestamp, nonce, or timeout).",
		}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "peerline_signal_connections_rejected_total",
			Help: "HTTP upgrade requests refused before the handshake, by reason.",
		}, []string{"reason"}),
	}
	reg.MustRegister(m.connections, m.relayed, m.errors, m.authFails, m.rejected)
	// Pre-create every code's series so dashboards see zeros, not gaps.
	for c := signaling.CodeBadJSON; c <= signaling.CodeInternal; c++ {
		m.errors.WithLabelValues(c.String())
	}
	for _, r := range []string{"too_many_connections", "origin", "upgrade", "shutting_down"} {
		m.rejected.WithLabelValues(r)
	}
	return m
}
