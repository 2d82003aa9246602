// The PeerJS signaling server (npm package "peer") as bench/signal runs it:
// `node server.js --port PORT` listens on 127.0.0.1 only.
//
// Settings differ from PeerServer's defaults only where a default would cap
// the benchmark, so PeerJS is not held back by limits Peerline does not
// have in the same run:
//   concurrent_limit 5000 -> 1000000 (the idle test opens thousands);
//   alive_timeout 90 s (default; every run is shorter, so no client is
//     dropped for missing HEARTBEATs).
// PeerJS has no rate limit, and its WebSocket library (ws) accepts frames up
// to 100 MiB; both are left as they are.
"use strict";

const { PeerServer } = require("peer");

function arg(name, def) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

const port = Number(arg("--port", "9000"));
const host = arg("--host", "127.0.0.1");

const server = PeerServer(
  {
    host,
    port,
    path: "/",
    key: "peerjs",
    concurrent_limit: 1000000,
    alive_timeout: 90000,
    allow_discovery: false,
  },
  () => {
    console.log(`peerjs: listening on ${host}:${port}`);
  },
);

server.on("error", (err) => {
  console.error("peerjs:", err && err.message);
});

for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => process.exit(0));
}
