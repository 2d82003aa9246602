// Do not disturb (issue 13): Ada turns it on in her window; Grace's call
// to her ends at once and Grace's call-error says Ada is not taking calls
// right now. Ada never rings, her history has the missed call, and once
// she turns it off Grace gets through.

import assert from 'node:assert/strict'
import { historyHas, ring } from './lib/flows.js'
import { scenario } from './lib/world.js'

scenario('do not disturb: the caller is told the callee is not taking calls; the callee has a missed call', async (w) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })

  // Ada: the control, then "Until I turn it off".
  const dnd = a.tid('do-not-disturb')
  assert.equal(await dnd.getAttribute('data-on'), 'false')
  await dnd.click()
  await a.page.getByRole('menuitem', { name: 'Until I turn it off' }).click()
  await a.waitAttr('do-not-disturb', 'data-on', 'true')
  assert.match(await dnd.innerText(), /do not disturb/i)

  a.mark()
  await b.call(a.id, true)
  await b.waitState('ended')
  const msg = await b.waitError(/is not taking calls right now/i)
  assert.match(msg, /Ada Lovelace is not taking calls right now/, msg)
  assert.equal(await b.tid('call-error').getAttribute('data-code'), 'do_not_disturb')

  // Ada's side: no ring at any point, a missed call in history.
  assert.equal(await historyHas(a, 'missed'), 1)
  assert.equal(await a.tid('incoming-call').count(), 0, 'Ada rang with do not disturb on')
  assert.deepEqual(await a.states(), [], `Ada's call state moved: ${JSON.stringify(await a.states())}`)

  // Turned off from the same control: Grace's next call rings.
  await dnd.click()
  await a.page.getByRole('menuitem', { name: 'Turn off do not disturb' }).click()
  await a.waitAttr('do-not-disturb', 'data-on', 'false')
  await ring(b, a)
  await b.tid('cancel').click()
  await Promise.all([a.waitState('ended'), b.waitState('ended')])
})
