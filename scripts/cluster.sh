#!/usr/bin/env bash
# A local peerline-signal cluster in one command (make cluster): builds
# nats-server from its Go module (the version pinned in go.mod, from the
# module cache or the Go proxy: nothing from anywhere else) and
# peerline-signal, starts nats-server and three nodes on loopback, prints
# their URLs, and stops everything on Ctrl-C.
#
# Environment:
#   GO            the go command (default: go)
#   NATS_PORT     nats-server's client port (default: 14222)
#   NODE_PORTS    the three nodes' ports (default: "18441 18442 18443")
#   CLUSTER_DIR   binaries and logs (default: build/cluster)
#   SIGNAL_FLAGS  extra peerline-signal flags for every node
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
NATS_PORT=${NATS_PORT:-14222}
read -r -a ports <<<"${NODE_PORTS:-18441 18442 18443}"
dir=${CLUSTER_DIR:-build/cluster}
mkdir -p "$dir"

echo "cluster: building nats-server and peerline-signal into $dir/"
"$GO" build -o "$dir/nats-server" github.com/nats-io/nats-server/v2
"$GO" build -o "$dir/peerline-signal" ./signaling/cmd/peerline-signal

pids=()
stop() {
	trap - INT TERM EXIT
	echo
	echo "cluster: stopping"
	# Nodes first (each says goodbye on NATS), then nats-server.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
}
trap stop EXIT
trap 'stop; exit 0' INT TERM

# wait_http URL: until it answers 200, or fail after 15 s.
wait_http() {
	for _ in $(seq 150); do
		if curl -fsS -o /dev/null "$1" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "cluster: $1 not ready after 15 s (logs in $dir/)" >&2
	return 1
}

"$dir/nats-server" -a 127.0.0.1 -p "$NATS_PORT" >"$dir/nats.log" 2>&1 &
nats_pid=$!
pids+=("$nats_pid")
for _ in $(seq 150); do
	if (exec 3<>"/dev/tcp/127.0.0.1/$NATS_PORT") 2>/dev/null; then
		break
	fi
	if ! kill -0 "$nats_pid" 2>/dev/null; then
		echo "cluster: nats-server exited:" >&2
		cat "$dir/nats.log" >&2
		exit 1
	fi
	sleep 0.1
done

for i in 0 1 2; do
	n=$((i + 1))
	# shellcheck disable=SC2086 # SIGNAL_FLAGS is a list of flags
	"$dir/peerline-signal" --listen "127.0.0.1:${ports[i]}" --nats "nats://127.0.0.1:$NATS_PORT" \
		--node-id "n$n" --public-url "ws://127.0.0.1:${ports[i]}/v1/signal" ${SIGNAL_FLAGS:-} >"$dir/n$n.log" 2>&1 &
	pids+=($!)
done
for i in 0 1 2; do
	wait_http "http://127.0.0.1:${ports[i]}/healthz"
done

cat <<EOF

cluster: nats-server nats://127.0.0.1:$NATS_PORT and three peerline-signal nodes, all on loopback
EOF
for i in 0 1 2; do
	p=${ports[i]}
	echo "  n$((i + 1))  app: ws://127.0.0.1:$p/v1/signal   health: http://127.0.0.1:$p/healthz   metrics: http://127.0.0.1:$p/metrics"
done
cat <<EOF

Point two apps at different nodes, e.g.:
  peerline --signal-url ws://127.0.0.1:${ports[0]}/v1/signal   and   peerline --signal-url ws://127.0.0.1:${ports[2]}/v1/signal
Logs: $dir/{nats,n1,n2,n3}.log. Ctrl-C stops them all.
EOF

# Until Ctrl-C, or until any of them exits.
wait -n "${pids[@]}" || true
echo "cluster: a process exited; see $dir/*.log" >&2
