package turnserver

import "github.com/prometheus/client_golang/prometheus"

// metrics are the relay's Prometheus series.
type metrics struct {
	allocations  prometheus.Gauge
	relayedBytes *prometheus.CounterVec
	toPeer       prometheus.Counter // relayedBytes' series, looked up once
	fromPeer     prometheus.Counter
	authFails    prometheus.Counter
	refused      *prometheus.CounterVec
	dropped      prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		allocations: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "peerline_turn_allocations",
			Help: "TURN allocations (relay sockets) now open.",
		}),
		relayedBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "peerline_turn_relayed_bytes_total",
			Help: "Bytes relayed: to_peer from clients out of relay sockets, from_peer into them.",
		}, []string{"direction"}),
		authFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_turn_auth_failures_total",
			Help: "TURN requests refused for expired, malformed or forged credentials.",
		}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "peerline_turn_refused_total",
			Help: "TURN requests refused by a rule, by reason.",
		}, []string{"reason"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_turn_dropped_packets_total",
			Help: "Relayed packets dropped over an allocation's bandwidth.",
		}),
	}
	m.toPeer = m.relayedBytes.WithLabelValues(dirToPeer)
	m.fromPeer = m.relayedBytes.WithLabelValues(dirFromPeer)
	for _, r := range []string{reasonUserQuota, reasonTotalQuota, reasonPeer, reasonTransport} {
		m.refused.WithLabelValues(r)
	}
	return m
}

func (m *metrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.allocations, m.relayedBytes, m.authFails, m.refused, m.dropped}
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range m.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	for _, c := range m.collectors() {
		c.Collect(ch)
	}
}

const (
	dirToPeer   = "to_peer"
	dirFromPeer = "from_peer"

	reasonUserQuota  = "user_quota"
	reasonTotalQuota = "total_quota"
	reasonPeer       = "peer_address"
	reasonTransport  = "tcp_allocation"
)
