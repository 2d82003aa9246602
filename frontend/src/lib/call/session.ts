/**
 * CallSession: the facade the UI talks to. One per app window; any number
 * of calls in a row, one at a time. It owns the call flow (placing,
 * answering, ending, Go's events) and wires the parts:
 *
 *   CallControls (controls.ts)  the in-call controls (mute, camera, screen, devices), which it extends
 *   Attempt (attempt.ts)        one call's parts and its one teardown
 *   CallMedia (callmedia.ts)    local media and the in-call controls
 *   prepared.ts                 the connection before the first offer/answer
 *   CallOutputs (outputs.ts)    what the UI reads, and the CallEvents
 *   SpeakerOutputs (speaker.ts) the elements playing the other side
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
 * Every end runs the same teardown (Attempt.end, then finish).
 * A group call is one session per other person (group.ts).
 *
 * Action methods never reject: failures arrive as CallEvent.Error, and
 * when they end the call, in CallEvent.State as well.
 *
 * Observer: every window of the app gets the same events. A session that
 * did not place or answer the call (another window did, or this one has
 * no WebRTC) has no media for it and only mirrors Go's states; it never
 * ends the call by itself, though hangup() still works from it.
 *
 * State: see README.md "State".
 */
import { CallDirection, EventName, type Backend, type CallInfo, type CallSignal, type IncomingCallEvent } from '../backend'
import type { MediaSource } from '../media'
import { Attempt, isStale, type AttemptDirection } from './attempt'
import { CallDataMaker } from './calldata'
import type { ChatMessage } from './chat'
import { CallMedia } from './callmedia'
import { CallControls } from './controls'
import { CallError, endError, noPathMessage, toCallError } from './errors'
import { CallOutputs } from './outputs'
import { PeerLink, type LinkStatus } from './peer'
import { fetchIceServers, prepareAnswer, prepareOffer, type NegotiationHost } from './prepared'
import { browserRtc, type RtcEnvironment } from './rtc'
import { fromSignal, type CallSignaling } from './signaling'
import { SpeakerOutputs } from './speaker'
import type { SourceFile, TransferView } from './transfer'
import { CallEvent, type CallEventHandler, type CallOptions, type CallSessionOptions, type CallState, type CallStats, type MediaFlags } from './types'

const DEFAULTS = {
  statsIntervalMs: 1000,
  disconnectedRestartMs: 3000,
  reconnectTimeoutMs: 30_000,
  // From the accept; see docs/decisions.md "A call that cannot connect".
  connectTimeoutMs: 15_000,
}

/** How long after placing a call an auto-accepted glare call keeps its video choice. */
const GLARE_MEMORY_MS = 120_000
/** How long the first answer waits for its first pooled candidate (PeerLink.localSDPWithCandidates); measured ~20 ms after setLocalDescription. */
const ANSWER_CANDIDATE_WAIT_MS = 40

export class CallSession extends CallControls {
  readonly backend: Backend
  private readonly rtc: Partial<RtcEnvironment>
  private readonly cfg: typeof DEFAULTS
  private readonly offs: (() => void)[] = []
  private readonly out: CallOutputs
  protected readonly media: CallMedia
  protected readonly speakers: SpeakerOutputs
  private readonly negotiation: NegotiationHost

  private attempt: Attempt | null = null
  private readonly data: CallDataMaker
  private lastPlaced: { peer: string; video: boolean; at: number } | null = null
  private disposed = false
  private readonly opts: CallSessionOptions

  constructor(options: CallSessionOptions) {
    super()
    this.backend = options.backend
    this.opts = options
    this.rtc = { ...browserRtc(), ...options.rtc }
    const rtc = this.rtc
    const source: MediaSource | null = rtc.getUserMedia
      ? { getUserMedia: (c) => rtc.getUserMedia!(c), getDisplayMedia: rtc.getDisplayMedia && ((o) => rtc.getDisplayMedia!(o)) }
      : null
    this.cfg = {
      statsIntervalMs: options.statsIntervalMs ?? DEFAULTS.statsIntervalMs,
      disconnectedRestartMs: options.disconnectedRestartMs ?? DEFAULTS.disconnectedRestartMs,
      reconnectTimeoutMs: options.reconnectTimeoutMs ?? DEFAULTS.reconnectTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
    }
    this.out = new CallOutputs(() => this.attempt?.info ?? null)
    this.media = new CallMedia({
      source,
      outputs: this.out,
      report: (e) => this.report(e),
      fail: (a, e) => this.fail(a, e),
    })
    this.speakers = new SpeakerOutputs((e) => this.report(e))
    this.data = new CallDataMaker({ backend: this.backend, outputs: this.out, current: () => this.attempt })
    this.negotiation = {
      calls: this.backend.calls,
      iceServers: () => fetchIceServers(this.backend.calls),
      makeLink: (a, ice, polite, signaling, pool) => this.makeLink(a, ice, polite, signaling, pool),
      deliver: (a, sig, link) => this.deliver(a, sig, link),
      sendOffer: (a, sdp) => this.sendOffer(a, sdp),
      sendAnswer: (a, sdp) => this.sendAnswer(a, a.answerVideo, sdp),
    }
    this.setPreferredDevices(options.devices ?? {})
    const b = this.backend
    this.offs.push(
      b.on(EventName.CallState, (info) => this.onCallState(info)),
      b.on(EventName.CallIncoming, (ev) => this.onIncoming(ev)),
      b.on(EventName.CallSignal, (sig) => this.onSignal(sig)),
      b.onConnectionChange((up) => {
        if (up) void this.resync()
      }),
    )
  }

  // ---- events and snapshot ------------------------------------------------

  /** Subscribes to one event; returns the unsubscribe function. */
  on<E extends CallEvent>(event: E, handler: CallEventHandler<E>): () => void {
    return this.out.events.on(event, handler)
  }

  /** The text for data-testid="call-state". */
  get state(): CallState {
    return this.out.state
  }

  /** The current (or last) call as Go sees it. */
  get call(): CallInfo | null {
    return this.attempt?.info ?? null
  }

  /** Why the last call failed; null while a call goes well or ended normally. */
  get error(): CallError | null {
    return this.out.error
  }

  /** Our microphone + camera/screen (the preview; play it muted). */
  get localStream(): MediaStream | null {
    return this.out.localStream
  }

  get remoteStream(): MediaStream | null {
    return this.out.remoteStream
  }

  get localMedia(): MediaFlags {
    return { ...this.out.local }
  }

  get remoteMedia(): MediaFlags {
    return { ...this.out.remote }
  }

  get stats(): CallStats | null {
    return this.out.stats
  }

  /** This call's chat, oldest first (kept until the next call begins). */
  get chat(): ChatMessage[] {
    return this.out.chat
  }

  /** This call's file transfers, both ways, in the order they began. */
  get transfers(): TransferView[] {
    return this.out.transfers
  }

  /**
   * This window can run calls (it has WebRTC). Debian's WebKitGTK has
   * none: there the app runs calls in a browser window, and this session
   * only mirrors the call's state (see "observer" above).
   */
  get canCall(): boolean {
    return !!this.rtc.RTCPeerConnection && !!this.rtc.createStream
  }

  /** A call occupies the line (anything but idle and ended). */
  get inCall(): boolean {
    return this.out.state !== 'idle' && this.out.state !== 'ended'
  }

  // ---- actions ------------------------------------------------------------

  /** Calls peerId. Media (microphone, and camera for video) starts now, before the other side answers. */
  async placeCall(peerId: string, options: CallOptions): Promise<void> {
    if (this.disposed) return
    if (this.inCall) return this.report(new CallError('wrong_state', 'You are already in a call.'))
    if (!this.canCall) return this.report(new CallError('no_webrtc'), true)
    const a = this.begin(CallDirection.Outgoing, peerId, options.video, '', null)
    this.lastPlaced = { peer: peerId, video: options.video, at: Date.now() }
    this.out.setState('calling')
    const [ice, ok] = await Promise.all([this.negotiation.iceServers(), this.media.open(a, options.video, true)])
    if (!ok || a.ended) return
    this.out.setRemote({ micOn: true, cameraOn: false, screenSharing: false }, true)
    const link = await prepareOffer(this.negotiation, a, ice, this.out.local)
    this.data.attach(a, link)
  }

  /**
   * Takes up the call that rings now, if this session has no call: for a
   * window opened while it rings (the call window on Linux), which missed
   * call:incoming. Resolves whether that call now rings here.
   */
  async pickUp(given?: IncomingCallEvent): Promise<boolean> {
    if (this.disposed) return false
    let ev: IncomingCallEvent | null
    try {
      ev = given ?? (await this.backend.calls.incoming())
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
    if (!a || a.ended || a.direction !== CallDirection.Incoming || a.accepting || this.out.state !== 'ringing') {
      return this.report(new CallError('wrong_state', 'There is no ringing call to answer.'))
    }
    if (!this.canCall) {
      return this.report(new CallError('no_webrtc')) // not declined: another window (the call window) may answer
    }
    a.accepting = true
    const video = options.video && a.video
    a.answerVideo = video
    // Set-up latency: the camera and microphone open concurrently with the
    // answer, which needs no tracks (the senders are made to send first and
    // the tracks replaceTrack'ed in when getUserMedia returns, long before
    // ICE and DTLS are up). The peer connection, with the offer set, was
    // made while ringing (prepareAnswer), so only the answer itself is left.
    const media = this.media.open(a, video, false)
    let prepared
    try {
      prepared = await prepareAnswer(this.negotiation, a)
    } catch (err) {
      await media
      if (!a.ended) this.fail(a, new CallError('connection_failed', "Could not answer: the caller's offer was not usable.", { cause: err }))
      return
    }
    if (a.ended) return // media.open stops whatever it opened
    const link = prepared.link
    a.link = link
    a.signaling = prepared.signaling
    a.preparedLink = null
    this.data.attach(a, link)
    link.setLocalFlags(this.out.local)
    this.out.setRemote(link.remoteMedia) // what the offer's tracks told while ringing
    if (link.remoteStream.getTracks().length > 0) {
      // The offer's tracks arrived while ringing; the UI gets them now.
      this.out.setRemoteStream(this.rtc.createStream!(link.remoteStream.getTracks()))
    }
    link.prepareSend('audio')
    if (video) link.prepareSend('video')
    // Tracks first in the media queue, so a camera toggle made meanwhile comes after them.
    void this.media.serial(a, async () => {
      if (!(await media) || a.ended) return
      await link.setTrack('audio', a.media.mic)
      if (a.media.camera) await link.setTrack('video', a.media.camera)
      this.media.update(a, {})
    })
    prepared.go()
    try {
      await prepared.answered
    } catch (err) {
      if (!a.ended) this.fail(a, new CallError('connection_failed', "Could not answer: the caller's offer was not usable.", { cause: err }))
    }
  }

  /** Refuses the ringing call. */
  async decline(): Promise<void> {
    const a = this.attempt
    if (!a || a.ended || a.direction !== CallDirection.Incoming) {
      return this.report(new CallError('wrong_state', 'There is no ringing call to decline.'))
    }
    if (a.accepting) return this.hangup()
    this.finish(a, null)
    if (a.id) await this.backend.calls.decline(a.id).catch((err) => this.goFailed('decline', err))
  }

  /** Withdraws our call before it is answered. */
  async cancel(): Promise<void> {
    const a = this.attempt
    if (!a || a.ended || a.direction !== CallDirection.Outgoing) return this.report(new CallError('wrong_state', 'There is no call to cancel.'))
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

  /**
   * Sends a chat message to the other side (peer to peer, on the "chat"
   * data channel). Returns false when there is no call with a chat, or
   * the text is empty or over MAX_CHAT_TEXT. id: see ChatChannel.send.
   */
  sendChat(text: string, id?: string): boolean {
    const a = this.live()
    return !!a?.data?.sendChat(text, id)
  }

  /**
   * Sends a file to the other side, read slice by slice (never whole).
   * Its progress and end arrive as CallEvent.Transfers; an empty file or
   * one of 4 GB or more fails at once with a clear code. Null when there
   * is no call with a files channel.
   */
  sendFile(file: SourceFile): TransferView | null {
    const a = this.live()
    return a?.data?.sendFile(file) ?? null
  }

  /** Cancels a transfer, sending or receiving; the other side sees it cancelled. */
  cancelTransfer(id: string): void {
    this.attempt?.data?.cancel(id)
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
    this.out.events.clear()
    this.speakers.clear()
  }

  // ---- Go events ------------------------------------------------------------

  private onCallState(info: CallInfo): void {
    const a = this.attempt
    if (!a || !a.matches(info)) return
    if (a.id === null) a.adoptId(info.id)
    if (!a.ended && isStale(info.state, this.out.state)) return
    a.info = info
    if (a.ended) {
      this.out.emitState() // Go's final word (outcome, times) on a call we already ended
      return
    }
    switch (info.state) {
      case 'ended':
        this.finish(a, endError(info))
        return
      case 'connected':
      case 'reconnecting':
        // Our PeerLink says so already and Go echoes it; an observer takes Go's word.
        if (a.link) return this.out.emitState()
        return this.out.setState(info.state)
      case 'connecting':
        if (!a.accepting) a.dropPrepared() // another window answered
        if (a.mediaConnected) return this.out.emitState()
        this.armConnectTimer(a)
        return this.out.setState('connecting')
      case 'calling':
      case 'ringing':
        return this.out.setState(info.state)
    }
  }

  private onIncoming(ev: IncomingCallEvent): void {
    const call = ev.call
    if (this.disposed || this.opts.takes?.(call) === false) return
    const cur = this.attempt
    if (cur && !cur.ended) {
      if (cur.id === call.id) return
      if (call.autoAccept && cur.direction === CallDirection.Outgoing && cur.peer === call.peer) {
        // Both called at once and Go kept the other call: ours is over.
        this.finish(cur, null)
      } else {
        console.warn('call: an incoming call while in a call (Go should have refused it)')
        return
      }
    }
    const video = call.media.includes('video')
    const a = this.begin(CallDirection.Incoming, call.peer, video, ev.offer, call.id)
    a.info = call
    this.out.setState('ringing')
    this.out.events.emit(CallEvent.Incoming, { call, video })
    // Set-up latency: the peer connection is made and the offer set while
    // it rings (no media: camera and microphone open only on accept).
    if (this.canCall) prepareAnswer(this.negotiation, a).catch(() => {}) // accept reports it
    const placed = this.lastPlaced
    if (call.autoAccept && placed && placed.peer === call.peer && Date.now() - placed.at < GLARE_MEMORY_MS) {
      void this.accept({ video: placed.video })
    }
  }

  private onSignal(sig: CallSignal): void {
    const a = this.attempt
    if (!a || a.ended) return
    if (a.id === null) {
      if (a.direction === CallDirection.Outgoing) a.early.push(sig) // sorted out once Calls.Start names the call
      return
    }
    if (sig.call !== a.id) return
    if (a.preparedLink && sig.kind !== 'answer' && sig.kind !== 'renegotiate') {
      // Ringing with a prepared connection: the caller's candidates go in
      // now (its negotiator queues them until the offer is set), so the
      // callee's ICE checks start as soon as it answers.
      this.deliver(a, sig, a.preparedLink)
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
    for (const sig of a.takeEarly()) if (sig.call === a.id) this.deliver(a, sig)
  }

  /** After the bridge reconnects: events may have been lost, so ask Go where the call is (by id: Calls.Current names only a group's oldest leg). */
  private async resync(): Promise<void> {
    const a = this.attempt
    if (!a || a.ended || !a.id) return
    let cur: CallInfo | undefined
    try {
      cur = (await this.backend.calls.list()).find((c) => c.id === a.id)
    } catch {
      return
    }
    if (a.ended) return
    if (cur) this.onCallState(cur)
    else if (a.info?.state !== 'connected' && a.info?.state !== 'reconnecting') this.finish(a, null)
    // A connected call carries on peer to peer even if Go forgot it.
  }

  // ---- the call's machinery ------------------------------------------------

  private begin(direction: AttemptDirection, peer: string, video: boolean, offer: string, id: string | null): Attempt {
    const a = new Attempt(direction, peer, video, offer, id, this.rtc.createStream ?? (() => ({}) as MediaStream))
    this.attempt = a
    this.out.reset()
    return a
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
          this.out.setRemoteStream(this.rtc.createStream!(stream.getTracks()))
        },
        remoteMedia: (flags) => {
          if (a.ended || a.link !== link) return
          this.out.setRemote(flags)
        },
        stats: (s) => {
          if (a.ended || a.link !== link) return
          this.out.setStats(s)
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
      info = await (this.opts.place ?? this.backend.calls.start)(a.peer, a.video, sdp)
    } catch (err) {
      if (!a.ended) this.fail(a, toCallError(err), false)
      return null
    }
    if (a.ended) {
      // Cancelled while Go was placing the call.
      if (info.state !== 'ended') await this.backend.calls.hangup(info.id).catch(() => {})
      return null
    }
    if (a.id === null) a.adoptId(info.id)
    if (a.signaling) a.signaling.callId = info.id
    this.onCallState(info)
    if (a.ended) return null
    this.flushEarly(a)
    return info.id
  }

  /** The first answer: it travels in the accept. */
  private async sendAnswer(a: Attempt, video: boolean, sdp: string): Promise<string | null> {
    if (!a.id || a.ended) return null
    const link = a.link ?? a.preparedLink
    if (link?.pc.localDescription?.type === 'answer') sdp = (await link.localSDPWithCandidates(ANSWER_CANDIDATE_WAIT_MS)) ?? sdp
    if (a.ended) return null
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
    if (s === 'failed') return this.failConnect(a, 'ice')
    if (s === 'connected') a.markConnected()
    this.out.setState(s)
    if (a.id) void this.backend.calls.mediaState(a.id, s).catch((err) => this.goFailed('media state', err))
  }

  private armConnectTimer(a: Attempt): void {
    // Only the window that runs the media watches it (an observer must not hang up another window's call).
    if (a.connectTimerArmed || a.mediaConnected || a.ended || !a.link) return
    a.armConnectTimer(this.cfg.connectTimeoutMs, () => this.failConnect(a, 'timeout'))
  }

  /**
   * Ends a call whose media path never came up, and has Go tell the other
   * side why (MediaState "failed" → a hangup with reason connection_failed),
   * so both ends show the cause instead of one seeing a plain hangup.
   */
  private failConnect(a: Attempt, why: 'ice' | 'timeout'): void {
    if (a.ended) return
    this.finish(a, new CallError('connection_failed', noPathMessage(why, this.cfg.connectTimeoutMs)))
    const id = a.id
    if (!id) return
    void this.backend.calls.mediaState(id, 'failed').catch(() => this.backend.calls.hangup(id).catch(() => {}))
  }

  /** The live call that has media (or is getting it); null otherwise. */
  protected live(): Attempt | null {
    const a = this.attempt
    return a && !a.ended && a.link ? a : null
  }

  /** Ends a with error, telling Go (hangup) unless tellGo is false. */
  private fail(a: Attempt, error: CallError, tellGo = true): void {
    if (a.ended) return
    this.finish(a, error)
    if (tellGo && a.id) void this.backend.calls.hangup(a.id).catch(() => {})
  }

  /** The one teardown every end goes through: the attempt's own, then the outputs. */
  private finish(a: Attempt, error: CallError | null): void {
    if (!a.end()) return
    if (this.attempt !== a) return
    this.out.clearMedia()
    this.out.setState('ended', error)
    if (error) this.out.events.emit(CallEvent.Error, error)
  }

  /** A non-fatal error (or fatal: the state also ends, used before any call exists). */
  private report(error: CallError, ended = false): void {
    if (ended) {
      this.attempt = null
      this.out.failBeforeCall(error)
    }
    this.out.events.emit(CallEvent.Error, error)
  }

  private goFailed(what: string, err: unknown): void {
    // The call is over on our side already; Go ends it too on its own (or it already had).
    console.debug(`call: ${what} not confirmed by the app`, err)
  }
}
