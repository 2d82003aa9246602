// Strangers: anyone can be blocked, from the incoming-call screen or from
// their page; a blocked caller never rings again (no card, no state change
// on the callee), the caller only hears that the callee is unavailable,
// and the blocked list in Settings unblocks.

import assert from 'node:assert/strict'
import { ring } from './lib/flows.js'
import { scenario } from './lib/world.js'

/**
 * Blocked caller a calls b: b's app does not ring, its call state does not
 * move, and a hears "unavailable" (as if b were offline).
 */
async function callsBlocked(a, b) {
  b.mark()
  await a.call(b.id, true)
  await a.waitState('ended')
  await a.waitError(/can.t take calls|not available/i)
  assert.equal(await b.tid('incoming-call').count(), 0, 'a blocked stranger rang')
  assert.deepEqual(await b.states(), [], `the callee's call state moved: ${JSON.stringify(await b.states())}`)
}

scenario('block a stranger from the incoming-call screen: it never rings again', async (w) => {
  const [a, b] = await w.lanPair({ name: 'Mallory Stranger' }, { name: 'Grace Hopper' })
  // Mallory is nobody's contact: a stranger on Grace's network.
  assert.deepEqual(await b.api('Contacts.List'), [])
  await ring(a, b)
  await b.tid('incoming-call').getByTestId('block').click()
  await Promise.all([a.waitState('ended'), b.waitState('ended')])
  await b.tid('incoming-call').waitFor({ state: 'detached', timeout: 5_000 })
  // This once the caller hears a decline, like any decline: blocking is not revealed.
  await a.waitError(/declined/i)

  const blocked = await b.api('Contacts.Blocked')
  assert.equal(blocked.length, 1, `blocked list ${JSON.stringify(blocked)}`)
  assert.equal(blocked[0].id, a.id)
  assert.equal(blocked[0].name, 'Mallory Stranger')
  assert.deepEqual(await b.api('Contacts.List'), [], 'blocking did not make the stranger a contact')

  // Mallory calls again: Grace's app does not ring.
  await callsBlocked(a, b)

  // Settings lists the stranger; Unblock takes it off.
  await b.show('settings')
  const row = b.page.locator(`[data-testid="blocked-person"][data-peer-id="${a.id}"]`)
  await row.waitFor({ timeout: 5_000 })
  assert.match(await row.innerText(), /Mallory Stranger/)
  await row.getByTestId('unblock').click()
  await row.waitFor({ state: 'detached', timeout: 5_000 })
  assert.deepEqual(await b.api('Contacts.Blocked'), [])
})

scenario("block a stranger from the person's page: it never rings", async (w) => {
  const [a, b] = await w.lanPair({ name: 'Mallory Stranger' }, { name: 'Grace Hopper' })
  assert.deepEqual(await b.api('Contacts.List'), [])
  // Mallory is on Grace's network, not a contact: Grace opens her page and blocks her.
  await b.peer(a.id).locator('button.main').click()
  const page = b.page.locator('article.person')
  await b.page.getByRole('heading', { level: 1, name: /Mallory Stranger/ }).waitFor({ timeout: 5_000 })
  await page.getByTestId('block').click()
  await page.getByText('Blocked', { exact: true }).waitFor({ timeout: 5_000 })

  const blocked = await b.api('Contacts.Blocked')
  assert.equal(blocked.length, 1, `blocked list ${JSON.stringify(blocked)}`)
  assert.equal(blocked[0].id, a.id)
  assert.deepEqual(await b.api('Contacts.List'), [], 'blocking did not make the stranger a contact')

  await callsBlocked(a, b)
})
