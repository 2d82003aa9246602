// One app UI in one page, driven through the data-testid contract of
// DESIGN.md. Every wait polls the DOM (or the page's media elements) until
// a deadline; nothing sleeps for a fixed time.

import { bridgeCall, firstFrameAt, inboundStats, videoInfo } from './inpage.js'

/** How long a UI may take to show what the app already knows. */
export const uiTimeout = 10_000

export class UI {
  /**
   * @param {string} label "A", "B"…
   * @param {import('playwright-core').Page} page
   * @param {string[]} log the page's console
   */
  constructor(label, page, log) {
    this.label = label
    this.page = page
    this.log = log
    this.id = ''
    this.name = ''
    this.markAt = 0
  }

  /** Opens the app's ui: URL (the page keeps the #token= in sessionStorage) and waits for it to load. */
  async open(url) {
    await this.page.goto(url)
    await this.page.locator('[data-testid="call-state"]').waitFor({ state: 'attached', timeout: uiTimeout })
    const me = await this.api('Identity.Me')
    this.id = me.id
    this.name = me.name
    return this
  }

  /** Calls the app's bridge API from the page (set-up and facts the UI does not expose). */
  api(method, ...args) {
    return this.page.evaluate(bridgeCall, [method, args])
  }

  /** A data-testid locator. */
  tid(id) {
    return this.page.getByTestId(id)
  }

  /** The person row of peer id. */
  peer(id) {
    return this.page.locator(`[data-testid="peer"][data-peer-id="${id}"]`)
  }

  /** Waits until the list shows peer id with data-online="true" (or "false"). */
  async waitPeer(id, online = true, timeout = 20_000) {
    await this.page.locator(`[data-testid="peer"][data-peer-id="${id}"][data-online="${online}"]`).waitFor({ timeout })
  }

  /** Clicks a person's call-video or call-audio button. */
  async call(peerId, video = true) {
    this.mark()
    await this.peer(peerId).getByTestId(video ? 'call-video' : 'call-audio').click()
  }

  /** Waits until the data-testid element's attribute has value (a button's aria-pressed, say). */
  async waitAttr(testid, attr, value, timeout = 5_000) {
    await this.page
      .waitForFunction(([id, a, v]) => document.querySelector(`[data-testid="${id}"]`)?.getAttribute(a) === v, [testid, attr, String(value)], { timeout, polling: 50 })
      .catch(async () => {
        const now = await this.tid(testid).getAttribute(attr, { timeout: 1_000 }).catch(() => '(no element)')
        throw new Error(`${this.label}: ${testid} never had ${attr}="${value}" within ${timeout} ms (has ${JSON.stringify(now)})`)
      })
  }

  /** The text of data-testid="call-state". */
  state() {
    return this.tid('call-state').textContent().then((s) => s?.trim())
  }

  /** Later waitState calls look only at call states shown from now on. */
  mark() {
    this.markAt = Date.now()
  }

  /**
   * Waits until call-state has shown state since the last mark (or shows
   * it now). Returns the wall-clock time it first showed it.
   */
  async waitState(state, timeout = uiTimeout) {
    try {
      const h = await this.page.waitForFunction(
        ([s, since]) => {
          const el = document.querySelector('[data-testid="call-state"]')
          const hit = window.__pl.states.find((e) => e.s === s && e.at >= since)
          if (hit) return hit.at
          if (el && el.textContent.trim() === s) return performance.timeOrigin + performance.now()
          return false
        },
        [state, this.markAt],
        { timeout, polling: 50 },
      )
      return await h.jsonValue()
    } catch (err) {
      throw new Error(`${this.label}: call-state never showed "${state}" within ${timeout} ms; shown since mark: ${JSON.stringify(await this.states())}; error banner: ${JSON.stringify(await this.errorText())}\n${err.message.split('\n')[0]}`)
    }
  }

  /** Waits until call-state shows state now (not only at some point). */
  async waitStateNow(state, timeout = uiTimeout) {
    await this.page
      .waitForFunction((s) => document.querySelector('[data-testid="call-state"]')?.textContent.trim() === s, state, { timeout, polling: 50 })
      .catch(async (err) => {
        throw new Error(`${this.label}: call-state is "${await this.state()}", want "${state}" (${timeout} ms); since mark: ${JSON.stringify(await this.states())}\n${err.message.split('\n')[0]}`)
      })
  }

  /** The call states shown since the last mark. */
  async states() {
    return this.page.evaluate((since) => window.__pl.states.filter((e) => e.at >= since).map((e) => e.s), this.markAt).catch(() => [])
  }

  /** The text of data-testid="call-error", or null when none shows. */
  async errorText() {
    const el = this.tid('call-error')
    if ((await el.count().catch(() => 0)) === 0) return null
    return (await el.first().textContent())?.trim() ?? null
  }

  /** Waits for a call-error whose text matches re. */
  async waitError(re, timeout = uiTimeout) {
    await this.tid('call-error').filter({ hasText: re }).waitFor({ timeout }).catch(async (err) => {
      throw new Error(`${this.label}: no call-error matching ${re} within ${timeout} ms (shows ${JSON.stringify(await this.errorText())})\n${err.message.split('\n')[0]}`)
    })
    return this.errorText()
  }

  /** Size, frame count and stream of a video element (remote-video, local-video). */
  video(testid = 'remote-video') {
    return this.page.evaluate(videoInfo, testid)
  }

  /**
   * Waits until the video element has a size and its frame count grows by
   * `frames` past the first frame it decoded. Returns the last sample.
   */
  async waitFrames(testid = 'remote-video', { frames = 10, timeout = 15_000 } = {}) {
    const deadline = Date.now() + timeout
    let first = null
    let v = null
    while (Date.now() < deadline) {
      v = await this.video(testid)
      if (v && v.width > 0 && v.frames > 0) {
        if (first === null) first = v.frames
        else if (v.frames >= first + frames) return v
      }
      await this.page.waitForTimeout(50)
    }
    throw new Error(`${this.label}: ${testid} did not decode ${frames} more frames within ${timeout} ms: ${JSON.stringify(v)} (first count ${first})`)
  }

  /**
   * Waits until the video element's frame count stops growing (the other
   * side's camera is off): two samples `window` ms apart equal.
   */
  async waitFramesStop(testid = 'remote-video', { window = 700, timeout = 10_000 } = {}) {
    const deadline = Date.now() + timeout
    let prev = await this.video(testid)
    while (Date.now() < deadline) {
      await this.page.waitForTimeout(window)
      const v = await this.video(testid)
      if (v && prev && v.frames === prev.frames) return v
      prev = v
    }
    throw new Error(`${this.label}: ${testid} kept decoding frames for ${timeout} ms: ${JSON.stringify(prev)}`)
  }

  /** Inbound RTP stats of the page's newest RTCPeerConnection. */
  inbound() {
    return this.page.evaluate(inboundStats)
  }

  /**
   * Waits until inbound RTP of kind grows by `by` (bytes) — media arrives.
   */
  async waitInbound(kind, { by = 2000, timeout = 10_000 } = {}) {
    const deadline = Date.now() + timeout
    let first = null
    let s = null
    while (Date.now() < deadline) {
      s = await this.inbound()
      const b = s?.[kind]?.bytesReceived
      if (b !== undefined) {
        if (first === null) first = b
        else if (b >= first + by) return s
      }
      await this.page.waitForTimeout(100)
    }
    throw new Error(`${this.label}: inbound ${kind} did not grow by ${by} bytes within ${timeout} ms: ${JSON.stringify(s)}`)
  }

  /** Starts watching for the first n presented remote frames; see inpage.firstFrameAt. */
  firstFrame(testid = 'remote-video', timeout = 30_000, n = 1) {
    return this.page.evaluate(firstFrameAt, [testid, timeout, n])
  }

  /** Sets the page's prefers-reduced-motion: true for 'reduce', false for 'no-preference' (what users have by default). */
  async reducedMotion(reduce) {
    await this.page.emulateMedia({ reducedMotion: reduce ? 'reduce' : 'no-preference' })
  }

  /** Opens a tab of the sidebar: "people", "history" or "settings". */
  async show(tab) {
    if (tab === 'settings') await this.tid('settings').click()
    else if (tab === 'history') await this.page.getByRole('button', { name: /call history/i }).click()
    else throw new Error(`show(${tab})`)
  }

  /** Waits until every finite CSS animation and transition has finished (for screenshots). */
  async settle() {
    await this.page.waitForFunction(
      () => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getComputedTiming().iterations === Infinity),
      null,
      { timeout: 5_000, polling: 50 },
    )
  }

  async screenshot(path) {
    await this.page.screenshot({ path })
  }
}

/**
 * Waits until the audio arriving at ui is silent (silent: true: audio
 * energy stops growing over `window` ms while packets still come) or
 * audible (energy grows).
 */
export async function waitAudio(ui, { silent, window = 1_000, timeout = 10_000 }) {
  const deadline = Date.now() + timeout
  let prev = (await ui.inbound())?.audio
  let last = null
  while (Date.now() < deadline) {
    await ui.page.waitForTimeout(window)
    const cur = (await ui.inbound())?.audio
    if (prev && cur) {
      const energy = cur.totalAudioEnergy - prev.totalAudioEnergy
      const packets = cur.packetsReceived - prev.packetsReceived
      last = { energy, packets }
      if (silent ? energy < 1e-6 && packets > 0 : energy > 1e-6) return last
    }
    prev = cur
  }
  throw new Error(`${ui.label}: incoming audio did not turn ${silent ? 'silent' : 'audible'} within ${timeout} ms (last window: ${JSON.stringify(last)})`)
}
