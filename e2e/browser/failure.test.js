// The callee's app dies mid-call (kill -9 of peerline and of the browser
// window it runs its call in, as when the machine or the app crashes):
// the caller's UI shows reconnecting, then the call ends with an error,
// within a bounded time.

import assert from 'node:assert/strict'
import { answer, closedClean, framesBothWays, ring } from './lib/flows.js'
import { scenario } from './lib/world.js'

/** Peer connection gives up 30 s after it broke (lib/call/README.md), plus detection and slack. */
const endBoundMs = 45_000

scenario('callee killed mid-call: the caller sees reconnecting, then the call ends with an error', async (w, t) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
  await ring(a, b)
  await answer(a, b)
  await framesBothWays(a, b)

  a.mark()
  const killed = Date.now()
  await b.instance.kill9()
  b.instance.ns.killAll() // the callee's Chromium: its call window dies with it

  const reconnecting = await a.waitState('reconnecting', 20_000)
  await a.page.getByText('Reconnecting…').first().waitFor({ timeout: 5_000 })
  const ended = await a.waitState('ended', endBoundMs)
  const msg = await a.waitError(/dropped|lost|connect/i)
  t.diagnostic(`kill -9 → reconnecting after ${Math.round(reconnecting - killed)} ms → ended after ${Math.round(ended - killed)} ms: "${msg}"`)
  assert.ok(ended - killed <= endBoundMs, `ended ${ended - killed} ms after the kill`)
  assert.deepEqual(
    (await a.states()).filter((s) => s !== 'connected'),
    ['reconnecting', 'ended'],
    'the caller goes reconnecting → ended',
  )
  await closedClean(a)
  // The lost call is in A's history (its outcome is the app's choice; shown in the log).
  await a.show('history')
  const entry = a.page.locator('[data-testid="history-entry"]')
  await entry.first().waitFor({ timeout: 5_000 })
  assert.equal(await entry.count(), 1)
  t.diagnostic(`A's history entry for the lost call: outcome ${await entry.getAttribute('data-outcome')}`)
}, { timeout: 180_000 })
