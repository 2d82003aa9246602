// The call window: where the app's own window has no RTCPeerConnection
// (Debian's and Ubuntu's WebKitGTK), answering and placing a call open a
// real Chromium window on the app's bridge that does the call by itself.
//
// B's "app window" here is a page of B's UI with RTCPeerConnection removed
// before any script runs, which is what the Debian webview looks like to
// the UI. Its peerline launches the call window with the real Chromium
// (headless, fake camera and microphone) through PEERLINE_BROWSER.

import assert from 'node:assert/strict'
import { join, resolve } from 'node:path'
import { chromiumFlags, launchIn, newPage } from './lib/browser.js'
import { chromiumPath } from './lib/env.js'
import { UI } from './lib/ui.js'
import { scenario } from './lib/world.js'

/** What a page of the app window sees on Debian: no WebRTC. */
function noWebRTC() {
  delete window.RTCPeerConnection
  delete window.webkitRTCPeerConnection
}

/** B's app window: a UI page of instance with no RTCPeerConnection. */
async function appWindow(w, instance) {
  const browser = await launchIn(instance.ns, w.dir)
  w.browsers.push(browser)
  const { page, log } = await newPage(browser, `${instance.label}-app`)
  await page.addInitScript(noWebRTC)
  const ui = new UI(`${instance.label}-app`, page, log)
  ui.instance = instance
  w.uis.push(ui)
  return ui.open(instance.url)
}

/** Waits for a line in a peerline's stderr. */
async function waitLog(instance, re, timeout = 20_000) {
  const end = Date.now() + timeout
  while (Date.now() < end) {
    if (re.test(instance.stderr.tail(400))) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${instance.label}: no log line ${re} within ${timeout} ms; stderr:\n${instance.stderr.tail(40)}`)
}

const count = (instance, re) => instance.stderr.tail(2000).split('\n').filter((l) => re.test(l)).length

scenario('no WebRTC in the app window: answering and calling open a real call window that does the call', async (w) => {
  const lan = w.lan(2)
  const env = {
    PEERLINE_BROWSER: chromiumPath,
    // The call window's own flags come from peerline (--app, --user-data-dir, autoplay).
    PEERLINE_BROWSER_ARGS: chromiumFlags.filter((f) => !f.startsWith('--autoplay')).join(' '),
  }
  const [pa, pb] = await Promise.all([w.peerline(lan.hosts[0], 'A', { name: 'Ada Lovelace' }), w.peerline(lan.hosts[1], 'B', { name: 'Grace Hopper', env })])
  const a = await w.ui(pa)
  const b = await appWindow(w, pb)
  assert.equal(await b.page.evaluate(() => typeof RTCPeerConnection), 'undefined')
  await Promise.all([a.waitPeer(b.id, true), b.waitPeer(a.id, true)])

  // Said once, plainly.
  await b.tid('call-window-notice').waitFor({ timeout: 5_000 })
  assert.match(await b.tid('call-window-notice').innerText(), /without WebRTC/)
  await waitLog(pb, /desktop: ui ready.*webrtc=false/)

  // A calls; B's app window rings like any other and answers with a click.
  b.mark()
  await a.call(b.id, true)
  await b.tid('incoming-call').waitFor({ timeout: 10_000 })
  await a.waitState('ringing')
  await b.tid('accept-video').click()
  await b.tid('opening-call-window').waitFor({ timeout: 5_000 })

  // The call window took it: A decodes B's (fake) camera, both are connected.
  await waitLog(pb, /browser: call window opened.*app_mode=true/)
  await a.waitState('connected', 30_000)
  await a.waitFrames('remote-video', { frames: 10, timeout: 30_000 })
  const sent = await a.inbound()
  assert.ok(sent.video?.framesDecoded > 0, `A decodes no video from B's call window: ${JSON.stringify(sent)}`)
  await b.waitState('connected', 10_000)
  await b.tid('call-elsewhere').waitFor({ timeout: 5_000 })
  assert.equal(await b.tid('mute-mic').count(), 0, 'the app window shows no media controls it cannot work')
  if (process.env.PEERLINE_E2E_SCREENSHOTS) {
    await b.settle()
    await b.screenshot(join(resolve(process.env.PEERLINE_E2E_SCREENSHOTS), 'call-in-call-window.png'))
  }
  const ticketURLs = pb.stderr.tail(2000).match(/ticket=[A-Za-z0-9_-]+/g)
  assert.equal(ticketURLs, null, 'launch tickets stay out of the log')

  // Hang up from the app window: the call ends on both sides.
  await b.tid('hangup').click()
  await Promise.all([a.waitState('ended'), b.waitState('ended')])
  // The call window closes itself once its call is over (Chromium exits).
  await waitLog(pb, /browser: call window closed/)

  // Now B calls A from the app window: the call window places the call.
  await b.page.keyboard.press('Escape')
  const opened = count(pb, /browser: call window opened/)
  a.mark()
  await b.call(a.id, true)
  await a.tid('incoming-call').waitFor({ timeout: 30_000 })
  assert.equal(count(pb, /browser: call window opened/), opened + 1, 'placing the call opened one call window')
  await a.tid('accept-video').click()
  await a.waitState('connected', 30_000)
  await a.waitFrames('remote-video', { frames: 10, timeout: 30_000 })
  await b.waitState('connected', 10_000)
  await a.tid('hangup').click()
  await Promise.all([a.waitState('ended'), b.waitState('ended')])
}, { timeout: 180_000 })
