// Five calls in a row between the same two people, each direction in
// turn, hung up by either side: every call decodes frames both ways and
// ends clean, so the next one starts from nothing (no leftover tracks,
// peer connections or state).

import assert from 'node:assert/strict'
import { answer, framesBothWays, hangup, historyHas, ring } from './lib/flows.js'
import { scenario } from './lib/world.js'

scenario('five calls in a row, alternating caller and hanger', async (w, t) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
  const times = []
  for (let i = 0; i < 5; i++) {
    const [caller, callee] = i % 2 === 0 ? [a, b] : [b, a]
    const hanger = i % 3 === 0 ? callee : caller
    caller.mark()
    callee.mark()
    await ring(caller, callee)
    const clicked = await answer(caller, callee)
    await framesBothWays(caller, callee)
    times.push(Date.now() - clicked)
    // One peer connection per call on each side, and only the newest open.
    for (const u of [a, b]) {
      const pcs = await u.page.evaluate(() => window.__pl.pcs.map((pc) => pc.connectionState))
      assert.equal(pcs.length, i + 1, `${u.label}: ${pcs.length} peer connections after ${i + 1} calls`)
      assert.deepEqual(pcs.slice(0, -1).filter((s) => s !== 'closed'), [], `${u.label}: an earlier call's peer connection is still open: ${JSON.stringify(pcs)}`)
    }
    await hangup(hanger, hanger === caller ? callee : caller)
  }
  t.diagnostic(`accept → frames both ways (10 frames past the first), per call: ${times.join(', ')} ms`)
  assert.equal(await historyHas(a, 'completed', 5), 5)
  assert.equal(await historyHas(b, 'completed', 5), 5)
}, { timeout: 180_000 })
