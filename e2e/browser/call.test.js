// A video call between two LAN peers, each UI in its own Chromium with a
// fake camera and microphone: accepted, remote frames decoding on both
// sides, mute and camera-off seen by the other side, hang-up from either
// side ending both, and the calls in both histories.

import assert from 'node:assert/strict'
import { answer, framesBothWays, hangup, historyHas, ring, sameSafetyCode } from './lib/flows.js'
import { waitAudio } from './lib/ui.js'
import { scenario } from './lib/world.js'

scenario('video call: accepted, frames both ways, mute and camera off seen, hang-up from either side', async (w, t) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })

  await ring(a, b)
  assert.equal(await b.tid('accept-video').count(), 1)
  assert.equal(await b.tid('accept-audio').count(), 1)
  assert.equal(await b.tid('decline').count(), 1)
  // The callee's camera and microphone stay off until the person accepts:
  // it may prepare a connection while ringing (to answer faster), but it
  // captures nothing and sends nothing.
  const ringing = await b.page.evaluate(() => ({
    captured: window.__pl.events.some((e) => e.name === 'gum:start'),
    sending: window.__pl.pcs.some((pc) => pc.getSenders().some((s) => s.track)),
  }))
  assert.deepEqual(ringing, { captured: false, sending: false }, 'the callee captures and sends nothing while it rings')

  await answer(a, b)
  const [va, vb] = await framesBothWays(a, b)
  t.diagnostic(`remote video at A ${va.width}x${va.height}, at B ${vb.width}x${vb.height}`)
  for (const u of [a, b]) {
    const local = await u.video('local-video')
    assert.ok(local && local.width > 0 && local.visible, `${u.label}: local preview shows the camera: ${JSON.stringify(local)}`)
    assert.ok((await u.video('remote-video')).visible, `${u.label}: remote video is visible`)
  }
  await sameSafetyCode(a, b)
  await Promise.all([a.waitInbound('audio'), b.waitInbound('audio')])
  await waitAudio(b, { silent: false })

  // Mute: A's button says so, B's screen shows that A is muted
  // (remote-muted), and B hears silence (no audio energy arrives, though
  // packets still do).
  await a.tid('mute-mic').click()
  await a.waitAttr('mute-mic', 'aria-pressed', true)
  const mutedBadge = b.tid('remote-muted')
  await mutedBadge.waitFor({ timeout: 5_000 })
  const silent = await waitAudio(b, { silent: true })
  t.diagnostic(`muted: B received ${silent.packets} audio packets/s with no energy`)
  await a.tid('mute-mic').click()
  await a.waitAttr('mute-mic', 'aria-pressed', false)
  await mutedBadge.waitFor({ state: 'detached', timeout: 5_000 })
  await waitAudio(b, { silent: false })

  // Camera off: B's screen says A's camera is off (remote-camera-off) and
  // A's picture stops; camera on again: it comes back.
  await a.tid('toggle-camera').click()
  await a.waitAttr('toggle-camera', 'aria-pressed', true)
  const cameraOff = b.tid('remote-camera-off')
  await cameraOff.waitFor({ timeout: 5_000 })
  // The camera itself is released (its light goes out), not just hidden.
  const liveCamera = (live) =>
    a.page
      .waitForFunction((want) => !!document.querySelector('[data-testid="local-video"]')?.srcObject?.getVideoTracks().some((t) => t.readyState === 'live') === want, live, { timeout: 5_000, polling: 50 })
      .catch(() => assert.fail(live ? "A's camera did not come back" : "A's camera track is still live with the camera off"))
  await liveCamera(false)
  await b.waitFramesStop()
  assert.equal((await b.video('remote-video')).shown, false, "B no longer shows A's (frozen) picture")
  await a.tid('toggle-camera').click()
  await cameraOff.waitFor({ state: 'detached', timeout: 5_000 })
  await liveCamera(true)
  await b.waitFrames()
  assert.equal((await b.video('remote-video')).shown, true)
  // A kept B's picture all along.
  await a.waitFrames()

  // The callee hangs up: both end.
  await hangup(b, a)

  // A second call, hung up by the caller: the line is free again and the
  // new call starts clean.
  a.mark()
  await ring(a, b)
  await answer(a, b)
  await framesBothWays(a, b)
  await hangup(a, b)

  assert.equal(await historyHas(a, 'completed', 2), 2)
  assert.equal(await historyHas(b, 'completed', 2), 2)
})
