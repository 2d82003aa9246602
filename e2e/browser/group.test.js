// Group calls (issue 15): a full mesh of 1:1 calls, up to four people.
// Anyone in the call adds a person (call-add-person, then the picker);
// the person rings, sees who is in the call, answers, and connects to
// each of them; every tile (participant) decodes its person's video.
// Leaving keeps the others connected; a fifth is refused: "call is full".

import assert from 'node:assert/strict'
import { answer, ring } from './lib/flows.js'
import { add, addAndAnswer, groupShot, pairCodes, tiles, waitTiles } from './lib/group.js'
import { scenario } from './lib/world.js'

// With $PEERLINE_E2E_SCREENSHOTS set (as `npm run screenshots` sets it), the
// four-person grid is saved there too: what people see in a group call.
const shot = groupShot

scenario('group call of three: each tile decodes, each pair its own safety code; one leaves, the other two stay', async (w, t) => {
  const [a, b, c] = await w.lanGroup(3, [{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }, { name: 'Alan Turing' }])
  await ring(a, b)
  await answer(a, b)
  await addAndAnswer(a, c, [a, b])
  const sample = await Promise.all([waitTiles(a, [b, c]), waitTiles(b, [a, c]), waitTiles(c, [a, b])])
  t.diagnostic(`tiles: ${JSON.stringify(sample.map((s) => s.map((x) => `${x.width}x${x.height}`)))}`)
  await pairCodes([a, b, c])
  // The speaking indicator: the fake microphones beep, so every tile lights up now and then.
  for (const o of [b, c]) {
    await a.page.locator(`[data-testid="participant"][data-peer-id="${o.id}"][data-speaking="true"]`).waitFor({ timeout: 10_000 })
  }

  // B leaves (the call A's group grew from): A and C stay connected.
  b.mark()
  await b.tid('hangup').click()
  await b.waitState('ended')
  await b.tid('hangup').waitFor({ state: 'detached', timeout: 10_000 })
  await Promise.all([waitTiles(a, [c]), waitTiles(c, [a])])
  for (const u of [a, c]) assert.equal(await u.state(), 'connected', `${u.label} is still in the call`)
  await shot(a, 'group-call-one-left')
  // A's own media outlived the call with B (review #4): the self-view still shows the camera, and mute mutes, then unmutes.
  await a.page.waitForFunction(() => document.querySelector('[data-testid="local-video"]')?.srcObject?.getVideoTracks().some((t) => t.readyState === 'live'), null, { timeout: 10_000 })
  assert.equal(await a.tid('mute-mic').getAttribute('aria-pressed'), 'false', "A's mic is on")
  await a.tid('mute-mic').click()
  await a.page.locator('[data-testid="mute-mic"][aria-pressed="true"]').waitFor({ timeout: 5_000 })
  await a.tid('mute-mic').click()
  await a.page.locator('[data-testid="mute-mic"][aria-pressed="false"]').waitFor({ timeout: 5_000 })

  // C leaves too: the call is over for A.
  await c.tid('hangup').click()
  await Promise.all([a.waitState('ended'), c.waitState('ended')])
}, { timeout: 180_000 })

scenario('group call of four: all twelve tiles decode; a fifth is refused with "call is full"', async (w, t) => {
  const [a, b, c, d, e] = await w.lanGroup(5, [{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }, { name: 'Alan Turing' }, { name: 'Edsger Dijkstra' }, { name: 'Barbara Liskov' }])
  await ring(a, b)
  await answer(a, b)
  await addAndAnswer(a, c, [a, b])
  await Promise.all([waitTiles(a, [b, c]), waitTiles(c, [a, b])])
  // Anyone in the call may add: B adds D.
  await addAndAnswer(b, d, [a, b, c])
  const all = [a, b, c, d]
  const sample = await Promise.all(all.map((u) => waitTiles(u, all.filter((o) => o !== u))))
  t.diagnostic(`tiles: ${JSON.stringify(sample.map((s) => s.map((x) => `${x.width}x${x.height}`)))}`)
  await pairCodes(all)
  await shot(a, 'group-call-four')

  // A fifth: the add button says the call is full; nobody rings.
  await a.tid('call-add-person').click()
  await a.waitError(/full/i)
  assert.equal(await e.tid('incoming-call').count(), 0, 'E never rang')
  // E calling someone in it 1:1 hears busy, as for any call.
  await e.call(a.id, true)
  await e.waitError(/busy/i)
  assert.equal((await tiles(a)).length, 3, 'A still has three tiles')

  // D leaves: the three others stay connected to each other.
  await d.tid('hangup').click()
  await d.waitState('ended')
  await Promise.all([waitTiles(a, [b, c]), waitTiles(b, [a, c]), waitTiles(c, [a, b])])
}, { timeout: 240_000 })

scenario('adding a person keeps the camera off when it was turned off (review #5); the mute holds on the new leg', async (w) => {
  const [a, b, c] = await w.lanGroup(3, [{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }, { name: 'Alan Turing' }])
  await ring(a, b)
  await answer(a, b)
  await a.tid('toggle-camera').click()
  await a.page.locator('[data-testid="toggle-camera"][aria-pressed="true"]').waitFor({ timeout: 5_000 })
  await a.tid('mute-mic').click()
  await a.page.locator('[data-testid="mute-mic"][aria-pressed="true"]').waitFor({ timeout: 5_000 })
  await addAndAnswer(a, c, [a, b])
  // C sees A's tile connected without a picture, and A's mic off; A's camera is still off.
  const tileOfA = c.page.locator(`[data-testid="participant"][data-peer-id="${a.id}"][data-state="connected"]`)
  await tileOfA.waitFor({ timeout: 30_000 })
  await c.page.waitForFunction((id) => {
    const el = document.querySelector(`[data-testid="participant"][data-peer-id="${id}"]`)
    // Muted: A's flags have arrived (mic and camera travel together), and they say no picture.
    return !!el && !!el.querySelector('[data-testid="participant-muted"]') && !el.querySelector('video.shown')
  }, a.id, { timeout: 10_000 })
  assert.equal(await a.tid('toggle-camera').getAttribute('aria-pressed'), 'true', "A's camera stays off")
  assert.equal(await a.tid('mute-mic').getAttribute('aria-pressed'), 'true', 'A stays muted')
  const aVideo = await a.page.evaluate(() =>
    [...document.querySelectorAll('video')].some((v) => v.srcObject?.getVideoTracks?.().some((t) => t.readyState === 'live' && /fake|camera/i.test(t.label)) && v.dataset.testid === 'local-video'),
  )
  assert.equal(aVideo, false, "A's self-view shows no camera")
}, { timeout: 120_000 })
