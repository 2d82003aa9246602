// Steps of the group-call scenarios: add a person from the call screen,
// read the participant tiles, wait for frames on every tile.

import assert from 'node:assert/strict'
import { join, resolve } from 'node:path'

/** What each participant tile shows: its peer, state, picture size, decoded frames and safety code. */
export function tiles(ui) {
  return ui.page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="participant"]')].map((el) => {
      const v = el.querySelector('video[data-testid="remote-video"]')
      const q = v?.getVideoPlaybackQuality?.()
      return {
        peer: el.dataset.peerId,
        state: el.dataset.state,
        width: v?.videoWidth ?? 0,
        height: v?.videoHeight ?? 0,
        frames: q ? q.totalVideoFrames : 0,
        code: el.querySelector('[data-testid="safety-code"]')?.textContent?.trim() ?? '',
        verified: el.querySelector('[data-testid="participant-trust"]')?.dataset.verified ?? '',
      }
    }),
  )
}

/**
 * Waits until ui shows exactly one tile per peer of `others` (UIs), each
 * connected and decoding: its frame count grows by `frames`. Returns the
 * last sample.
 */
export async function waitTiles(ui, others, { frames = 10, timeout = 30_000 } = {}) {
  const want = others.map((o) => o.id).sort()
  // Checked in the page on every frame it paints (no sleeps); each tile's first decoded frame count is kept in the page under key.
  const key = `__peerlineTiles${Math.random().toString(36).slice(2)}`
  const check = ({ want, frames, key }) => {
    const first = (window[key] ??= {})
    const els = [...document.querySelectorAll('[data-testid="participant"]')]
    if (JSON.stringify(els.map((el) => el.dataset.peerId).sort()) !== JSON.stringify(want)) return false
    let ok = true
    for (const el of els) {
      const v = el.querySelector('video[data-testid="remote-video"]')
      const n = v?.getVideoPlaybackQuality?.().totalVideoFrames ?? 0
      if (el.dataset.state !== 'connected' || !v?.videoWidth || n === 0) {
        ok = false
        continue
      }
      first[el.dataset.peerId] ??= n
      if (n < first[el.dataset.peerId] + frames) ok = false
    }
    return ok
  }
  try {
    await ui.page.waitForFunction(check, { want, frames, key }, { timeout })
  } catch (err) {
    throw new Error(`${ui.label}: want tiles ${JSON.stringify(others.map((o) => o.label))} decoding, shows ${JSON.stringify(await tiles(ui))}`, { cause: err })
  } finally {
    await ui.page.evaluate((key) => delete window[key], key).catch(() => {})
  }
  return tiles(ui)
}

/** `by` adds `who` from the call screen: call-add-person, then the person in the picker. */
export async function add(by, who) {
  await by.tid('call-add-person').click()
  await by.page.locator(`[data-testid="call-add-pick"][data-peer-id="${who.id}"]`).click()
}

/**
 * `by` adds `who`, who rings seeing `by` and the others of `already`
 * (UIs) named as in the call, and answers with video.
 */
export async function addAndAnswer(by, who, already) {
  who.mark()
  await add(by, who)
  await who.tid('incoming-call').waitFor({ timeout: 10_000 })
  const roster = await who.tid('incoming-members').innerText({ timeout: 5_000 })
  assert.match(await who.tid('incoming-call').innerText(), new RegExp(by.name), `${who.label}'s ringing card names ${by.label}, who adds them`)
  for (const o of already.filter((x) => x !== by)) assert.match(roster, new RegExp(o.name), `${who.label}'s ringing card names ${o.label} as in the call`)
  await who.tid('accept-video').click()
  await who.waitState('connected', 20_000)
}

/** Each pair's tiles show the same safety code on both ends, and one person's codes differ between pairs. */
export async function pairCodes(uis) {
  const byUI = new Map()
  for (const u of uis) byUI.set(u, await tiles(u))
  for (const u of uis) {
    const mine = byUI.get(u)
    assert.equal(new Set(mine.map((t) => t.code)).size, mine.length, `${u.label}: one safety code per pair`)
    for (const t of mine) {
      assert.ok(t.code.length >= 4, `${u.label}: tile ${t.peer} has no safety code`)
      assert.match(t.verified, /^(true|false)$/, `${u.label}: tile ${t.peer} has a trust marker`)
      const other = uis.find((o) => o.id === t.peer)
      const back = byUI.get(other).find((x) => x.peer === u.id)
      assert.equal(t.code, back?.code, `${u.label} and ${other.label} show the same safety code`)
    }
  }
}

/** With $PEERLINE_E2E_SCREENSHOTS set (`npm run screenshots`), saves what ui shows there as name.png: docs/screenshots of group calls. */
export async function groupShot(ui, name) {
  const dir = process.env.PEERLINE_E2E_SCREENSHOTS
  if (!dir) return
  await ui.settle()
  await ui.screenshot(join(resolve(dir), `${name}.png`))
}
