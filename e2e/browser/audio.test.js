// A voice call: no camera anywhere, sound both ways.

import assert from 'node:assert/strict'
import { answer, hangup, historyHas, ring } from './lib/flows.js'
import { waitAudio } from './lib/ui.js'
import { scenario } from './lib/world.js'

scenario('audio-only call: sound both ways, no video sent or shown', async (w) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
  await ring(a, b, { video: false })
  assert.match(await b.tid('incoming-call').innerText(), /voice/i, 'the incoming card says it is a voice call')
  await answer(a, b, { video: false })

  for (const u of [a, b]) {
    await u.waitInbound('audio')
    await waitAudio(u, { silent: false })
    const s = await u.inbound()
    assert.ok(!s.video || !s.video.bytesReceived, `${u.label} receives video in a voice call: ${JSON.stringify(s.video)}`)
    const remote = await u.video('remote-video')
    assert.equal(remote?.shown ?? false, false, `${u.label} shows a remote picture in a voice call`)
    const local = await u.video('local-video')
    assert.ok(!local || !local.shown, `${u.label} shows a local preview in a voice call`)
    assert.ok(!local?.tracks?.some((tr) => tr.kind === 'video' && tr.state === 'live'), `${u.label}: a camera is open in a voice call: ${JSON.stringify(local?.tracks)}`)
    await u.page.getByText('Voice call').first().waitFor({ timeout: 5_000 })
  }

  // Mute works the same in a voice call.
  await b.tid('mute-mic').click()
  await a.tid('remote-muted').waitFor({ timeout: 5_000 })
  await waitAudio(a, { silent: true })

  await hangup(a, b)
  await historyHas(a, 'completed')
  const media = await a.page.locator('[data-testid="history-entry"]').first().innerText()
  assert.match(media, /voice/i, `A's history entry says voice: ${media}`)
})
