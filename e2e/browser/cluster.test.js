// A video call between two apps on different nodes of a peerline-signal
// cluster (issue 14): a real nats-server and three peerline-signal --nats
// nodes on a third machine of the LAN; A knows only node 1, B only node 3,
// discovery is off, so every signaling message crosses NATS. Then B's node
// is killed with SIGKILL mid-call: the call goes on (media is peer to
// peer), A sees B offline within 15 s (the dead node's lease), and once
// the node is back on its address and B's app has reconnected to it, A
// sees B online again within 5 s; the call is hung up across the nodes.

import assert from 'node:assert/strict'
import { answer, framesBothWays, hangup, historyHas, ring, sameSafetyCode } from './lib/flows.js'
import { scenario } from './lib/world.js'

/** Waits until ui's row of peer id says online (the row may sit under the call screen: attached, not visible). */
async function waitOnline(ui, id, online, timeout) {
  await ui.page.locator(`[data-testid="peer"][data-peer-id="${id}"][data-online="${online}"]`).waitFor({ state: 'attached', timeout })
}

scenario('video call across a peerline-signal cluster; a node killed mid-call', async (w, t) => {
  const lan = w.lan(3)
  const [hostA, hostB, hostS] = lan.hosts
  const nats = await w.nats(hostS, hostS.addr, 4222)
  const nodes = []
  for (const id of ['n1', 'n2', 'n3']) {
    nodes.push(await w.signal(hostS, `${hostS.addr}:0`, ['--nats', nats.url, '--node-id', id]))
  }
  // Every node hears the two others before any app comes.
  await Promise.all(nodes.map((n) => n.waitMetric('peerline_cluster_nodes', (v) => v === 2, '2 other nodes')))
  const [n1, n2, n3] = nodes

  const pa = await w.peerline(hostA, 'A', { noDiscovery: true, signalURL: n1.url, name: 'Ada Lovelace' })
  const pb = await w.peerline(hostB, 'B', { noDiscovery: true, signalURL: n3.url, name: 'Grace Hopper' })
  const [a, b] = await Promise.all([w.ui(pa), w.ui(pb)])
  // Each knows the other at its own node: one server per app.
  await a.api('Contacts.Add', { id: b.id, name: 'Grace Hopper', server: n1.url })
  await b.api('Contacts.Add', { id: a.id, name: 'Ada Lovelace', server: n3.url })
  await Promise.all([a.waitPeer(b.id, true), b.waitPeer(a.id, true)])
  assert.deepEqual(nodes.map((n) => n.metrics().peerline_signal_connections ?? 0), [1, 0, 1], 'A on n1, B on n3, nobody on n2')

  const out = (n) => n.metrics().peerline_cluster_relayed_out_total ?? 0
  const out1 = out(n1)
  const out3 = out(n3)
  await ring(a, b)
  await answer(a, b)
  const [va, vb] = await framesBothWays(a, b)
  await sameSafetyCode(a, b)
  const [ab, ba] = [out(n1) - out1, out(n3) - out3]
  t.diagnostic(`the call set-up crossed NATS: ${ab} messages n1 → n3, ${ba} n3 → n1; video ${va.width}x${va.height} at A, ${vb.width}x${vb.height} at B`)
  assert.ok(ab >= 1 && ba >= 1, `messages relayed between the nodes: ${ab} from n1, ${ba} from n3: did the call cross NATS both ways?`)

  // B's node dies without a goodbye.
  const killed = Date.now()
  await n3.kill9()
  await waitOnline(a, b.id, false, 15_000).catch(() => assert.fail(`A still shows B online ${Date.now() - killed} ms after B's node was killed (want offline within 15 s)`))
  const offlineAfter = Date.now() - killed
  // The call does not need signaling: both still decode the other's video.
  await framesBothWays(a, b)
  assert.equal(await a.tid('call-state').textContent(), 'connected', 'A: the call is still connected without B\'s node')
  assert.equal(await b.tid('call-state').textContent(), 'connected', 'B: the call is still connected without its node')

  // The node comes back on its address; B's app (it knows no other)
  // reconnects on its own back-off, then A sees B online again.
  await n3.start(n3.addr)
  await n3.waitMetric('peerline_signal_connections', (v) => v >= 1, "B's app reconnected", 40_000)
  const reconnected = Date.now()
  await waitOnline(a, b.id, true, 5_000).catch(() => assert.fail(`A does not show B online ${Date.now() - reconnected} ms after B reconnected to its restarted node (want within 5 s)`))
  const onlineAfter = Date.now() - reconnected
  await waitOnline(b, a.id, true, 5_000)
  t.diagnostic(`B offline at A ${offlineAfter} ms after its node was killed; online again ${onlineAfter} ms after B reconnected (B reconnected ${reconnected - killed} ms after the kill, on its back-off)`)

  // Hang-up crosses the nodes again (B → n3 → NATS → n1 → A).
  await hangup(b, a)
  await historyHas(a, 'completed')
  await historyHas(b, 'completed')
  assert.equal(n2.metrics().peerline_signal_connections ?? 0, 0, 'nobody connected to n2')
}, { timeout: 180_000 })
