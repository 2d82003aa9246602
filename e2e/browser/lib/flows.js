// Steps the scenarios share: ring, answer, check media, hang up.

import assert from 'node:assert/strict'

/**
 * caller calls callee (video or voice) and waits until the callee's UI
 * rings with the incoming-call card and the caller's says ringing.
 */
export async function ring(caller, callee, { video = true } = {}) {
  callee.mark()
  await caller.call(callee.id, video)
  await callee.tid('incoming-call').waitFor({ timeout: 10_000 })
  await callee.waitState('ringing')
  await caller.waitState('ringing')
  assert.match(await callee.tid('incoming-call').innerText(), new RegExp(caller.name), `${callee.label}'s incoming card names ${caller.label}`)
}

/**
 * The callee answers (with video or voice only); both sides reach
 * connected. Returns the wall-clock time of the click.
 */
export async function answer(caller, callee, { video = true } = {}) {
  const clicked = Date.now()
  await callee.tid(video ? 'accept-video' : 'accept-audio').click()
  await Promise.all([caller.waitState('connected', 20_000), callee.waitState('connected', 20_000)])
  await callee.tid('incoming-call').waitFor({ state: 'detached', timeout: 5_000 })
  return clicked
}

/** Both sides decode the other's video: the remote <video> has a size and its frame count grows. */
export async function framesBothWays(a, b, frames = 10) {
  const [va, vb] = await Promise.all([a.waitFrames('remote-video', { frames }), b.waitFrames('remote-video', { frames })])
  return [va, vb]
}

/** Both sides show the same non-empty safety code. */
export async function sameSafetyCode(a, b) {
  const [ca, cb] = await Promise.all([a, b].map(async (u) => {
    const el = u.tid('safety-code')
    await el.waitFor({ timeout: 5_000 })
    return (await el.textContent()).trim()
  }))
  assert.ok(ca.length >= 4, `safety code "${ca}" looks empty`)
  assert.equal(ca, cb, 'both ends show the same safety code')
  return ca
}

/**
 * `by` hangs up; both sides reach ended, the call screens go, and each
 * page's peer connection is closed (the next call starts clean).
 */
export async function hangup(by, other) {
  await by.tid('hangup').click()
  await Promise.all([by.waitState('ended'), other.waitState('ended')])
  await closedClean(by)
  await closedClean(other)
}

/**
 * After a call: no hang-up button left, the page's peer connection
 * closed, and no live camera or microphone track on the local preview
 * (every track stopped).
 */
export async function closedClean(ui, timeout = 10_000) {
  await ui.tid('hangup').waitFor({ state: 'detached', timeout })
  const s = await ui.inbound()
  if (s) assert.equal(s.connectionState, 'closed', `${ui.label}: the peer connection is ${s.connectionState} after the call ended`)
  await ui.page
    .waitForFunction(
      () => {
        const v = document.querySelector('[data-testid="local-video"]')
        return !v?.srcObject || v.srcObject.getTracks().every((t) => t.readyState === 'ended')
      },
      null,
      { timeout: 5_000, polling: 100 },
    )
    .catch(async () => assert.fail(`${ui.label}: local tracks still live after the call: ${JSON.stringify((await ui.video('local-video'))?.tracks)}`))
}

/**
 * The history tab of ui lists callId's entry with outcome; returns to the
 * people tab afterwards is not needed (calls are placed from the sidebar).
 */
export async function historyHas(ui, outcome, count = 1) {
  await ui.show('history')
  const entries = ui.page.locator(`[data-testid="history-entry"][data-outcome="${outcome}"]`)
  await ui.page.waitForFunction(
    ([sel, n]) => document.querySelectorAll(sel).length >= n,
    [`[data-testid="history-entry"][data-outcome="${outcome}"]`, count],
    { timeout: 5_000, polling: 100 },
  ).catch(async () => {
    const all = await ui.page.locator('[data-testid="history-entry"]').evaluateAll((els) => els.map((e) => e.dataset.outcome))
    assert.fail(`${ui.label}: want ${count} history entries with outcome ${outcome}, history shows ${JSON.stringify(all)}`)
  })
  return entries.count()
}
