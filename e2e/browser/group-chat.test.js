// Chat and files in a group call (issue 15): a message goes to everyone on
// each pair's own chat channel and shows once everywhere, named (data-from)
// by its sender; a file goes to each other person as its own transfer; and
// when the first person (the call the group grew from) leaves, the other
// two go on chatting.

import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { answer, ring } from './lib/flows.js'
import { downloadsOf, listDir, transferRow, waitTransfer } from './lib/files.js'
import { addAndAnswer } from './lib/group.js'
import { scenario } from './lib/world.js'

const message = (ui, from, text) => ui.page.locator(`[data-testid="chat-message"][data-from="${from}"]`, { hasText: text })
const senders = (ui) => ui.page.locator('[data-testid="chat-message"]').evaluateAll((els) => els.map((e) => e.dataset.from))

async function say(ui, text) {
  await ui.tid('chat-input').fill(text)
  await ui.tid('chat-send').click()
}

/** Each of uis shows the message once, named by from. */
async function everyoneHas(uis, from, text) {
  for (const u of uis) {
    await message(u, from.id, text).waitFor({ timeout: 10_000 })
    assert.equal(await message(u, from.id, text).count(), 1, `${u.label} shows ${from.label}'s "${text}" once`)
  }
}

const connectedTile = (ui, other) => ui.page.locator(`[data-testid="participant"][data-peer-id="${other.id}"][data-state="connected"]`).waitFor({ timeout: 30_000 })

scenario('group chat: a message reaches everyone once; files go to each; the first person leaves and chat goes on', async (w) => {
  const [a, b, c] = await w.lanGroup(3, [{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }, { name: 'Alan Turing' }])
  await ring(a, b)
  await answer(a, b)
  await addAndAnswer(a, c, [a, b])
  await Promise.all([connectedTile(a, c), connectedTile(b, c), connectedTile(c, a), connectedTile(c, b)])
  for (const u of [a, b, c]) await u.tid('chat-open').click()

  // C (joined last, B's and A's legs only) to both.
  await say(c, 'Hello from Alan')
  await everyoneHas([a, b, c], c, 'Hello from Alan')
  // A to both (B over A's first call, C over the leg).
  await say(a, 'Hello from Ada')
  await everyoneHas([a, b, c], a, 'Hello from Ada')
  // B, the first person, to both.
  await say(b, 'Hello from Grace')
  await everyoneHas([a, b, c], b, 'Hello from Grace')
  for (const u of [a, b, c]) assert.deepEqual(await senders(u), [c.id, a.id, b.id], `${u.label}: three messages, each once, in order`)

  // A file from A: one transfer to each of the others, each saved.
  const notes = join(w.dir, 'notes.txt')
  writeFileSync(notes, 'the agenda, for everyone\n'.repeat(1000))
  await a.tid('send-file').setInputFiles(notes)
  await Promise.all([waitTransfer(transferRow(a, 'out', 0), 'done', 30_000), waitTransfer(transferRow(a, 'out', 1), 'done', 30_000)])
  const outPeers = await a.page.locator('[data-testid="file-transfer"][data-direction="out"]').count()
  assert.equal(outPeers, 2, 'A: one transfer per person')
  for (const u of [b, c]) {
    await waitTransfer(transferRow(u, 'in'), 'done', 30_000)
    assert.deepEqual(listDir(downloadsOf(u)), ['notes.txt'], `${u.label} saved it`)
  }
  // And one from C (over the legs): A and B both receive it.
  const slides = join(w.dir, 'slides.txt')
  writeFileSync(slides, 'slide one\n'.repeat(500))
  await c.tid('send-file').setInputFiles(slides)
  for (const u of [a, b]) await waitTransfer(transferRow(u, 'in', u === a ? 0 : 1), 'done', 30_000)
  assert.deepEqual(listDir(downloadsOf(a)), ['slides.txt'])

  // B leaves: A's first call is over, the chat with C goes on both ways and keeps what was said.
  await b.tid('hangup').click()
  await b.waitState('ended')
  await a.page.locator(`[data-testid="participant"][data-peer-id="${b.id}"]`).waitFor({ state: 'detached', timeout: 15_000 })
  for (const u of [a, c]) assert.equal(await u.state(), 'connected', `${u.label} is still in the call`)
  await say(a, 'Grace has gone')
  await everyoneHas([a, c], a, 'Grace has gone')
  await say(c, 'Still here')
  await everyoneHas([a, c], c, 'Still here')
  for (const u of [a, c]) assert.deepEqual(await senders(u), [c.id, a.id, b.id, a.id, c.id], `${u.label}: the earlier messages stay`)

  await c.tid('hangup').click()
  await Promise.all([a.waitState('ended'), c.waitState('ended')])
}, { timeout: 180_000 })
