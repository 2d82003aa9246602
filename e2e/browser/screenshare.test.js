// Screen sharing. In a video call the screen replaces the camera picture
// on the same sender; in a voice call it adds a video sender, which
// renegotiates the call (lib/call/README.md). --use-fake-ui-for-media-stream
// picks the screen without a picker. Chromium's fake screen looks like its
// fake camera (same pattern, same 1280x720 frames), so the other side
// tells them apart the way its UI does: the "screen" flag that arrives
// over the call's state channel, which the remote <video> carries as
// data-screen="true" (and shows by fitting the picture in instead of
// filling the window).

import assert from 'node:assert/strict'
import { answer, framesBothWays, hangup, ring } from './lib/flows.js'
import { scenario } from './lib/world.js'

/** Waits until ui's remote <video> shows a shared screen (or, with on false, not). */
function waitRemoteScreen(ui, on, timeout = 10_000) {
  return ui.page
    .waitForFunction((want) => (document.querySelector('[data-testid="remote-video"]')?.getAttribute('data-screen') === 'true') === want, on, { timeout, polling: 50 })
    .catch(() => assert.fail(`${ui.label}: the remote video never ${on ? 'showed' : 'stopped showing'} a shared screen`))
}

scenario('screen share in a video call: the screen replaces the camera and back', async (w) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
  await ring(a, b)
  await answer(a, b)
  await framesBothWays(a, b)

  await a.tid('share-screen').click()
  await a.waitAttr('share-screen', 'aria-pressed', true, 10_000)
  await waitRemoteScreen(b, true)
  await b.waitFrames()
  assert.equal(await a.tid('toggle-camera').isDisabled(), true, 'the camera button rests while sharing')
  const local = await a.page.getByTestId('local-video').evaluate((v) => ({ mirror: v.classList.contains('mirror'), tracks: v.srcObject?.getVideoTracks().map((t) => t.label) }))
  assert.equal(local.mirror, false, "A's own preview of the screen is not mirrored")

  await a.tid('share-screen').click()
  await a.waitAttr('share-screen', 'aria-pressed', false, 10_000)
  await waitRemoteScreen(b, false)
  await b.waitFrames()
  assert.equal(await b.tid('remote-camera-off').count(), 0, 'the camera came back after sharing')
  await a.waitFrames() // B's picture at A went on throughout
  await hangup(a, b)
})

scenario('screen share in a voice call: renegotiates a video sender; the other side sees the screen', async (w, t) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
  await ring(a, b, { video: false })
  await answer(a, b, { video: false })
  await b.waitInbound('audio')
  const before = await b.inbound()
  assert.ok(!before.video?.bytesReceived, 'no video before sharing')
  assert.equal((await b.video('remote-video'))?.shown ?? false, false)

  await a.tid('share-screen').click()
  await waitRemoteScreen(b, true)
  const screen = await b.waitFrames()
  const after = await b.inbound()
  t.diagnostic(`B's transceivers after the share: ${JSON.stringify(after.transceivers)}; picture ${screen.width}x${screen.height}`)
  assert.ok(after.transceivers.some((tr) => tr.kind === 'video' && /recv/.test(tr.current ?? '')), 'B receives video on a negotiated transceiver')
  assert.ok(after.video?.framesDecoded > 0, 'B decodes the shared screen')
  assert.equal(after.signalingState, 'stable')
  assert.equal((await b.video('remote-video')).shown, true, 'B shows the shared screen')
  await b.waitInbound('audio') // sound went on through the renegotiation

  await a.tid('share-screen').click()
  await b.waitFramesStop()
  await b.page.waitForFunction(() => !document.querySelector('[data-testid="remote-video"]')?.classList.contains('shown'), null, { timeout: 5_000 })
  await hangup(a, b)
})
