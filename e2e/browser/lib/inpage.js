// Code that runs in the pages (as Playwright init scripts or evaluate
// functions). Kept apart because none of it may close over Node values.

/**
 * Installed before the app's own scripts in every page: records every
 * text the call-state element shows (so a state that passes quickly is
 * not missed: tests look at the log since a mark, like the Go harness's
 * WaitEvent), and keeps the page's RTCPeerConnections so tests can read
 * their stats. For the benchmark's breakdown it also keeps a timeline
 * (`__pl.events`) of the peer connections' state changes, descriptions,
 * candidates, tracks, createAnswer, addTrack and replaceTrack, of
 * getUserMedia, of the Calls.* requests, answers and call events on the
 * bridge's WebSocket, and of the UI: clicks on test ids, the incoming card
 * and the call screens coming and going, streams handed to <video>
 * elements, the remote picture shown, the <video>s' loadedmetadata,
 * playing and resize, and every CSS animation and transition that starts
 * or ends; plus the page's long animation frames (`__pl.loafs`). Nothing
 * the app sees changes: the constructors are subclasses and the wrappers
 * only watch.
 */
export function instrument() {
  const pl = (window.__pl = { states: [], pcs: [] })
  const record = () => {
    const el = document.querySelector('[data-testid="call-state"]')
    if (!el) return
    const s = el.textContent.trim()
    const last = pl.states[pl.states.length - 1]
    if (!last || last.s !== s) pl.states.push({ s, at: performance.timeOrigin + performance.now() })
  }
  new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true })
  // A timeline of the call's milestones, for the benchmark's breakdown.
  pl.events = []
  const now = () => performance.timeOrigin + performance.now()
  const mark = (name) => {
    pl.events.push({ name, at: now() })
    if (pl.events.length > 500) pl.events.splice(0, 250)
  }
  // Long animation frames (over 50 ms: the UI's scripts, style and
  // layout): while the page is busy, every event the call engine waits for
  // waits too.
  pl.loafs = []
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        pl.loafs.push({
          at: performance.timeOrigin + e.startTime,
          ms: Math.round(e.duration),
          render: Math.round(e.renderStart ? e.startTime + e.duration - e.renderStart : 0),
          layout: Math.round(e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0),
          scripts: e.scripts.map((x) => `${x.invoker}|${x.sourceFunctionName}|${Math.round(x.duration)}`),
        })
      }
      if (pl.loafs.length > 500) pl.loafs.splice(0, 250)
    }).observe({ type: 'long-animation-frame', buffered: false })
  } catch {
    // no LoAF
  }
  // What the UI does between the click and the pictures: the click, the
  // screens coming and going, streams handed to the <video> elements, the
  // remote picture shown, the media elements' own events, and every CSS
  // animation and transition that starts or ends (by name or property and
  // the element's first class), so the breakdown shows what waits on what.
  const what = (el) => el?.dataset?.testid || (el?.classList?.[0] ?? el?.tagName?.toLowerCase() ?? '?')
  document.addEventListener('click', (e) => {
    const b = e.target.closest?.('[data-testid]')
    if (b) mark(`ui:click ${b.dataset.testid}`)
  }, { capture: true })
  const present = new Map()
  const watchDom = () => {
    for (const [id, label] of [
      ['incoming-call', 'incoming card'],
      ['hangup', 'call screen'],
      ['cancel', 'outgoing screen'],
    ]) {
      const on = !!document.querySelector(`[data-testid="${id}"]`)
      if (present.get(id) !== on) {
        if (present.has(id) || on) mark(`ui:${label} ${on ? 'shown' : 'gone'}`)
        present.set(id, on)
      }
    }
    const rv = document.querySelector('[data-testid="remote-video"]')
    const shown = !!rv && rv.classList.contains('shown')
    if (present.get('remote shown') !== shown) {
      if (present.has('remote shown') || shown) mark(`ui:remote-video ${shown ? 'shown' : 'hidden'}`)
      present.set('remote shown', shown)
    }
  }
  new MutationObserver(watchDom).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] })
  for (const type of ['loadedmetadata', 'playing', 'resize']) {
    document.addEventListener(type, (e) => {
      if (e.target instanceof HTMLVideoElement) mark(`media:${what(e.target)} ${type}`)
    }, { capture: true })
  }
  for (const type of ['animationstart', 'animationend', 'transitionstart', 'transitionend']) {
    document.addEventListener(type, (e) => {
      const name = e.animationName ?? e.propertyName
      mark(`css:${type.replace('animation', 'animation ').replace('transition', 'transition ').trim()} ${name} .${what(e.target)}`)
    }, { capture: true })
  }
  const srcObject = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'srcObject')
  if (srcObject?.set) {
    Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
      ...srcObject,
      set(v) {
        mark(`ui:${what(this)} srcObject ${v ? 'set' : 'cleared'}`)
        srcObject.set.call(this, v)
      },
    })
  }
  if (window.RTCRtpSender?.prototype.replaceTrack) {
    const replaceTrack = RTCRtpSender.prototype.replaceTrack
    RTCRtpSender.prototype.replaceTrack = function (t) {
      mark(`sender:replaceTrack ${t?.kind ?? 'null'}`)
      return replaceTrack.call(this, t)
    }
  }
  const Native = window.RTCPeerConnection
  if (Native) {
    window.RTCPeerConnection = class RTCPeerConnection extends Native {
      constructor(...args) {
        super(...args)
        pl.pcs.push(this)
        mark('pc:new')
        this.addEventListener('signalingstatechange', () => mark(`signaling:${this.signalingState}`))
        this.addEventListener('iceconnectionstatechange', () => mark(`ice:${this.iceConnectionState}`))
        this.addEventListener('connectionstatechange', () => mark(`connection:${this.connectionState}`))
        this.addEventListener('icecandidate', (e) => mark(e.candidate?.candidate ? 'ice:local candidate' : 'ice:local end'))
        this.addEventListener('track', (e) => mark(`track:${e.track.kind}`))
      }
      setRemoteDescription(d, ...rest) {
        mark(`srd:${d?.type}:start`)
        const p = super.setRemoteDescription(d, ...rest)
        p.then(() => mark(`srd:${d?.type}:done`), () => {})
        return p
      }
      setLocalDescription(...args) {
        mark('sld:start')
        const p = super.setLocalDescription(...args)
        p.then(() => mark(`sld:${this.localDescription?.type}:done`), () => {})
        return p
      }
      createAnswer(...args) {
        mark('createAnswer:start')
        return super.createAnswer(...args)
      }
      addTrack(t, ...rest) {
        mark(`addTrack:${t?.kind}`)
        return super.addTrack(t, ...rest)
      }
      addIceCandidate(c, ...rest) {
        mark(c?.candidate ? 'ice:remote candidate' : 'ice:remote end')
        return super.addIceCandidate(c, ...rest)
      }
    }
  }
  // The bridge's WebSocket: when the Go core's calls go out and its events
  // and answers come in (the answer's trip through the two cores).
  const NativeWS = window.WebSocket
  if (NativeWS) {
    window.WebSocket = class WebSocket extends NativeWS {
      constructor(...args) {
        super(...args)
        const methods = (this.__methods = new Map())
        this.addEventListener('message', (e) => {
          let m
          try {
            m = JSON.parse(e.data)
          } catch {
            return
          }
          if (m.event === 'call:signal') mark(`bridge:in signal ${m.data?.kind}`)
          else if (m.event === 'call:state') mark(`bridge:in state ${m.data?.state}`)
          else if (m.event === 'call:incoming') mark('bridge:in incoming')
          else if (typeof m.id === 'number' && methods.has(m.id)) {
            mark(`bridge:result ${methods.get(m.id)}`)
            methods.delete(m.id)
          }
        })
      }
      send(data) {
        try {
          const m = JSON.parse(data)
          if (typeof m.method === 'string' && m.method.startsWith('Calls.')) {
            mark(`bridge:call ${m.method}`)
            this.__methods?.set(m.id, m.method)
          }
        } catch {
          // not JSON
        }
        return super.send(data)
      }
    }
  }
  const md = navigator.mediaDevices
  if (md?.getUserMedia) {
    const gum = md.getUserMedia.bind(md)
    md.getUserMedia = async (constraints) => {
      mark('gum:start')
      try {
        return await gum(constraints)
      } finally {
        mark('gum:done')
      }
    }
  }
}

/**
 * One call to the app's bridge API over a WebSocket of the page's own
 * (same origin, the token the page keeps in sessionStorage, offered as a
 * subprotocol as the frontend does): the harness's way to read what the UI does
 * not show as a test id (Identity.Me) and to set up what a test is not
 * about (a contact at a signaling server).
 */
export async function bridgeCall([method, args]) {
  const token = sessionStorage.getItem('peerline.bridge.token')
  if (!token) throw new Error(`${method}: the page holds no bridge token (was it opened on the ui: URL?)`)
  const ws = new WebSocket(`ws://${location.host}/api`, ['peerline.v1', `peerline.token.${token}`])
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in 10 s`)), 10_000)
      ws.onerror = () => reject(new Error(`${method}: WebSocket error`))
      ws.onopen = () => ws.send(JSON.stringify({ id: 1, method, args }))
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data)
        if (m.id !== 1) return // an event
        clearTimeout(timer)
        if (m.error) reject(new Error(`${method}: ${m.error.code}: ${m.error.message}`))
        else resolve(m.result)
      }
    })
  } finally {
    ws.close()
  }
}

/** What a <video data-testid=…> shows: size, frames, stream. */
export function videoInfo(testid) {
  const v = document.querySelector(`[data-testid="${testid}"]`)
  if (!v) return null
  const s = v.srcObject
  const q = v.getVideoPlaybackQuality ? v.getVideoPlaybackQuality() : null
  return {
    width: v.videoWidth,
    height: v.videoHeight,
    frames: q ? q.totalVideoFrames : -1,
    paused: v.paused,
    readyState: v.readyState,
    tracks: s ? s.getTracks().map((t) => ({ kind: t.kind, state: t.readyState, muted: t.muted, enabled: t.enabled })) : null,
    shown: v.classList.contains('shown'),
    visible: getComputedStyle(v).opacity !== '0' && v.getBoundingClientRect().width > 0,
  }
}

/** Inbound RTP of the page's newest peer connection, by kind. */
export async function inboundStats() {
  const pcs = window.__pl?.pcs ?? []
  const pc = pcs[pcs.length - 1]
  if (!pc) return null
  const out = { connectionState: pc.connectionState, signalingState: pc.signalingState, audio: null, video: null, transceivers: [] }
  for (const t of pc.getTransceivers()) {
    out.transceivers.push({ mid: t.mid, kind: t.receiver.track?.kind, direction: t.direction, current: t.currentDirection })
  }
  if (pc.connectionState === 'closed') return out
  const stats = await pc.getStats()
  stats.forEach((r) => {
    if (r.type !== 'inbound-rtp') return
    const prev = out[r.kind]
    // A renegotiated call can have two of a kind: keep the busiest.
    if (prev && prev.bytesReceived >= r.bytesReceived) return
    out[r.kind] = {
      bytesReceived: r.bytesReceived,
      packetsReceived: r.packetsReceived,
      framesDecoded: r.framesDecoded,
      frameWidth: r.frameWidth,
      frameHeight: r.frameHeight,
      totalAudioEnergy: r.totalAudioEnergy,
      totalSamplesReceived: r.totalSamplesReceived,
      audioLevel: r.audioLevel,
    }
  })
  return out
}

/**
 * Resolves with {at, width, height, frames}: the wall-clock time (ms since
 * the epoch, comparable between browsers on one machine) at which the
 * <video data-testid=…> presents its first frame after this is called,
 * and that frame's size; frames holds the times of the first n presented
 * frames (n ≥ 1; frames[1] is the second). It watches for the element and
 * its stream to appear, then follows the presented frames with
 * requestVideoFrameCallback (which fires when the compositor shows a
 * frame, so a picture that is hidden or not yet painted does not count).
 */
export function firstFrameAt([testid, timeoutMs, n = 1]) {
  const now = () => performance.timeOrigin + performance.now()
  return new Promise((resolve, reject) => {
    const deadline = now() + timeoutMs
    const frames = []
    let first = null
    const watch = () => {
      const v = document.querySelector(`[data-testid="${testid}"]`)
      if (v && v.srcObject && v.srcObject.getVideoTracks().length > 0) {
        const next = (_, meta) => {
          frames.push(now())
          first ??= meta
          if (frames.length >= n) resolve({ at: frames[0], width: first.width, height: first.height, frames })
          else v.requestVideoFrameCallback(next)
        }
        v.requestVideoFrameCallback(next)
        return
      }
      if (now() > deadline) reject(new Error(`${testid}: no stream within ${timeoutMs} ms`))
      else setTimeout(watch, 2)
    }
    watch()
  })
}

/**
 * The floor the app is measured against: getUserMedia and two
 * RTCPeerConnections in one page, trickling candidates to each other
 * directly, to the first and second remote frames presented in a <video>.
 * Resolves with {gum, connected, frame, frame2} in ms from the start and
 * the first frame's size ("640x480"). constraints default
 * to {audio: true, video: true} (Chromium's 640x480 fake camera).
 */
export async function floorRun(constraints) {
  const now = () => performance.now()
  const t0 = now()
  const stream = await navigator.mediaDevices.getUserMedia(constraints ?? { audio: true, video: true })
  const gum = now() - t0
  const a = new RTCPeerConnection()
  const b = new RTCPeerConnection()
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate)
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate)
  let connected = 0
  b.onconnectionstatechange = () => {
    if (b.connectionState === 'connected' && !connected) connected = now() - t0
  }
  const video = document.createElement('video')
  video.muted = true
  video.autoplay = true
  video.playsInline = true
  document.body.append(video)
  let size = ''
  let frame1 = 0
  // The first two presented frames (the app is measured to its second).
  const frame = new Promise((resolve) => {
    b.ontrack = (e) => {
      if (e.track.kind !== 'video') return
      video.srcObject = e.streams[0]
      video.requestVideoFrameCallback((_, meta) => {
        size = `${meta.width}x${meta.height}`
        frame1 = now() - t0
        video.requestVideoFrameCallback(() => resolve(now() - t0))
      })
    }
  })
  for (const t of stream.getTracks()) a.addTrack(t, stream)
  await a.setLocalDescription()
  await b.setRemoteDescription(a.localDescription)
  await b.setLocalDescription()
  await a.setRemoteDescription(b.localDescription)
  const second = await frame
  for (const t of stream.getTracks()) t.stop()
  a.close()
  b.close()
  video.remove()
  return { gum, connected, frame: frame1, frame2: second, size }
}
