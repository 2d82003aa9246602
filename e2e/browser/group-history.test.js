// A group call in the history (issue 15): three people call, chat and
// hang up; each then sees one history entry for the call (data-group),
// naming the two others (history-participant) and holding everyone's
// messages, each once, in the order they were said. Go folds the legs
// (app/store ListEntries; docs/decisions.md "Group calls in history").
// Then one of them calls the group again from that entry.

import assert from 'node:assert/strict'
import { answer, ring } from './lib/flows.js'
import { addAndAnswer, groupShot } from './lib/group.js'
import { scenario } from './lib/world.js'

const connectedTile = (ui, other) => ui.page.locator(`[data-testid="participant"][data-peer-id="${other.id}"][data-state="connected"]`).waitFor({ timeout: 30_000 })

async function say(ui, text, everyone) {
  await ui.tid('chat-input').fill(text)
  await ui.tid('chat-send').click()
  for (const u of everyone) {
    await u.page.locator(`[data-testid="chat-message"][data-from="${ui.id}"]`, { hasText: text }).waitFor({ timeout: 10_000 })
  }
}

/** What ui's history shows: each entry's group flag, outcome and participants (peer:outcome). */
function historyOf(ui) {
  return ui.page.locator('[data-testid="history-entry"]').evaluateAll((els) =>
    els.map((e) => ({
      group: e.dataset.group ?? '',
      outcome: e.dataset.outcome,
      text: e.innerText,
      people: [...e.querySelectorAll('[data-testid="history-participant"]')].map((p) => `${p.dataset.peerId}:${p.dataset.outcome}`).sort(),
    })),
  )
}

scenario('group history: one entry per group call, with everyone in it and all its messages', async (w) => {
  const [a, b, c] = await w.lanGroup(3, [{ name: 'Ana Lima' }, { name: 'Ben Ode' }, { name: 'Cy Park' }])
  await ring(a, b)
  await answer(a, b)
  await addAndAnswer(a, c, [a, b])
  await Promise.all([connectedTile(a, c), connectedTile(b, c), connectedTile(c, a), connectedTile(c, b)])
  for (const u of [a, b, c]) await u.tid('chat-open').click()
  await say(a, 'Hello from Ana', [a, b, c])
  await say(c, 'Hello from Cy', [a, b, c])
  await say(b, 'Hello from Ben', [a, b, c])

  // Cy leaves first, then Ana: every leg ends.
  await c.tid('hangup').click()
  await c.waitState('ended')
  await a.page.locator(`[data-testid="participant"][data-peer-id="${c.id}"]`).waitFor({ state: 'detached', timeout: 15_000 })
  await a.tid('hangup').click()
  await Promise.all([a.waitState('ended'), b.waitState('ended')])

  const all = [a, b, c]
  for (const u of all) {
    const others = all.filter((o) => o !== u)
    const want = others.map((o) => `${o.id}:completed`).sort()
    await u.show('history')
    // Legs are recorded as each ends: wait for the entry that has them all.
    await u.page
      .waitForFunction(
        (n) => {
          const es = document.querySelectorAll('[data-testid="history-entry"]')
          return es.length === 1 && es[0].querySelectorAll('[data-testid="history-participant"]').length === n
        },
        others.length,
        { timeout: 20_000, polling: 100 },
      )
      .catch(async () => assert.fail(`${u.label}: want one group entry with two people, history shows ${JSON.stringify(await historyOf(u))}`))
    const [entry] = await historyOf(u)
    assert.deepEqual({ group: entry.group, outcome: entry.outcome, people: entry.people }, { group: 'true', outcome: 'completed', people: want }, `${u.label}'s entry`)
    for (const o of others) assert.match(entry.text, new RegExp(o.name.split(' ')[0]), `${u.label}'s entry names ${o.label}`)
    assert.match(entry.text, /Group call/, `${u.label}'s entry says group call`)

    await u.tid('history-chat').click()
    await u.tid('history-message').nth(2).waitFor({ timeout: 10_000 })
    const kept = await u.tid('history-message').evaluateAll((els) => els.map((e) => [e.dataset.from, e.textContent.trim()]))
    assert.deepEqual(
      kept.map(([from]) => from),
      [a.id, c.id, b.id],
      `${u.label}: every message once, in order, named by sender: ${JSON.stringify(kept)}`,
    )
    assert.match(kept[0][1], /Hello from Ana/)
    assert.match(kept[1][1], /Hello from Cy/)
    assert.match(kept[2][1], /Hello from Ben/)
    // Our own shows as ours, the others' under their names.
    const mine = kept.find(([from]) => from === u.id)
    assert.match(mine[1], /^You/, `${u.label}: own message as You`)
  }

  await groupShot(c, 'history-group') // Cy's history with the entry's chat open

  // Calling the group again from Cy's entry: one person rings (the entry
  // lists Ana and Ben, both took part, Ana first); once she answers, Ben is
  // added and rings with Ana named as in the call.
  a.mark()
  b.mark()
  await c.tid('history-call-group').click()
  await a.tid('incoming-call').waitFor({ timeout: 10_000 })
  assert.equal(await b.tid('incoming-call').count(), 0, 'Ben does not ring before Ana answers')
  await a.tid('accept-video').click()
  await Promise.all([a.waitState('connected', 20_000), c.waitState('connected', 20_000)])
  await b.tid('incoming-call').waitFor({ timeout: 10_000 })
  assert.match(await b.tid('incoming-members').innerText({ timeout: 5_000 }), /Ana/, "Ben's ringing card names Ana as in the call")
  await b.tid('accept-video').click()
  await b.waitState('connected', 20_000)
  await Promise.all([connectedTile(c, a), connectedTile(c, b), connectedTile(a, b), connectedTile(b, a)])
}, { timeout: 240_000 })
