// Chat inside a call: messages both ways over the call's own data channel,
// each shown once on each side and named (data-from) by its sender's peer
// id; the unread count on the closed panel; the chat kept with the call
// in both histories.

import assert from 'node:assert/strict'
import { answer, hangup, ring } from './lib/flows.js'
import { scenario } from './lib/world.js'

const message = (ui, from, text) => ui.page.locator(`[data-testid="chat-message"][data-from="${from}"]`, { hasText: text })

scenario('chat in a call: both ways, named by sender, unread count while closed', async (w, t) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
  await ring(a, b)
  await answer(a, b)

  await a.tid('chat-open').click()
  const sent = Date.now()
  await a.tid('chat-input').fill('Hello Grace, the deck is coming')
  await a.tid('chat-send').click()
  await message(a, a.id, 'the deck is coming').waitFor({ timeout: 5_000 })
  // B has the panel closed: the button counts the message.
  await b.page.locator('[data-testid="chat-open"][data-unread="1"]').waitFor({ timeout: 5_000 })
  t.diagnostic(`A → B: the unread count showed ${Date.now() - sent} ms after Send`)
  await b.tid('chat-open').click()
  await message(b, a.id, 'the deck is coming').waitFor({ timeout: 5_000 })
  await b.page.locator('[data-testid="chat-open"][data-unread="0"]').waitFor({ timeout: 5_000 })

  // B answers with Enter.
  await b.tid('chat-input').fill('Thanks Ada!')
  await b.tid('chat-input').press('Enter')
  await message(a, b.id, 'Thanks Ada!').waitFor({ timeout: 5_000 })

  for (const u of [a, b]) {
    const from = await u.page.locator('[data-testid="chat-message"]').evaluateAll((els) => els.map((e) => e.dataset.from))
    assert.deepEqual(from, [a.id, b.id], `${u.label}: each message once, in order, named by its sender`)
  }
  // Empty text is not sent.
  await a.tid('chat-input').fill('   ')
  assert.equal(await a.tid('chat-send').isDisabled(), true)

  // The chat is kept with the call in each side's history.
  await hangup(a, b)
  for (const u of [a, b]) {
    await u.show('history')
    await u.tid('history-entry').first().waitFor({ timeout: 5_000 })
    await u.tid('history-chat').first().click()
    await u.tid('history-message').nth(1).waitFor({ timeout: 5_000 })
    const kept = await u.tid('history-message').evaluateAll((els) => els.map((e) => [e.dataset.from, e.textContent.trim()]))
    assert.deepEqual(kept.map(([f]) => f), [a.id, b.id], `${u.label}: both messages in the history, named by sender`)
    assert.match(kept[1][1], /Thanks Ada!/)
  }
})
