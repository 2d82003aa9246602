// What gets someone's attention: the ringtone and the desktop notification
// of an incoming call, and the caller's ringback, in real Chromium. The
// page's own WebAudio and Notification are used; a spy installed before
// any script records what the app asks of them.

import assert from 'node:assert/strict'
import { launchIn, newPage } from './lib/browser.js'
import { answer, ring } from './lib/flows.js'
import { UI } from './lib/ui.js'
import { scenario } from './lib/world.js'

/** Records the oscillators started, AudioContexts closed and notifications shown; the window reports it is not focused. */
function spy() {
  const rec = (window.__alerts = { notes: [], closed: 0, notifications: [] })
  const start = OscillatorNode.prototype.start
  OscillatorNode.prototype.start = function (...args) {
    rec.notes.push({ freq: this.frequency.value, state: this.context.state, at: Date.now() })
    return start.apply(this, args)
  }
  const close = AudioContext.prototype.close
  AudioContext.prototype.close = function () {
    rec.closed++
    return close.call(this)
  }
  const Real = window.Notification
  window.Notification = class extends Real {
    constructor(title, options) {
      super(title, options)
      this.record = { title, body: options?.body ?? '', tag: options?.tag ?? '', closed: false }
      rec.notifications.push(this.record)
    }
    close() {
      this.record.closed = true
      super.close()
    }
  }
  // Another window is in front: the app must notify.
  document.hasFocus = () => false
}

/** A UI of instance with the spy in place before the app's scripts run. */
async function spiedUI(w, instance) {
  const browser = await launchIn(instance.ns, w.dir)
  w.browsers.push(browser)
  const { page, log } = await newPage(browser, instance.label)
  // CDP grants exactly this list and refuses the rest: keep camera and microphone.
  await page.context().grantPermissions(['notifications', 'camera', 'microphone'])
  await page.addInitScript(spy)
  const ui = new UI(instance.label, page, log)
  ui.instance = instance
  w.uis.push(ui)
  return ui.open(instance.url)
}

const alerts = (ui) => ui.page.evaluate(() => window.__alerts)
// The ringtone's E5 (its A5 is also the ringback's overtone, so it proves nothing).
const ringingNotes = (r, since = 0) => r.notes.filter((n) => n.at >= since && n.freq === 659.25)

scenario('incoming call: ringtone and desktop notification until answered; ringback for the caller', async (w) => {
  const lan = w.lan(2)
  const [pa, pb] = await Promise.all([w.peerline(lan.hosts[0], 'A', { name: 'Ada Lovelace' }), w.peerline(lan.hosts[1], 'B', { name: 'Grace Hopper' })])
  const [a, b] = await Promise.all([spiedUI(w, pa), spiedUI(w, pb)])
  await Promise.all([a.waitPeer(b.id, true), b.waitPeer(a.id, true)])

  await ring(a, b, { video: true })
  await b.page.waitForFunction(() => window.__alerts.notifications.length > 0, null, { timeout: 5_000 })
  const rb = await alerts(b)
  const tones = ringingNotes(rb)
  assert.ok(tones.length >= 2, `B's ringtone: ${JSON.stringify(rb.notes)}`)
  assert.ok(tones.every((n) => n.state === 'running'), `B's ringtone plays in a running AudioContext: ${JSON.stringify(tones)}`)
  assert.deepEqual(
    rb.notifications.map(({ title, tag, closed }) => ({ title, tag, closed })),
    [{ title: 'Ada Lovelace is calling', tag: 'peerline-incoming', closed: false }],
  )
  assert.match(rb.notifications[0].body, /^Video call/)
  const ra = await alerts(a)
  assert.ok(ra.notes.some((n) => n.freq === 440), `A hears a ringback while it rings: ${JSON.stringify(ra.notes)}`)
  assert.equal(ringingNotes(ra).length, 0, 'the caller does not hear the ringtone')
  assert.equal(ra.notifications.length, 0, 'the caller gets no notification')

  // Answering silences the ringtone and closes the notification, on both sides.
  await answer(a, b, { video: true })
  const answered = Date.now()
  await new Promise((r) => setTimeout(r, 4_000)) // longer than one ringtone period (3.2 s)
  // The silent context is closed CLOSE_AFTER_MS (3 s) after the tone stops.
  await b.page.waitForFunction(() => window.__alerts.closed >= 1, null, { timeout: 10_000 })
  const after = await alerts(b)
  assert.equal(after.notifications[0].closed, true, 'the notification is closed once answered')
  assert.equal(ringingNotes(after, answered + 200).length, 0, `the ringtone stopped: ${JSON.stringify(ringingNotes(after, answered))}`)
  const afterA = await alerts(a)
  assert.equal(afterA.notes.filter((n) => n.at > answered + 200).length, 0, 'the ringback stopped')
})
