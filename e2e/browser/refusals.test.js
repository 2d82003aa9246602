// Calls that do not happen: declined, cancelled while ringing, not
// answered (a short --ring-timeout), and a busy callee.

import assert from 'node:assert/strict'
import { answer, framesBothWays, hangup, historyHas, ring } from './lib/flows.js'
import { scenario } from './lib/world.js'

scenario('decline: the caller is told, both calls end declined', async (w) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
  await ring(a, b)
  await b.tid('decline').click()
  await Promise.all([a.waitState('ended'), b.waitState('ended')])
  await b.tid('incoming-call').waitFor({ state: 'detached', timeout: 5_000 })
  const msg = await a.waitError(/declined/i)
  assert.match(msg, /Grace Hopper/, `the caller's message names who declined: ${msg}`)
  assert.equal(await b.errorText(), null, 'the person who declined sees no error')
  await a.tid('cancel').waitFor({ state: 'detached', timeout: 5_000 })
  assert.equal(await historyHas(a, 'declined'), 1)
  assert.equal(await historyHas(b, 'declined'), 1)
})

scenario('cancel while ringing: the callee stops ringing, caller cancelled, callee missed', async (w) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
  await ring(a, b)
  // The caller's screen while it rings: a cancel button, no hang-up.
  assert.equal(await a.tid('hangup').count(), 0)
  await a.tid('cancel').click()
  await Promise.all([a.waitState('ended'), b.waitState('ended')])
  await b.tid('incoming-call').waitFor({ state: 'detached', timeout: 5_000 })
  await a.tid('cancel').waitFor({ state: 'detached', timeout: 5_000 })
  assert.equal(await a.errorText(), null, 'cancelling is not an error')
  assert.equal(await historyHas(a, 'cancelled'), 1)
  assert.equal(await historyHas(b, 'missed'), 1)
})

scenario('no answer: the call rings for --ring-timeout, then the caller is told', async (w, t) => {
  const ringTimeout = 3_000
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper', ringTimeout: `${ringTimeout / 1000}s` })
  // Timed from before the click: the callee's ring timer starts after it,
  // so click → ended can never be shorter than the ring timeout, however
  // late a loaded machine shows the ring.
  const clicked = Date.now()
  await ring(a, b)
  await b.tid('incoming-call').waitFor({ state: 'detached', timeout: ringTimeout + 5_000 })
  await Promise.all([a.waitState('ended'), b.waitState('ended')])
  const took = Date.now() - clicked
  t.diagnostic(`click → ended ${took} ms with --ring-timeout ${ringTimeout / 1000}s`)
  assert.ok(took >= ringTimeout, `ended ${took} ms after the click, before the ring timeout`)
  await a.waitError(/didn.t answer|no answer/i)
  assert.equal(await historyHas(a, 'no_answer'), 1)
  assert.equal(await historyHas(b, 'missed'), 1)
})

scenario('busy: a third caller is told the callee is busy; the call in progress goes on', async (w) => {
  const [a, b, c] = await w.lanGroup(3, [{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }, { name: 'Katherine Johnson' }])
  await ring(a, b)
  await answer(a, b)
  await framesBothWays(a, b)

  b.mark()
  c.mark()
  await c.call(b.id, true)
  await c.waitState('ended')
  const msg = await c.waitError(/busy/i)
  assert.match(msg, /Grace Hopper/, msg)
  // B never rang for C, and A and B are still talking.
  assert.equal(await b.tid('incoming-call').count(), 0, 'B rang for a second call during a call')
  assert.deepEqual(await b.states(), [], `B's call state moved during C's attempt: ${JSON.stringify(await b.states())}`)
  assert.equal(await b.state(), 'connected')
  assert.equal(await a.state(), 'connected')
  await framesBothWays(a, b)
  assert.equal(await historyHas(c, 'busy'), 1)
  await hangup(a, b)
})
