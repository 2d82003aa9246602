// Our media in a group call once the first person (the call each of the
// others' groups grew from) has left: the screen is shared to everyone
// left and stopped, and the camera turned off and on opens one capture,
// cloned for every leg, with no camera track left live while it is off
// (its light goes out). Counted in the page: every getUserMedia and every
// clone of a camera track it handed out.

import assert from 'node:assert/strict'
import { answer, ring } from './lib/flows.js'
import { addAndAnswer, groupShot, waitTiles } from './lib/group.js'
import { scenario } from './lib/world.js'

/** Records, in ui's page, each getUserMedia call and every camera track (and clone of one) handed out. */
function countCameras(ui) {
  return ui.page.evaluate(() => {
    if (window.__cams) return
    const cams = (window.__cams = { gum: 0, gumVideo: 0, tracks: [] })
    const md = navigator.mediaDevices
    const gum = md.getUserMedia.bind(md)
    md.getUserMedia = async (c) => {
      cams.gum++
      if (c?.video) cams.gumVideo++
      const st = await gum(c)
      cams.tracks.push(...st.getVideoTracks())
      return st
    }
    const clone = MediaStreamTrack.prototype.clone
    MediaStreamTrack.prototype.clone = function () {
      const t = clone.call(this)
      if (cams.tracks.includes(this)) cams.tracks.push(t)
      return t
    }
  })
}

/** How many camera captures ui made so far, and how many camera tracks are live now. */
function cameras(ui) {
  return ui.page.evaluate(() => ({ gumVideo: window.__cams.gumVideo, live: window.__cams.tracks.filter((t) => t.readyState === 'live').length }))
}

/** Waits until ui's tile of `of` shows a shared screen (data-screen="true"), or with on false the camera again. */
function waitTileScreen(ui, of, on, timeout = 15_000) {
  return ui.page
    .waitForFunction(
      ({ id, on }) => {
        const v = document.querySelector(`[data-testid="participant"][data-peer-id="${id}"] video[data-testid="remote-video"]`)
        if (!v) return false
        const screen = v.getAttribute('data-screen') === 'true'
        return on ? screen && v.classList.contains('shown') : !screen && v.classList.contains('shown')
      },
      { id: of.id, on },
      { timeout, polling: 50 },
    )
    .catch(async () => assert.fail(`${ui.label}: ${of.label}'s tile never ${on ? 'showed a shared screen' : 'showed the camera again'}; tiles: ${await tileAttrs(ui)}`))
}

/** Each tile's attributes and its video's, for a failure's message. */
function tileAttrs(ui) {
  return ui.page.evaluate(() =>
    JSON.stringify(
      [...document.querySelectorAll('[data-testid="participant"]')].map((el) => {
        const v = el.querySelector('video')
        return { ...el.dataset, video: v && { class: v.className, screen: v.dataset.screen ?? null, w: v.videoWidth }, text: el.innerText }
      }),
    ),
  )
}

/** Waits until ui's tile of `of` shows no picture (their camera is off). */
function waitTileDark(ui, of, timeout = 15_000) {
  return ui.page
    .waitForFunction((id) => {
      const v = document.querySelector(`[data-testid="participant"][data-peer-id="${id}"] video[data-testid="remote-video"]`)
      return !!v && !v.classList.contains('shown')
    }, of.id, { timeout, polling: 50 })
    .catch(() => assert.fail(`${ui.label}: ${of.label}'s tile still shows a picture`))
}

scenario('group media after the first person left: the screen goes to both others and back; camera off/on is one capture, cloned', async (w, t) => {
  const [a, b, c, d] = await w.lanGroup(4, [{ name: 'Ada Lovelace' }, { name: 'Grace Hopper' }, { name: 'Alan Turing' }, { name: 'Edsger Dijkstra' }])
  for (const u of [b, c, d]) await countCameras(u)
  await ring(a, b)
  await answer(a, b)
  await addAndAnswer(a, c, [a, b])
  await addAndAnswer(a, d, [a, b, c])
  const all = [a, b, c, d]
  await Promise.all(all.map((u) => waitTiles(u, all.filter((o) => o !== u))))

  // A leaves: for B, C and D alike that was the main session's call (B called A; A added C and D).
  await a.tid('hangup').click()
  await a.waitState('ended')
  const rest = [b, c, d]
  await Promise.all(rest.map((u) => waitTiles(u, rest.filter((o) => o !== u))))

  // B shares the screen: C and D both see it on B's tile.
  const before = await cameras(b)
  await b.tid('share-screen').click()
  await b.waitAttr('share-screen', 'aria-pressed', true, 15_000)
  await Promise.all([waitTileScreen(c, b, true), waitTileScreen(d, b, true)])
  const sharing = (ui) => ui.page.locator(`[data-testid="participant"][data-peer-id="${b.id}"] [data-testid="participant-sharing"]`)
  await Promise.all([sharing(c).waitFor({ timeout: 5_000 }), sharing(d).waitFor({ timeout: 5_000 })]) // the label says so
  await groupShot(c, 'group-call-screen-share')
  assert.equal((await cameras(b)).live, 0, "B's camera rests while the screen is shared")

  // B stops: the camera comes back on both legs, from one capture.
  await b.tid('share-screen').click()
  await b.waitAttr('share-screen', 'aria-pressed', false, 15_000)
  await Promise.all([waitTileScreen(c, b, false), waitTileScreen(d, b, false)])
  await Promise.all([sharing(c).waitFor({ state: 'detached', timeout: 5_000 }), sharing(d).waitFor({ state: 'detached', timeout: 5_000 })])
  await Promise.all([waitTiles(c, [b, d]), waitTiles(d, [b, c])])
  const back = await cameras(b)
  t.diagnostic(`B after the share: ${JSON.stringify({ before, back })}`)
  assert.equal(back.gumVideo - before.gumVideo, 1, 'the camera came back with one capture')
  assert.equal(back.live, 2, 'one camera track per leg (the capture and one clone)')

  // Camera off: no camera track is left live (the light goes out); C and D see no picture.
  await b.tid('toggle-camera').click()
  await b.waitAttr('toggle-camera', 'aria-pressed', true, 10_000)
  await Promise.all([waitTileDark(c, b), waitTileDark(d, b)])
  assert.equal((await cameras(b)).live, 0, "B's camera is off: no live camera track")

  // Camera on: one capture, cloned for the other leg; both see B again.
  await b.tid('toggle-camera').click()
  await b.waitAttr('toggle-camera', 'aria-pressed', false, 10_000)
  await Promise.all([waitTileScreen(c, b, false), waitTileScreen(d, b, false)])
  await Promise.all([waitTiles(c, [b, d]), waitTiles(d, [b, c])])
  const on = await cameras(b)
  t.diagnostic(`B after camera off/on: ${JSON.stringify(on)}`)
  assert.equal(on.gumVideo - back.gumVideo, 1, 'the camera reopened with one capture')
  assert.equal(on.live, 2, 'one camera track per leg')
  await b.page.waitForFunction(() => document.querySelector('[data-testid="local-video"]')?.srcObject?.getVideoTracks().some((t) => t.readyState === 'live'), null, { timeout: 10_000 })
}, { timeout: 300_000 })
