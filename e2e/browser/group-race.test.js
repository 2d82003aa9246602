// Two adds racing into a full group (issue 15), in real Chromium on a LAN:
// A, B and C are in a call; at the same moment A adds D and B adds E. A
// group is at most four, so exactly one of D and E may end up in it: the
// other is told "call is full" (a call-error with data-code="call_full")
// and leaves, nobody's grid ever shows a fifth person (four tiles), and the
// four stay connected, every tile decoding. The Go side of the race is
// app/calls' TestGroupGlareRechecksTheCount and group_race_test.go; this
// is the same through the real UI, its timing real.
//
// The harshest timing: both accepts clicked at one instant, so both
// newcomers may have answered and their joins cross (each reaching the
// member that added the other before either left). The lower peer id
// then takes the place at every member (docs/protocol.md §7.6.1; app/calls
// TestGroupRaceCrossingJoinsLowerIDWins): still exactly one gets in.

import assert from 'node:assert/strict'
import { answer, ring } from './lib/flows.js'
import { add, addAndAnswer, pairCodes, tiles, waitTiles } from './lib/group.js'
import { scenario } from './lib/world.js'

/** Frames on a tile: ten more within a minute (group.js's default is 30 s; a loaded 2-core CI box decodes four Chromiums' video slowly). */
const decoding = { frames: 10, timeout: 60_000 }

/** Records in the page the most participant tiles it ever showed at once (a MutationObserver: no tile is missed between polls). */
function watchTiles(ui) {
  return ui.page.evaluate(() => {
    const count = () => document.querySelectorAll('[data-testid="participant"]').length
    window.__plMaxTiles = count()
    new MutationObserver(() => {
      window.__plMaxTiles = Math.max(window.__plMaxTiles, count())
    }).observe(document.body, { childList: true, subtree: true })
  })
}

const maxTiles = (ui) => ui.page.evaluate(() => window.__plMaxTiles)

/** The call_full call-error of whichever of uis shows one first; the others keep going. */
async function firstFull(uis, timeout = 30_000) {
  const sel = '[data-testid="call-error"][data-code="call_full"]'
  try {
    return await Promise.any(uis.map((u) => u.page.locator(sel).waitFor({ timeout }).then(() => u)))
  } catch (err) {
    const shown = await Promise.all(uis.map(async (u) => `${u.label}: state ${await u.state()}, error ${JSON.stringify(await u.errorText())}, tiles ${JSON.stringify((await tiles(u)).map((x) => x.peer.slice(0, 7)))}`))
    throw new Error(`none of ${uis.map((u) => u.label)} was told the call is full within ${timeout} ms: ${shown.join('; ')}`, { cause: err })
  }
}

scenario('two adds racing into a full group: A adds D as B adds E; exactly one gets in, the other is told the call is full; never five', async (w, t) => {
  const [a, b, c, d, e] = await w.lanGroup(5, [{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }, { name: 'Alan Turing' }, { name: 'Edsger Dijkstra' }, { name: 'Barbara Liskov' }])
  await ring(a, b)
  await answer(a, b)
  await addAndAnswer(a, c, [a, b])
  await Promise.all([waitTiles(a, [b, c], decoding), waitTiles(b, [a, c], decoding), waitTiles(c, [a, b], decoding)])
  await Promise.all([a, b, c, d, e].map(watchTiles))

  // The race: both adds at once, then both newcomers answer at once.
  d.mark()
  e.mark()
  await Promise.all([add(a, d), add(b, e)])
  await Promise.all([d.tid('incoming-call').waitFor({ timeout: 10_000 }), e.tid('incoming-call').waitFor({ timeout: 10_000 })])
  t.diagnostic('D and E both ring')
  // Both accepts at one wall-clock instant (the pages share this machine's clock), not one after the other's round trip.
  const at = Date.now() + 300
  await Promise.all([d, e].map((u) => u.page.evaluate((at) => setTimeout(() => document.querySelector('[data-testid="accept-video"]').click(), at - Date.now()), at)))

  const loser = await firstFull([d, e])
  const winner = loser === d ? e : d
  t.diagnostic(`${loser.label} was refused first: ${JSON.stringify(await loser.errorText())}`)
  const said = await loser.errorText()
  assert.match(said, /full/i, `${loser.label}'s call-error says the call is full`)
  assert.equal(said.match(/full/gi).length, 1, `${loser.label}'s call-error says "full" once: ${JSON.stringify(said)}`)
  await loser.waitState('ended', 15_000)
  // The winner's grid fills; a call_full on its page too would be the old gap (both refused).
  const full = '[data-testid="call-error"][data-code="call_full"]'
  const refusedToo = await Promise.race([
    winner.page.locator(full).waitFor({ timeout: 60_000 }).then(() => true, () => false),
    waitTiles(winner, [a, b, c], decoding).then(() => false),
  ])
  assert.equal(refusedToo, false, `${winner.label} was refused too: both newcomers out (their joins crossed and nobody gave way)`)
  const four = [a, b, c, winner]
  const sample = await Promise.all(four.map((u) => waitTiles(u, four.filter((o) => o !== u), decoding)))
  t.diagnostic(`tiles: ${JSON.stringify(sample.map((s) => s.map((x) => `${x.width}x${x.height}`)))}`)
  await pairCodes(four)
  for (const u of four) assert.equal(await u.state(), 'connected', `${u.label} is in the call`)
  assert.equal((await tiles(loser)).length, 0, `${loser.label} shows no call`)
  for (const u of [a, b, c, d, e]) assert.ok((await maxTiles(u)) <= 3, `${u.label}'s grid showed ${await maxTiles(u)} others at once: five people`)
  // And the grid stays at four: no late leg of the loser's shows up.
  assert.equal(await loser.tid('incoming-call').count(), 0, `${loser.label} does not ring again`)
}, { timeout: 150_000 })
