// Discovery: two peerline instances on a LAN find each other, and each UI
// lists the other online under its own id and name; when one quits, the
// other's list says so.

import assert from 'node:assert/strict'
import { scenario } from './lib/world.js'

scenario('discovery: each UI lists the other online, then offline when it quits', async (w, t) => {
  const lan = w.lan(2)
  const pa = await w.peerline(lan.hosts[0], 'A', { name: 'Ada Lovelace' })
  const pb = await w.peerline(lan.hosts[1], 'B', { name: 'Grace Hopper' })
  const [a, b] = await Promise.all([w.ui(pa), w.ui(pb)])
  assert.notEqual(a.id, b.id)

  const started = Date.now()
  await Promise.all([a.waitPeer(b.id, true), b.waitPeer(a.id, true)])
  const found = Date.now() - started

  for (const [ui, other] of [
    [a, b],
    [b, a],
  ]) {
    const row = ui.peer(other.id)
    assert.equal(await row.count(), 1, `${ui.label} lists ${other.label} once`)
    assert.match(await row.innerText(), new RegExp(other.name), `${ui.label}'s row for ${other.label} shows the name`)
    assert.equal(await row.getByTestId('call-video').count(), 1)
    assert.equal(await row.getByTestId('call-audio').count(), 1)
    assert.equal(await ui.state(), 'idle')
  }
  t.diagnostic(`both UIs list each other online ${found} ms after the pages loaded`)

  // B quits (closing the app): A's list no longer offers B as online.
  assert.equal(await pb.quit(), 0, 'peerline exits 0 on SIGTERM')
  await a.page
    .waitForFunction((id) => {
      const row = document.querySelector(`[data-testid="peer"][data-peer-id="${id}"]`)
      return !row || row.dataset.online === 'false'
    }, b.id, { timeout: 20_000, polling: 100 })
    .catch(() => assert.fail('A still lists B online 20 s after B quit'))
})
