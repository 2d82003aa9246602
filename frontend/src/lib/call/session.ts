/**
 * CallSession: the facade the UI talks to. One per app window; any number
 * of calls in a row, one at a time.
 *
 * Flow (see DESIGN.md "How a call flows"):
 *
 *   caller: placeCall → camera/mic → offer → Calls.Start ─┐
 *   callee:                      call:incoming (ringing) ◄┘ no media yet
 *   callee: accept → camera/mic → answer → Calls.Accept ─┐
 *   caller:                        call:signal answer   ◄┘
 *   both:   candidates trickle (Calls.Candidate / call:signal candidate),
 *           PeerLink connected → Calls.MediaState("connected")
 *   either: hangup → Calls.Hangup; the other gets call:state ended
 *
 * Every end, whatever its cause, runs the same teardown: every local track
 * stopped (camera, microphone, screen), the peer connection closed, every
 * timer and listener of the call dropped.
 *
 * Action methods never reject: failures arrive as CallEvent.Error, and
 * when they end the call, in CallEvent.State as well.
 *
 * Observer: every window of the app gets the same events. A session that
 * did not place or answer the call (another window did, or this one has
 * no WebRTC) has no media for it and only mirrors Go's states; it never
 * ends the call by itself, though hangup() still works from it.
 *
 * State: Go's call:state drives idle → calling → ringing → connecting and
 * ended; the peer connection drives connected ⇄ reconnecting (Go hears of
 * it through Calls.MediaState, and its echo is not needed to move on).
 */
import type { Backend, CallInfo, CallSignal, ICEServer, IncomingCallEvent } from '../backend'
import { EVENTS } from '../backend'
import { captureMedia, captureScreen, setSink, stopStream, type DeviceChoice, type MediaSource } from '../media'
import { CallError, endError, toCallError } from './errors'
import { LocalMedia } from './localmedia'
import { PeerLink, type LinkStatus } from './peer'
import { browserRtc, type RtcEnvironment } from './rtc'
import { CallSignaling, fromSignal } from './signaling'
import {
  CallEvent,
  type CallEventHandler,
  type CallEventMap,
  type CallOptions,
  type CallSessionOptions,
  type CallState,
  type CallStats,
  type MediaFlags,
} from './types'

const DEFAULTS = {
  statsIntervalMs: 1000,
  disconnectedRestartMs: 3000,
  reconnectTimeoutMs: 30_000,
  connectTimeoutMs: 30_000,
}

/** How long after placing a call an auto-accepted glare call keeps its video choice. */
const GLARE_MEMORY_MS = 120_000

/** How far a call has come; Go's answers can lag its events (Calls.Start's "calling" after the "ringing" event), and a call never goes back. */
const RANK: Record<CallState, number> = { idle: 0, calling: 1, ringing: 2, connecting: 3, connected: 4, reconnecting: 4, ended: 5 }

const noFlags = (): MediaFlags => ({ micOn: false, cameraOn: false, screenSharing: false })

/** One call, from placeCall or call:incoming to its end. */
interface Attempt {
  readonly direction: 'outgoing' | 'incoming'
  readonly peer: string
  /** Go's call id; null for an outgoing call until Calls.Start answers (or its first event names it). */
  id: string | null
  info: CallInfo | null
  /** Video was asked for (outgoing) or offered (incoming). */
  readonly video: boolean
  /** The caller's offer (incoming). */
  readonly offer: string
  /** Signals that came before the link existed (callee ringing) or before the id was known (caller). */
  early: CallSignal[]
  link: PeerLink | null
  signaling: CallSignaling | null
  /**
   * Incoming: the peer connection made while ringing, with the caller's
   * offer set and no media (see prewarm); it becomes `link` on accept.
   */
  warm: Promise<Warm> | null
  warmLink: PeerLink | null
  /** Incoming: whether the answer sends video (set on accept). */
  answerVideo: boolean
  readonly media: LocalMedia
  accepting: boolean
  /** The peer connection reached `connected` at least once. */
  mediaConnected: boolean
  ended: boolean
  connectTimer?: ReturnType<typeof setTimeout>
  /** Media changes (camera, screen, device) run one after another. */
  ops: Promise<void>
}

/** A callee's connection prepared while ringing. */
interface Warm {
  link: PeerLink
  signaling: CallSignaling
  /** Lets the negotiator go on to answer (the call was accepted, or ended). */
  go: () => void
  /** The negotiator's receive of the offer: settles once the answer is sent (or failed). */
  answered: Promise<void>
}

export class CallSession {
  readonly backend: Backend
  private readonly rtc: Partial<RtcEnvironment>
  private readonly mediaSource: MediaSource | null
  private readonly cfg: typeof DEFAULTS
  private readonly handlers = new Map<CallEvent, Set<(data: unknown) => void>>()
  private readonly offs: (() => void)[] = []
  private readonly outputs = new Set<HTMLMediaElement>()

  private attempt: Attempt | null = null
  private _state: CallState = 'idle'
  private _error: CallError | null = null
  private _local: MediaFlags = noFlags()
  private _remote: MediaFlags = noFlags()
  private _localStream: MediaStream | null = null
  private _remoteStream: MediaStream | null = null
  private _stats: CallStats | null = null
  private preferred: { camera?: DeviceChoice; microphone?: DeviceChoice } = {}
  private speaker = ''
  private lastPlaced: { peer: string; video: boolean; at: number } | null = null
  private disposed = false

  constructor(options: CallSessionOptions) {
    this.backend = options.backend
    this.rtc = { ...browserRtc(), ...options.rtc }
    const rtc = this.rtc
    this.mediaSource = rtc.getUserMedia
      ? { getUserMedia: (c) => rtc.getUserMedia!(c), getDisplayMedia: rtc.getDisplayMedia && ((o) => rtc.getDisplayMedia!(o)) }
      : null
    this.cfg = {
      statsIntervalMs: options.statsIntervalMs ?? DEFAULTS.statsIntervalMs,
      disconnectedRestartMs: options.disconnectedRestartMs ?? DEFAULTS.disconnectedRestartMs,
      reconnectTimeoutMs: options.reconnectTimeoutMs ?? DEFAULTS.reconnectTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    }
    this.setPreferredDevices(options.devices ?? {})
    const b = this.backend
    this.offs.push(
      b.on(EVENTS.CallState, (info) => this.onCallState(info)),
      b.on(EVENTS.CallIncoming, (ev) => this.onIncoming(ev)),
      b.on(EVENTS.CallSignal, (sig) => this.onSignal(sig)),
      b.onConnectionChange((up) => {
        if (up) void this.resync()
      }),
    )
  }

  // ---- events and snapshot ------------------------------------------------

  /** Subscribes to one event; returns the unsubscribe function. */
  on<E extends CallEvent>(event: E, handler: CallEventHandler<E>): () => void {
    let set = this.handlers.get(event)
    if (!set) this.handlers.set(event, (set = new Set()))
    const h = handler as (data: unknown) => void
    set.add(h)
    return () => void set.delete(h)
  }

  /** The text for data-testid="call-state". */
  get state(): CallState {
    return this._state
  }

  /** The current (or last) call as Go sees it. */
  get call(): CallInfo | null {
    return this.attempt?.info ?? null
  }

  /** Why the last call failed; null while a call goes well or ended normally. */
  get error(): CallError | null {
    return this._error
  }

  /** Our microphone + camera/screen (the preview; play it muted). */
  get localStream(): MediaStream | null {
    return this._localStream
  }

  get remoteStream(): MediaStream | null {
    return this._remoteStream
  }

  get localMedia(): MediaFlags {
    return { ...this._local }
  }

  get remoteMedia(): MediaFlags {
    return { ...this._remote }
  }

  get stats(): CallStats | null {
    return this._stats
  }

  /**
   * This window can run calls (it has WebRTC). Debian's WebKitGTK has
   * none: there the app runs calls in a browser window, and this session
   * only mirrors the call's state (see "observer" below).
   */
  get canCall(): boolean {
    return !!this.rtc.RTCPeerConnection && !!this.rtc.createStream
  }

  /** A call occupies the line (anything but idle and ended). */
  get inCall(): boolean {
    return this._state !== 'idle' && this._state !== 'ended'
  }

  // ---- actions ------------------------------------------------------------

  /** Calls peerId. Media (microphone, and camera for video) starts now, before the other side answers. */
  async placeCall(peerId: string, options: CallOptions): Promise<void> {
    if (this.disposed) return
    if (this.inCall) return this.report(new CallError('wrong_state', 'You are already in a call.'))
    if (!this.canCall) return this.report(new CallError('no_webrtc'), true)
    const a = this.begin('outgoing', peerId, options.video, '', null)
    this.lastPlaced = { peer: peerId, video: options.video, at: Date.now() }
    this.setState('calling')
    const [ice, ok] = await Promise.all([this.iceServers(), this.openMedia(a, options.video, true)])
    if (!ok || a.ended) return

    // The call id goes to signaling only once Calls.Start has named the call (see sendOffer).
    const signaling = new CallSignaling(this.backend.calls, (d) => this.sendOffer(a, d.sdp))
    a.signaling = signaling
    const link = this.makeLink(a, ice, false, signaling)
    a.link = link
    link.setLocalFlags(this._local)
    this._remote = { micOn: true, cameraOn: false, screenSharing: false }
    link.openStateChannel() // before the first offer, so it carries the channel
    await link.setTrack('audio', a.media.mic)
    if (options.video) {
      if (a.media.camera) await link.setTrack('video', a.media.camera)
      else link.addTransceiver('video', 'sendrecv') // no camera: still offer video, to receive it and to turn a camera on later
    }
    // negotiationneeded → Negotiator → sendOffer → Calls.Start
  }

  /**
   * Takes up the call that rings now, if this session has no call: for a
   * window opened while it rings (the call window on Linux), which missed
   * call:incoming. Resolves whether that call now rings here.
   */
  async pickUp(): Promise<boolean> {
    if (this.disposed) return false
    let ev: IncomingCallEvent | null
    try {
      ev = await this.backend.calls.incoming()
    } catch {
      return false
    }
    if (!ev || this.disposed) return false
    const cur = this.attempt
    if (cur && !cur.ended) return cur.id === ev.call.id
    this.onIncoming(ev)
    const id = ev.call.id
    if (this.attempt?.id !== id) return false
    // The caller's candidates went out before this window was there.
    for (const candidate of ev.candidates ?? []) this.onSignal({ call: id, kind: 'candidate', candidate })
    if (ev.endOfCandidates) this.onSignal({ call: id, kind: 'end_of_candidates' })
    return true
  }

  /** Answers the ringing call. Camera and microphone turn on only now. */
  async accept(options: CallOptions): Promise<void> {
    const a = this.attempt
    if (!a || a.ended || a.direction !== 'incoming' || a.accepting || this._state !== 'ringing') {
      return this.report(new CallError('wrong_state', 'There is no ringing call to answer.'))
    }
    if (!this.canCall) {
      // Not declined: another window of the app (the browser window on Linux) may answer it.
      return this.report(new CallError('no_webrtc'))
    }
    a.accepting = true
    const video = options.video && a.video
    a.answerVideo = video
    // Set-up latency: the camera and microphone open concurrently with the
    // answer, which needs no tracks (the senders are made to send first and
    // the tracks replaceTrack'ed in when getUserMedia returns, long before
    // ICE and DTLS are up). The peer connection, with the offer set, was
    // made while ringing (prewarm), so only the answer itself is left.
    const media = this.openMedia(a, video, false)
    let warm: Warm
    try {
      warm = await this.prewarm(a)
    } catch (err) {
      await media
      if (!a.ended) this.fail(a, new CallError('connection_failed', "Could not answer: the caller's offer was not usable.", { cause: err }))
      return
    }
    if (a.ended) return // openMedia stops whatever it opened
    const link = warm.link
    a.link = link
    a.signaling = warm.signaling
    a.warmLink = null
    link.setLocalFlags(this._local)
    this._remote = link.remoteMedia // what the offer's tracks told while ringing
    this.emit(CallEvent.RemoteMedia, { ...this._remote })
    if (link.remoteStream.getTracks().length > 0) {
      // The offer's tracks arrived while ringing; the UI gets them now.
      this._remoteStream = this.rtc.createStream!(link.remoteStream.getTracks())
      this.emit(CallEvent.RemoteStream, this._remoteStream)
    }
    link.prepareSend('audio')
    if (video) link.prepareSend('video')
    // Tracks first in the media queue, so a camera toggle made meanwhile comes after them.
    void this.serial(a, async () => {
      if (!(await media) || a.ended) return
      await link.setTrack('audio', a.media.mic)
      if (a.media.camera) await link.setTrack('video', a.media.camera)
      this.updateLocal(a, {})
    })
    warm.go()
    try {
      await warm.answered
    } catch (err) {
      if (!a.ended) this.fail(a, new CallError('connection_failed', "Could not answer: the caller's offer was not usable.", { cause: err }))
    }
  }

  /** Refuses the ringing call. */
  async decline(): Promise<void> {
    const a = this.attempt
    if (!a || a.ended || a.direction !== 'incoming') return this.report(new CallError('wrong_state', 'There is no ringing call to decline.'))
    if (a.accepting) return this.hangup()
    this.finish(a, null)
    if (a.id) await this.backend.calls.decline(a.id).catch((err) => this.goFailed('decline', err))
  }

  /** Withdraws our call before it is answered. */
  async cancel(): Promise<void> {
    const a = this.attempt
    if (!a || a.ended || a.direction !== 'outgoing') return this.report(new CallError('wrong_state', 'There is no call to cancel.'))
    this.finish(a, null)
    // Without an id yet, sendOffer hangs up as soon as Calls.Start answers.
    if (a.id) await this.backend.calls.hangup(a.id).catch((err) => this.goFailed('cancel', err))
  }

  /** Ends the call, in whatever state it is (cancels or declines one not yet answered). */
  async hangup(): Promise<void> {
    const a = this.attempt
    if (!a || a.ended) return
    this.finish(a, null)
    if (a.id) await this.backend.calls.hangup(a.id).catch((err) => this.goFailed('hangup', err))
  }

  /** Mutes or unmutes the microphone (the track stays open, sending silence). */
  setMuted(muted: boolean): void {
    const a = this.live()
    if (!a) return
    if (a.media.mic) a.media.mic.enabled = !muted
    this.updateLocal(a, { micOn: !muted && a.media.mic !== null })
  }

  /**
   * Turns the camera on or off. Off stops the camera (its light goes out)
   * and sends no video (replaceTrack(null), no renegotiation); on opens it
   * again. In an audio call, turning it on adds video (a renegotiation).
   * While the screen is shared, the camera resumes when sharing stops.
   */
  async setCameraOn(on: boolean): Promise<void> {
    const a = this.live()
    if (!a) return
    return this.serial(a, async () => {
      if (a.media.screen) {
        this.updateLocal(a, { cameraOn: on })
        return
      }
      if (!on) {
        if (a.media.camera) {
          a.media.drop(a.media.camera)
          await a.link?.setTrack('video', null)
        }
        this.updateLocal(a, { cameraOn: false })
        return
      }
      if (!a.media.camera) {
        const track = await this.openCamera(a)
        if (!track) return
        a.media.camera = track
        await a.link?.setTrack('video', track)
      }
      this.updateLocal(a, { cameraOn: true })
    })
  }

  /**
   * Shares a screen or window (the system picker asks which) in place of
   * the camera picture: replaceTrack on the video sender, or a new video
   * sender and a renegotiation in an audio call. The browser's own "stop
   * sharing" button ends it as stopScreenShare does.
   */
  async startScreenShare(): Promise<void> {
    const a = this.live()
    if (!a) return
    return this.serial(a, async () => {
      if (a.media.screen) return
      let stream: MediaStream
      try {
        stream = await captureScreen(this.mediaSource)
      } catch (err) {
        const e = toCallError(err)
        if (e.code !== 'cancelled') this.report(e)
        return
      }
      const track = stream.getVideoTracks()[0]
      if (a.ended || !track) {
        stopStream(stream)
        return
      }
      for (const t of stream.getTracks()) if (t !== track) t.stop()
      track.addEventListener('ended', () => {
        if (a.media.screen === track) void this.stopScreenShare()
      })
      a.media.drop(a.media.camera) // the camera rests while the screen is shown
      a.media.screen = track
      await a.link?.setTrack('video', track)
      this.updateLocal(a, { screenSharing: true })
    })
  }

  /** Stops sharing; the camera comes back if it was on. */
  async stopScreenShare(): Promise<void> {
    const a = this.live()
    if (!a) return
    return this.serial(a, async () => {
      if (!a.media.screen) return
      a.media.drop(a.media.screen)
      let next: MediaStreamTrack | null = null
      if (this._local.cameraOn) {
        next = await this.openCamera(a)
        if (next) a.media.camera = next
      }
      await a.link?.setTrack('video', next)
      this.updateLocal(a, { screenSharing: false, cameraOn: next !== null })
    })
  }

  /**
   * Moves the call to another camera or microphone (replaceTrack, no
   * renegotiation). Outside a call it sets the device for the next calls.
   */
  async switchDevice(kind: 'camera' | 'microphone', deviceId: string): Promise<void> {
    this.preferred[kind] = deviceId ? { id: deviceId, mode: 'exact' } : undefined
    const a = this.live()
    if (!a) return
    return this.serial(a, async () => {
      if (kind === 'microphone') {
        if (!a.media.mic) return
        const stream = await this.capture(a, { audio: true, video: false })
        const track = stream?.getAudioTracks()[0]
        if (!track) return
        track.enabled = this._local.micOn
        const old = a.media.mic
        a.media.mic = track
        await a.link?.setTrack('audio', track)
        old.stop()
      } else {
        if (!a.media.camera) return
        const track = await this.openCamera(a)
        if (!track) return
        const old = a.media.camera
        a.media.camera = track
        await a.link?.setTrack('video', track)
        old.stop()
      }
      this.emitLocalStream(a)
    })
  }

  /**
   * Plays the call on another speaker ("" = system default), on every
   * element given to registerOutput. Reports `unsupported` where the
   * webview cannot choose (setSinkId missing).
   */
  async setSpeaker(deviceId: string): Promise<void> {
    this.speaker = deviceId
    await Promise.all([...this.outputs].map((el) => this.applySink(el)))
  }

  /**
   * Registers an element that plays the other side (the remote <video>),
   * so setSpeaker reaches it. Returns the function that unregisters it.
   * Usable as a Svelte attachment: {@attach (el) => session.registerOutput(el)}.
   */
  registerOutput(element: HTMLMediaElement): () => void {
    this.outputs.add(element)
    if (this.speaker) void this.applySink(element)
    return () => void this.outputs.delete(element)
  }

  /** Updates the saved device choices (Settings camera/microphone/speaker) used from the next capture on. */
  setPreferredDevices(devices: { camera?: string; microphone?: string; speaker?: string }): void {
    if (devices.camera !== undefined) this.preferred.camera = devices.camera ? { id: devices.camera, mode: 'preferred' } : undefined
    if (devices.microphone !== undefined) {
      this.preferred.microphone = devices.microphone ? { id: devices.microphone, mode: 'preferred' } : undefined
    }
    if (devices.speaker !== undefined && devices.speaker !== this.speaker) void this.setSpeaker(devices.speaker)
  }

  /** Hangs up any live call and stops listening to the backend. The session is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return
    const a = this.attempt
    if (a && !a.ended) {
      this.finish(a, null)
      if (a.id) void this.backend.calls.hangup(a.id).catch(() => {})
    }
    this.disposed = true
    for (const off of this.offs.splice(0)) off()
    this.handlers.clear()
    this.outputs.clear()
  }

  // ---- Go events ------------------------------------------------------------

  private onCallState(info: CallInfo): void {
    const a = this.attempt
    if (!a || !this.matches(a, info)) return
    if (a.id === null) this.adoptId(a, info.id)
    if (!a.ended && RANK[info.state] < RANK[this._state]) return // stale
    a.info = info
    if (a.ended) {
      this.emitState() // Go's final word (outcome, times) on a call we already ended
      return
    }
    switch (info.state) {
      case 'ended':
        this.finish(a, endError(info))
        return
      case 'connected':
      case 'reconnecting':
        // Our PeerLink says so already and Go echoes it; an observer takes Go's word.
        if (a.link) return this.emitState()
        return this.setState(info.state)
      case 'connecting':
        if (!a.accepting) this.dropWarm(a) // another window answered
        if (a.mediaConnected) return this.emitState()
        this.armConnectTimer(a)
        return this.setState('connecting')
      case 'calling':
      case 'ringing':
        return this.setState(info.state)
    }
  }

  private onIncoming(ev: IncomingCallEvent): void {
    if (this.disposed) return
    const call = ev.call
    const cur = this.attempt
    if (cur && !cur.ended) {
      if (cur.id === call.id) return
      if (call.autoAccept && cur.direction === 'outgoing' && cur.peer === call.peer) {
        // Both called at once and Go kept the other call: ours is over.
        this.finish(cur, null)
      } else {
        console.warn('call: an incoming call while in a call (Go should have refused it)')
        return
      }
    }
    const video = call.media.includes('video')
    const a = this.begin('incoming', call.peer, video, ev.offer, call.id)
    a.info = call
    this.setState('ringing')
    this.emit(CallEvent.Incoming, { call, video })
    // Set-up latency: the peer connection is made and the offer set while
    // it rings (no media: camera and microphone open only on accept).
    if (this.canCall) this.prewarm(a).catch(() => {}) // accept reports it
    const placed = this.lastPlaced
    if (call.autoAccept && placed && placed.peer === call.peer && Date.now() - placed.at < GLARE_MEMORY_MS) {
      void this.accept({ video: placed.video })
    }
  }

  private onSignal(sig: CallSignal): void {
    const a = this.attempt
    if (!a || a.ended) return
    if (a.id === null) {
      if (a.direction === 'outgoing') a.early.push(sig) // sorted out once Calls.Start names the call
      return
    }
    if (sig.call !== a.id) return
    if (a.warmLink && sig.kind !== 'answer' && sig.kind !== 'renegotiate') {
      // Ringing with a prepared connection: the caller's candidates go in
      // now (its negotiator queues them until the offer is set), so the
      // callee's ICE checks start as soon as it answers.
      this.deliver(a, sig, a.warmLink)
      return
    }
    if (!a.link || a.signaling?.callId == null) {
      a.early.push(sig)
      return
    }
    this.deliver(a, sig)
  }

  private deliver(a: Attempt, sig: CallSignal, link: PeerLink | null = a.link): void {
    if (!link) return
    link.negotiator.receive(fromSignal(sig)).catch((err) => {
      if (a.ended) return
      if (!a.mediaConnected) this.fail(a, new CallError('connection_failed', undefined, { cause: err }))
      else this.report(new CallError('connection_lost', 'Could not update the call.', { cause: err }))
    })
  }

  private flushEarly(a: Attempt): void {
    const early = a.early.splice(0)
    for (const sig of early) if (sig.call === a.id) this.deliver(a, sig)
  }

  /** After the bridge reconnects: events may have been lost, so ask Go where the call is. */
  private async resync(): Promise<void> {
    const a = this.attempt
    if (!a || a.ended || !a.id) return
    let cur: CallInfo | null
    try {
      cur = await this.backend.calls.current()
    } catch {
      return
    }
    if (a.ended) return
    if (cur && cur.id === a.id) this.onCallState(cur)
    else if (a.info?.state !== 'connected' && a.info?.state !== 'reconnecting') this.finish(a, null)
    // A connected call carries on peer to peer even if Go forgot it.
  }

  // ---- the call's machinery ------------------------------------------------

  private begin(direction: 'outgoing' | 'incoming', peer: string, video: boolean, offer: string, id: string | null): Attempt {
    const a: Attempt = {
      direction,
      peer,
      id,
      info: null,
      video,
      offer,
      early: [],
      link: null,
      signaling: null,
      warm: null,
      warmLink: null,
      answerVideo: false,
      media: new LocalMedia(this.rtc.createStream ?? (() => ({}) as MediaStream)),
      accepting: false,
      mediaConnected: false,
      ended: false,
      ops: Promise.resolve(),
    }
    this.attempt = a
    this._error = null
    this._local = noFlags()
    this._remote = noFlags()
    this._stats = null
    return a
  }

  private matches(a: Attempt, info: CallInfo): boolean {
    if (a.id !== null) return a.id === info.id
    // Calls.Start has not answered yet, but Go already tells about the call.
    return a.direction === 'outgoing' && info.direction === 'outgoing' && info.peer === a.peer && !a.ended
  }

  private adoptId(a: Attempt, id: string): void {
    a.id = id
    if (a.signaling && a.signaling.callId === null) a.signaling.callId = id
  }

  /**
   * The callee's peer connection, made while ringing: the offer set, the
   * state channel made, candidates pre-gathered; the negotiator then waits
   * (before the answer) until accept calls go(). No media is touched.
   * Rejects when the offer is not usable. Once per attempt.
   */
  private prewarm(a: Attempt): Promise<Warm> {
    a.warm ??= this.buildWarm(a)
    return a.warm
  }

  private async buildWarm(a: Attempt): Promise<Warm> {
    const ice = await this.iceServers()
    if (a.ended) throw new CallError('wrong_state', 'The call is over.')
    // The call id goes to signaling once Calls.Accept is through (see sendAnswer).
    const signaling = new CallSignaling(this.backend.calls, (d) => this.sendAnswer(a, a.answerVideo, d.sdp))
    // One pooled candidate set (max-bundle: one transport) gathers while it rings.
    const link = this.makeLink(a, ice, true, signaling, 1)
    a.warmLink = link
    // Candidates that came before the link did.
    const early = a.early.splice(0)
    for (const sig of early) {
      if (sig.kind === 'candidate' || sig.kind === 'end_of_candidates') this.deliver(a, sig, link)
      else a.early.push(sig)
    }
    let go!: () => void
    const gate = new Promise<void>((resolve) => (go = resolve))
    let offerSet!: () => void
    const set = new Promise<void>((resolve) => (offerSet = resolve))
    const answered = link.negotiator.receive({ description: { type: 'offer', sdp: a.offer } }, async () => {
      link.openStateChannel()
      offerSet()
      await gate
    })
    answered.catch(() => {}) // accept awaits it; before that, a failure surfaces through set
    await Promise.race([set, answered])
    return { link, signaling, go, answered }
  }

  /** Closes a prepared connection that will not be used. */
  private dropWarm(a: Attempt): void {
    const link = a.warmLink
    if (!link) return
    a.warmLink = null
    link.close()
    void a.warm?.then((w) => w.go()).catch(() => {})
  }

  private makeLink(a: Attempt, ice: RTCIceServer[], polite: boolean, signaling: CallSignaling, iceCandidatePoolSize = 0): PeerLink {
    const link = new PeerLink({
      rtc: this.rtc as RtcEnvironment,
      iceServers: ice,
      iceCandidatePoolSize,
      polite,
      send: signaling.send,
      statsIntervalMs: this.cfg.statsIntervalMs,
      disconnectedRestartMs: this.cfg.disconnectedRestartMs,
      reconnectTimeoutMs: this.cfg.reconnectTimeoutMs,
      listener: {
        status: (s) => {
          if (a.link === link) this.onLinkStatus(a, s)
        },
        remoteStream: (stream) => {
          if (a.ended || a.link !== link) return // a prepared link's tracks are shown on accept
          this._remoteStream = this.rtc.createStream!(stream.getTracks())
          this.emit(CallEvent.RemoteStream, this._remoteStream)
        },
        remoteMedia: (flags) => {
          if (a.ended || a.link !== link) return
          this._remote = flags
          this.emit(CallEvent.RemoteMedia, { ...flags })
        },
        stats: (s) => {
          if (a.ended || a.link !== link) return
          this._stats = s
          this.emit(CallEvent.Stats, s)
        },
        error: (err) => {
          if (a.ended) return
          if (!a.signaling?.callId) return // the first offer failed: sendOffer reported it
          this.report(new CallError('connection_lost', 'Could not update the call.', { cause: err }))
        },
      },
    })
    return link
  }

  /** The first offer: it travels in the invite. Resolves with the call id, or null if the call did not go ahead. */
  private async sendOffer(a: Attempt, sdp: string): Promise<string | null> {
    let info: CallInfo
    try {
      info = await this.backend.calls.start(a.peer, a.video, sdp)
    } catch (err) {
      if (!a.ended) this.fail(a, toCallError(err), false)
      return null
    }
    if (a.ended) {
      // Cancelled while Go was placing the call.
      if (info.state !== 'ended') await this.backend.calls.hangup(info.id).catch(() => {})
      return null
    }
    if (a.id === null) this.adoptId(a, info.id)
    if (a.signaling) a.signaling.callId = info.id
    this.onCallState(info)
    if (a.ended) return null
    this.flushEarly(a)
    return info.id
  }

  /** The first answer: it travels in the accept. */
  private async sendAnswer(a: Attempt, video: boolean, sdp: string): Promise<string | null> {
    if (!a.id || a.ended) return null
    let info: CallInfo
    try {
      info = await this.backend.calls.accept(a.id, video, sdp)
    } catch (err) {
      if (!a.ended) this.fail(a, toCallError(err))
      return null
    }
    if (a.ended) return null
    if (a.signaling) a.signaling.callId = a.id
    this.onCallState(info)
    if (a.ended) return null
    this.armConnectTimer(a)
    this.flushEarly(a)
    return a.id
  }

  private onLinkStatus(a: Attempt, s: LinkStatus): void {
    if (a.ended) return
    if (s === 'lost') {
      this.fail(a, new CallError('connection_lost'))
      return
    }
    if (s === 'connected') {
      a.mediaConnected = true
      clearTimeout(a.connectTimer)
      a.connectTimer = undefined
    }
    this.setState(s)
    if (a.id) void this.backend.calls.mediaState(a.id, s).catch((err) => this.goFailed('media state', err))
  }

  private armConnectTimer(a: Attempt): void {
    // Only the window that runs the media watches it (an observer must not hang up another window's call).
    if (a.connectTimer || a.mediaConnected || a.ended || !a.link) return
    a.connectTimer = setTimeout(() => {
      a.connectTimer = undefined
      if (!a.ended && !a.mediaConnected) this.fail(a, new CallError('connection_failed'))
    }, this.cfg.connectTimeoutMs)
  }

  private async iceServers(): Promise<RTCIceServer[]> {
    let list: ICEServer[]
    try {
      list = (await this.backend.calls.iceServers()) ?? []
    } catch (err) {
      // LAN calls need none: host candidates do.
      console.warn('call: no ICE servers from the app', err)
      return []
    }
    return list
      .filter((s) => s && Array.isArray(s.urls) && s.urls.length > 0)
      .map((s) => {
        const out: RTCIceServer = { urls: s.urls }
        if (s.username) out.username = s.username
        if (s.credential) out.credential = s.credential
        return out
      })
  }

  /**
   * Opens the microphone, and the camera when video. A camera that fails
   * leaves an audio-only start (reported). A microphone that fails ends an
   * outgoing call (needMic) but lets an incoming one be answered
   * listen-only (reported). Resolves false when the call ended instead.
   */
  private async openMedia(a: Attempt, video: boolean, needMic: boolean): Promise<boolean> {
    let stream = await this.capture(a, { audio: true, video }, !video && needMic)
    if (!stream && video && !a.ended) {
      const cameraError = this.lastCaptureError
      stream = await this.capture(a, { audio: true, video: false }, needMic)
      if (stream && cameraError) {
        this.report(new CallError(cameraError.code, 'Your camera could not be started; continuing with sound only.', { cause: cameraError }))
      }
    }
    if (a.ended) {
      stopStream(stream)
      return false
    }
    if (stream) {
      a.media.mic = stream.getAudioTracks()[0] ?? null
      a.media.camera = stream.getVideoTracks()[0] ?? null
    }
    this._local = { micOn: a.media.mic !== null, cameraOn: a.media.camera !== null, screenSharing: false }
    this.emit(CallEvent.LocalMedia, { ...this._local })
    this.emitLocalStream(a)
    return true
  }

  private lastCaptureError: CallError | null = null

  /** getUserMedia with the call constraints; null on failure (reported when `fatal` ends the call, or as an error otherwise when report). */
  private async capture(a: Attempt, req: { audio: boolean; video: boolean }, fatal = false): Promise<MediaStream | null> {
    this.lastCaptureError = null
    try {
      const stream = await captureMedia(
        { ...req, microphone: this.preferred.microphone, camera: this.preferred.camera },
        this.mediaSource,
      )
      if (a.ended) {
        stopStream(stream)
        return null
      }
      return stream
    } catch (err) {
      const e = toCallError(err)
      this.lastCaptureError = e
      if (a.ended) return null
      if (fatal) this.fail(a, e)
      else if (!req.video) this.report(e)
      return null
    }
  }

  private async openCamera(a: Attempt): Promise<MediaStreamTrack | null> {
    let stream: MediaStream | null = null
    try {
      stream = await captureMedia({ audio: false, video: true, camera: this.preferred.camera }, this.mediaSource)
    } catch (err) {
      if (!a.ended) this.report(toCallError(err))
      return null
    }
    const track = stream.getVideoTracks()[0] ?? null
    if (a.ended || a.media.isStopped) {
      stopStream(stream)
      return null
    }
    return track
  }

  private updateLocal(a: Attempt, change: Partial<MediaFlags>): void {
    if (a.ended) return
    this._local = { ...this._local, ...change }
    a.link?.setLocalFlags(this._local)
    this.emit(CallEvent.LocalMedia, { ...this._local })
    this.emitLocalStream(a)
  }

  private emitLocalStream(a: Attempt): void {
    if (a.ended) return
    const next = a.media.preview()
    const same = (s: MediaStream | null) => s?.getTracks().map((t) => t.id).join() ?? ''
    if (same(next) === same(this._localStream) && (next === null) === (this._localStream === null)) return
    this._localStream = next
    this.emit(CallEvent.LocalStream, next)
  }

  private serial(a: Attempt, fn: () => Promise<void>): Promise<void> {
    const run = a.ops.then(async () => {
      if (a.ended) return
      try {
        await fn()
      } catch (err) {
        if (!a.ended) this.report(toCallError(err))
      }
    })
    a.ops = run
    return run
  }

  /** The live call that has media (or is getting it); null otherwise. */
  private live(): Attempt | null {
    const a = this.attempt
    return a && !a.ended && a.link ? a : null
  }

  /** Ends a with error, telling Go (hangup) unless tellGo is false. */
  private fail(a: Attempt, error: CallError, tellGo = true): void {
    if (a.ended) return
    this.finish(a, error)
    if (tellGo && a.id) void this.backend.calls.hangup(a.id).catch(() => {})
  }

  /** The one teardown every end goes through. */
  private finish(a: Attempt, error: CallError | null): void {
    if (a.ended) return
    a.ended = true
    clearTimeout(a.connectTimer)
    a.signaling?.close()
    a.link?.close()
    this.dropWarm(a)
    a.media.stop()
    a.early = []
    if (this.attempt !== a) return
    if (this._localStream) {
      this._localStream = null
      this.emit(CallEvent.LocalStream, null)
    }
    if (this._remoteStream) {
      this._remoteStream = null
      this.emit(CallEvent.RemoteStream, null)
    }
    if (this._stats) {
      this._stats = null
      this.emit(CallEvent.Stats, null)
    }
    this._local = noFlags()
    this._remote = noFlags()
    this.emit(CallEvent.LocalMedia, noFlags())
    this.emit(CallEvent.RemoteMedia, noFlags())
    this.setState('ended', error)
    if (error) this.emit(CallEvent.Error, error)
  }

  private setState(state: CallState, error: CallError | null = this._error): void {
    if (state === this._state && error === this._error) return
    this._state = state
    this._error = error
    this.emitState()
  }

  private emitState(): void {
    this.emit(CallEvent.State, { state: this._state, call: this.attempt?.info ?? null, error: this._error })
  }

  /** A non-fatal error (or fatal: the state also ends, used before any call exists). */
  private report(error: CallError, ended = false): void {
    if (ended) {
      this.attempt = null
      this._error = error
      this._state = 'ended'
      this.emitState()
    }
    this.emit(CallEvent.Error, error)
  }

  private goFailed(what: string, err: unknown): void {
    // The call is over on our side already; Go ends it too on its own (or it already had).
    console.debug(`call: ${what} not confirmed by the app`, err)
  }

  private async applySink(el: HTMLMediaElement): Promise<void> {
    try {
      const ok = await setSink(el, this.speaker)
      if (!ok) this.report(new CallError('unsupported', 'This window cannot choose the speaker.'))
    } catch (err) {
      this.report(new CallError('no_devices', 'That speaker is not available.', { cause: err }))
    }
  }

  private emit<E extends CallEvent>(event: E, data: CallEventMap[E]): void {
    const set = this.handlers.get(event)
    if (!set) return
    for (const h of [...set]) {
      try {
        h(data)
      } catch (err) {
        console.error(`call: handler for ${event} threw`, err)
      }
    }
  }
}
