package cluster

import "github.com/prometheus/client_golang/prometheus"

// metrics are the node's Prometheus series (peerline_cluster_*), on the
// registry of Options.Registerer, labelled with nothing: one process is
// one node, and the scrape target names it (node id in the info series).
type metrics struct {
	relayedOut   prometheus.Counter
	relayedIn    prometheus.Counter
	publishes    prometheus.Counter
	undelivered  *prometheus.CounterVec
	presenceOut  *prometheus.CounterVec
	presenceIn   *prometheus.CounterVec
	reconnects   prometheus.Counter
	disconnects  prometheus.Counter
	connected    prometheus.Gauge
	nodes        prometheus.Gauge
	remotePeers  prometheus.Gauge
	expiredNodes prometheus.Counter
	replaced     prometheus.Counter
	badMessages  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, nodeID string) *metrics {
	m := &metrics{
		relayedOut: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_cluster_relayed_out_total",
			Help: "Messages relayed to peers on other nodes.",
		}),
		relayedIn: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_cluster_relayed_in_total",
			Help: "Messages from other nodes delivered to peers here.",
		}),
		publishes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_cluster_relay_publishes_total",
			Help: "NATS messages carrying relayed frames (several frames coalesce into one).",
		}),
		undelivered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "peerline_cluster_undelivered_total",
			Help: "Messages from other nodes not delivered, by reason (gone: the peer left; not_reading: its queue was full; publish: NATS refused the batch).",
		}, []string{"reason"}),
		presenceOut: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "peerline_cluster_presence_sent_total",
			Help: "Presence sync messages published, by kind (hello, snapshot, delta, beat, bye, want).",
		}, []string{"kind"}),
		presenceIn: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "peerline_cluster_presence_received_total",
			Help: "Presence sync messages received from other nodes, by kind.",
		}, []string{"kind"}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_cluster_nats_reconnects_total",
			Help: "Times the NATS connection was re-established.",
		}),
		disconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_cluster_nats_disconnects_total",
			Help: "Times the NATS connection was lost.",
		}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "peerline_cluster_nats_connected",
			Help: "1 while the node has a NATS connection (else /healthz is 503).",
		}),
		nodes: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "peerline_cluster_nodes",
			Help: "Other nodes heard from within the lease.",
		}),
		remotePeers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "peerline_cluster_remote_peers",
			Help: "Peers connected on other nodes, as this node knows them.",
		}),
		expiredNodes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_cluster_nodes_expired_total",
			Help: "Nodes dropped because their lease ran out (killed, or cut off from NATS).",
		}),
		replaced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_cluster_replaced_total",
			Help: "Local connections closed because the same peer connected later on another node.",
		}),
		badMessages: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "peerline_cluster_bad_messages_total",
			Help: "Malformed messages from NATS, dropped.",
		}),
	}
	info := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "peerline_cluster_node_info",
		Help:        "Always 1; the label names this node.",
		ConstLabels: prometheus.Labels{"node": nodeID},
	})
	info.Set(1)
	for _, r := range []string{"gone", "not_reading", "publish"} {
		m.undelivered.WithLabelValues(r)
	}
	for k := kindHello; k <= kindWant; k++ {
		m.presenceOut.WithLabelValues(k.String())
		m.presenceIn.WithLabelValues(k.String())
	}
	if reg != nil {
		reg.MustRegister(m.relayedOut, m.relayedIn, m.publishes, m.undelivered, m.presenceOut, m.presenceIn,
			m.reconnects, m.disconnects, m.connected, m.nodes, m.remotePeers, m.expiredNodes, m.replaced, m.badMessages, info)
	}
	return m
}
