/**
 * PeerLink is one call's RTCPeerConnection and what hangs off it: the
 * negotiator, the state channel, the remote stream, ICE restarts and
 * statistics. It owns no local tracks (CallSession does) and knows nothing
 * of Go: messages go out through `send`.
 */
import { Negotiator, type NegotiationMessage } from './negotiator'
import type { RtcEnvironment } from './rtc'
import { CHAT_CHANNEL_LABEL, chatChannelInit, FILES_CHANNEL_LABEL, filesChannelInit } from './datachannel'
import { decodeFlags, encodeFlags, STATE_CHANNEL_LABEL, stateChannelInit } from './statechannel'
import { FULL_SIZE_CHECK_MS, isScreenTrack, readyForFullSize, scaleSender, startScale, type StatsLike } from './startsize'
import { parseStats, type StatsState } from './stats'
import type { CallStats, MediaFlags } from './types'

/** How soon after connect the first statistics sample is taken, ms. */
const FIRST_STATS_MS = 250

/** What the media path is doing, as CallSession needs to know. */
export const LinkStatus = {
  Connected: 'connected',
  Reconnecting: 'reconnecting',
  Lost: 'lost',
  /** ICE failed before the path ever came up: no candidate pair works (terminal). */
  Failed: 'failed',
} as const
/** One of LinkStatus's values. */
export type LinkStatus = (typeof LinkStatus)[keyof typeof LinkStatus]

/** What a PeerLink reports. One listener: the CallSession that made it. */
export interface PeerLinkListener {
  status(status: LinkStatus): void
  remoteStream(stream: MediaStream): void
  remoteMedia(flags: MediaFlags): void
  stats(stats: CallStats): void
  /** Negotiation or renegotiation failed (the call may still work). */
  error(err: unknown): void
}

export interface PeerLinkOptions {
  rtc: RtcEnvironment
  iceServers: RTCIceServer[]
  polite: boolean
  send: (msg: NegotiationMessage) => Promise<void>
  listener: PeerLinkListener
  statsIntervalMs: number
  disconnectedRestartMs: number
  reconnectTimeoutMs: number
  /**
   * Candidates to gather before a local description exists (the callee's
   * connection made while ringing), so they are ready the moment the
   * answer is set. 0 (the default) gathers only then.
   */
  iceCandidatePoolSize?: number
}

export class PeerLink {
  readonly pc: RTCPeerConnection
  readonly negotiator: Negotiator
  private channel: RTCDataChannel | null = null
  /** The chat and files channels (datachannel.ts), made with the state channel. */
  private data: { chat: RTCDataChannel; files: RTCDataChannel } | null = null
  private readonly remote: MediaStream
  /** The stream id our tracks are announced under (msid); one per call, so swapping tracks never changes it. */
  private readonly local: MediaStream
  private localFlags: MediaFlags = { micOn: true, cameraOn: false, screenSharing: false }
  private remoteFlags: MediaFlags = { micOn: true, cameraOn: false, screenSharing: false }
  /** The other side told us its flags over the state channel; from then on, track events are not used to guess them. */
  private flagsFromChannel = false
  private everConnected = false
  private status: 'new' | LinkStatus = 'new'
  private closed = false
  private disconnectedTimer?: ReturnType<typeof setTimeout>
  private lostTimer?: ReturnType<typeof setTimeout>
  private statsTimer?: ReturnType<typeof setInterval>
  private firstStatsTimer?: ReturnType<typeof setTimeout>
  private statsState: StatsState | null = null
  private lastRestart = -Infinity
  private readonly cleanups: (() => void)[] = []
  /** The video sender while it sends the camera at its start size (startsize.ts); null once at full size. */
  private smallSender: RTCRtpSender | null = null
  /** The camera went to full size once: later cameras start at full size too. */
  private fullSize = false
  /** A group call's share of the uplink (limitVideo): the camera's bitrate cap and least scale-down. */
  private videoLimit: { maxBitrate?: number; scale: number } = { scale: 1 }
  private sizeTimer?: ReturnType<typeof setTimeout>
  private sizeWatching = false
  /**
   * The scale each sender's first encoding has, as this link set it: a
   * sender already at the scale a track needs is not asked again. Asking
   * (RTCRtpSender.getParameters) blocks the page until WebRTC's signaling
   * thread answers, which right after Accept, busy with the answer and
   * ICE, took up to 40 ms in Chromium (docs/performance.md, "Calls").
   */
  private readonly senderScale = new WeakMap<RTCRtpSender, number>()

  constructor(private readonly opts: PeerLinkOptions) {
    const config: RTCConfiguration = { iceServers: opts.iceServers, bundlePolicy: 'max-bundle' }
    if (opts.iceCandidatePoolSize) config.iceCandidatePoolSize = opts.iceCandidatePoolSize
    this.pc = new opts.rtc.RTCPeerConnection(config)
    this.remote = opts.rtc.createStream([])
    this.local = opts.rtc.createStream([])
    this.negotiator = new Negotiator(this.pc, opts.send, opts.polite, { onError: (err) => opts.listener.error(err) })
    this.listen(this.pc, 'track', (ev) => this.onTrack(ev as RTCTrackEvent))
    this.listen(this.pc, 'iceconnectionstatechange', () => this.onIceState())
    this.listen(this.pc, 'connectionstatechange', () => this.onConnectionState())
    this.listen(this.pc, 'signalingstatechange', () => {
      this.checkRecovered()
      if (this.pc.signalingState === 'stable') void this.keepBitrate()
    })
    const net = opts.rtc.network
    if (net) {
      const online = () => this.onOnline()
      net.addEventListener('online', online)
      this.cleanups.push(() => net.removeEventListener('online', online))
    }
  }

  /** The other side's flags as known so far. */
  get remoteMedia(): MediaFlags {
    return { ...this.remoteFlags }
  }

  /** The stream of every remote track (one audio, at most one video). */
  get remoteStream(): MediaStream {
    return this.remote
  }

  /**
   * Creates the state channel. The caller calls it before its first offer;
   * the callee after setting the offer (it is negotiated: both sides make
   * it, with the same id).
   */
  openStateChannel(): void {
    if (this.channel || this.closed) return
    const ch = this.pc.createDataChannel(STATE_CHANNEL_LABEL, stateChannelInit)
    this.channel = ch
    // Chat and files: negotiated too, on the same SCTP association, so the
    // first offer carries them as well (no renegotiation later).
    this.data = {
      chat: this.pc.createDataChannel(CHAT_CHANNEL_LABEL, chatChannelInit),
      files: this.pc.createDataChannel(FILES_CHANNEL_LABEL, filesChannelInit),
    }
    this.listen(ch, 'open', () => this.sendFlags())
    this.listen(ch, 'message', (ev) => {
      const flags = decodeFlags((ev as MessageEvent).data)
      if (!flags) return
      this.flagsFromChannel = true
      this.setRemoteFlags(flags)
    })
  }

  /** The chat and files data channels, once openStateChannel made them. */
  get dataChannels(): { chat: RTCDataChannel; files: RTCDataChannel } | null {
    return this.data
  }

  /** Tells the other side our flags (now if the channel is open, else when it opens). */
  setLocalFlags(flags: MediaFlags): void {
    this.localFlags = { ...flags }
    this.sendFlags()
  }

  /**
   * Puts track on the first sender of its kind (replaceTrack, no
   * renegotiation), or on a new one (renegotiation). track null stops
   * sending that kind without renegotiating.
   */
  async setTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null): Promise<void> {
    if (this.closed) return
    const tr = this.transceiverFor(kind)
    if (tr) {
      if (track && tr.direction !== 'sendrecv' && tr.direction !== 'sendonly') {
        // Offered to us receive-only (the callee is adding its tracks to
        // the caller's offer, or answered audio-only and now turns the
        // camera on): sending needs this direction, and a renegotiation
        // unless the answer is still to be made.
        tr.direction = 'sendrecv'
        tr.sender.setStreams?.(this.local)
      }
      if (kind === 'video' && track) await this.sizeFor(tr.sender, track)
      if (this.closed) return
      await tr.sender.replaceTrack(track)
      if (kind === 'video' && track) await this.keepBitrate(tr.sender)
      return
    }
    if (!track) return
    const sender = this.pc.addTrack(track, this.local)
    if (kind === 'video') {
      await this.sizeFor(sender, track)
      await this.keepBitrate(sender)
    }
  }

  /**
   * Puts the group call's bitrate cap (limitVideo) on a video sender made
   * or given a track after the cap was set: an audio leg turning its
   * camera on, a camera back after a screen. A new sender may have no
   * encodings until negotiated, so this runs again once signaling is
   * stable.
   */
  private async keepBitrate(sender: RTCRtpSender | undefined = this.transceiverFor('video')?.sender): Promise<void> {
    const cap = this.videoLimit.maxBitrate
    if (cap === undefined || !sender?.track || this.closed || typeof sender.getParameters !== 'function') return
    const params = sender.getParameters()
    const enc = params.encodings?.[0]
    if (!enc || enc.maxBitrate === cap) return
    enc.maxBitrate = cap
    await sender.setParameters(params).catch((err) => console.debug('call: could not limit the video', err))
  }

  /**
   * Makes the first transceiver of kind (one the remote offer created)
   * send, before its track exists, so the answer can be made at once and
   * the track put in later with setTrack (replaceTrack, no renegotiation).
   */
  prepareSend(kind: 'audio' | 'video'): void {
    if (this.closed) return
    const tr = this.transceiverFor(kind)
    if (!tr || tr.direction === 'sendrecv' || tr.direction === 'sendonly') return
    tr.direction = 'sendrecv'
    tr.sender.setStreams?.(this.local)
  }

  /**
   * Sets the video sender's start size for a camera of width x height
   * before that camera exists: the callee calls it while it rings (the
   * peer connection is idle then), so putting the camera on the sender
   * after Accept finds the scale already set (sizeFor). Resolves whether
   * it was set; where it was not, sizeFor sets it as usual.
   */
  async presizeVideo(width: number, height: number): Promise<boolean> {
    const tr = this.transceiverFor('video')
    if (this.closed || !tr || this.fullSize) return false
    const scale = startScale(width, height)
    try {
      if (!(await scaleSender(tr.sender, scale))) return false
    } catch {
      return false
    }
    this.senderScale.set(tr.sender, scale)
    return true
  }

  /** Adds a sending slot of kind with no track yet, when none exists, so the offer carries it. */
  addTransceiver(kind: 'audio' | 'video', direction: RTCRtpTransceiverDirection): void {
    if (this.closed || this.transceiverFor(kind)) return
    this.pc.addTransceiver(kind, { direction, streams: [this.local] })
  }

  /** Starts statistics sampling (idempotent). */
  startStats(): void {
    if (this.statsTimer || this.closed) return
    this.statsTimer = setInterval(() => void this.sampleStats(), this.opts.statsIntervalMs)
    // A first sample soon after connect, so the path (direct or relayed)
    // shows without waiting a whole interval; not at once, to keep
    // getStats off the first frames' way.
    this.firstStatsTimer = setTimeout(() => void this.sampleStats(), Math.min(FIRST_STATS_MS, this.opts.statsIntervalMs))
  }

  /** Restarts ICE (new candidates, same call) unless one started very recently. */
  restartIce(): void {
    if (this.closed) return
    const now = Date.now()
    if (now - this.lastRestart < this.opts.disconnectedRestartMs) return
    this.lastRestart = now
    clearTimeout(this.disconnectedTimer)
    this.disconnectedTimer = undefined
    // A restart on a path that still works (after an `online` event) keeps
    // the media flowing: nothing to tell. Otherwise the call is reconnecting.
    if (this.everConnected && !this.healthy()) this.setStatus('reconnecting')
    this.pc.restartIce() // fires negotiationneeded: the negotiator sends an offer with new credentials
  }

  /** Closes the connection and drops every listener and timer. Local tracks are the caller's to stop. */
  /**
   * The local description once it carries a first candidate, waiting at
   * most maxWaitMs for one (null: no local description). The first answer
   * goes out this way: with the candidate pool gathered while ringing, the
   * callee's candidates are there a few ms after setLocalDescription, and
   * inside the answer they let the caller check paths the moment it applies
   * it, instead of after each candidate's own trip through both Go cores
   * (~100 ms, docs/performance.md "Calls"). They still trickle as well;
   * the other side ignores the repeats.
   */
  localSDPWithCandidates(maxWaitMs: number): Promise<string | null> {
    return sdpWithCandidates(this.pc, maxWaitMs)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.disconnectedTimer)
    clearTimeout(this.lostTimer)
    clearInterval(this.statsTimer)
    clearTimeout(this.firstStatsTimer)
    clearTimeout(this.sizeTimer)
    this.smallSender = null
    this.negotiator.close()
    for (const c of this.cleanups.splice(0)) c()
    for (const ch of [this.channel, this.data?.chat, this.data?.files]) {
      try {
        ch?.close()
      } catch {
        // already closed
      }
    }
    this.pc.close()
    for (const t of this.remote.getTracks()) this.remote.removeTrack(t)
  }

  /**
   * Limits the video sender, for a group call's share of the uplink: its
   * bitrate (null: none) and the camera's size, scaled down by at least
   * scale (a screen keeps its full size). Kept for later tracks too.
   */
  async limitVideo(maxBitrate: number | null, scale: number): Promise<void> {
    this.videoLimit = { maxBitrate: maxBitrate ?? undefined, scale }
    const sender = this.transceiverFor('video')?.sender
    const params = sender?.getParameters?.()
    const enc = params?.encodings?.[0]
    if (!sender || !params || !enc || this.closed) return
    enc.maxBitrate = maxBitrate ?? undefined
    const screen = !!sender.track && isScreenTrack(sender.track)
    const held = this.smallSender === sender ? (enc.scaleResolutionDownBy ?? 1) : 1
    enc.scaleResolutionDownBy = screen ? 1 : Math.max(scale, held)
    await sender.setParameters(params).catch((err) => console.debug('call: could not limit the video', err))
    this.senderScale.set(sender, enc.scaleResolutionDownBy)
  }

  private transceiverFor(kind: 'audio' | 'video'): RTCRtpTransceiver | undefined {
    const all = this.pc.getTransceivers().filter((t) => t.direction !== 'stopped' && t.currentDirection !== 'stopped' && t.receiver.track?.kind === kind)
    return all.find((t) => t.sender.track?.kind === kind) ?? all[0]
  }

  private onTrack(ev: RTCTrackEvent): void {
    const track = ev.track
    for (const old of this.remote.getTracks()) {
      if (old.kind === track.kind && old !== track) this.remote.removeTrack(old)
    }
    if (!this.remote.getTracks().includes(track)) this.remote.addTrack(track)
    if (track.kind === 'video') {
      const guess = () => {
        if (this.flagsFromChannel || this.closed) return
        this.setRemoteFlags({ ...this.remoteFlags, cameraOn: !track.muted })
      }
      this.listen(track, 'mute', guess)
      this.listen(track, 'unmute', guess)
      guess()
    }
    this.opts.listener.remoteStream(this.remote)
  }

  private onIceState(): void {
    if (this.closed) return
    switch (this.pc.iceConnectionState) {
      case 'disconnected':
        // Often a blip that heals by itself; restart if it lasts.
        if (!this.disconnectedTimer) {
          this.disconnectedTimer = setTimeout(() => {
            this.disconnectedTimer = undefined
            const s = this.pc.iceConnectionState
            if (s === 'disconnected' || s === 'failed') this.restartIce()
          }, this.opts.disconnectedRestartMs)
        }
        break
      case 'failed':
        this.onFailed()
        break
      case 'connected':
      case 'completed':
        clearTimeout(this.disconnectedTimer)
        this.disconnectedTimer = undefined
        this.checkRecovered()
        break
    }
  }

  /** ICE and DTLS are up. */
  private healthy(): boolean {
    const ice = this.pc.iceConnectionState
    return this.pc.connectionState === 'connected' && (ice === 'connected' || ice === 'completed')
  }

  /**
   * Back from reconnecting. connectionstatechange alone is not enough: an
   * ICE restart can complete without connectionState ever leaving
   * `connected` (the old pair carried on meanwhile).
   */
  private checkRecovered(): void {
    if (this.status === 'reconnecting' && this.healthy() && this.pc.signalingState === 'stable') this.setStatus('connected')
  }

  private onConnectionState(): void {
    if (this.closed) return
    const s = this.pc.connectionState
    if (s === 'connected') {
      this.everConnected = true
      clearTimeout(this.lostTimer)
      this.lostTimer = undefined
      this.setStatus('connected')
      this.startStats()
      this.watchSize()
    } else if (s === 'failed') {
      this.onFailed()
    }
  }

  /**
   * ICE (or DTLS) failed. Before the path ever came up every candidate
   * pair was tried and none works: a restart would gather the same
   * candidates again, so the call has no path (status failed). Once it had
   * worked, the network changed: restart.
   */
  private onFailed(): void {
    if (this.everConnected) this.restartIce()
    else this.setStatus('failed')
  }

  private onOnline(): void {
    // A new network (Wi-Fi to cable, VPN up): the old path may be gone.
    if (this.everConnected && !this.closed) {
      this.lastRestart = -Infinity
      this.restartIce()
    }
  }

  /**
   * Sets the encoder scale for track on sender before it sends: a camera
   * larger than 640x480 starts smaller until the connection can carry full
   * size (startsize.ts); a screen, or any camera once full size was
   * reached, is sent at full size.
   */
  private async sizeFor(sender: RTCRtpSender, track: MediaStreamTrack): Promise<void> {
    const settings = typeof track.getSettings === 'function' ? track.getSettings() : {}
    const screen = isScreenTrack(track)
    const scale = Math.max(this.fullSize || screen ? 1 : startScale(settings.width, settings.height), screen ? 1 : this.videoLimit.scale)
    try {
      // Set already (presizeVideo, or this sender's last track): no getParameters on the way to the first frame.
      const applied = this.senderScale.get(sender) === scale || (await scaleSender(sender, scale))
      if (this.closed) return
      if (applied) this.senderScale.set(sender, scale)
      if (applied && scale > 1) {
        this.smallSender = sender
        this.watchSize()
      } else if (this.smallSender === sender) {
        this.smallSender = null
      }
    } catch (err) {
      // The picture then goes at full size from the start, as WebRTC chooses.
      console.debug('call: could not set the start size of the video', err)
    }
  }

  /**
   * While the camera is held at its start size and the connection is up,
   * checks every FULL_SIZE_CHECK_MS (every 2 s after the first 5 s) whether
   * frames flow at a bitrate that allows full size, and goes there.
   */
  private watchSize(): void {
    if (this.sizeWatching || this.closed || !this.smallSender || !this.everConnected) return
    this.sizeWatching = true
    const started = Date.now()
    const check = async () => {
      const sender = this.smallSender
      if (!sender || this.closed) {
        this.sizeWatching = false
        return
      }
      try {
        const report = typeof sender.getStats === 'function' ? await sender.getStats() : await this.pc.getStats()
        if (!this.closed && this.smallSender === sender && readyForFullSize(report as unknown as StatsLike)) {
          await scaleSender(sender, this.videoLimit.scale)
          this.senderScale.set(sender, this.videoLimit.scale)
          if (this.smallSender === sender) this.smallSender = null
          this.fullSize = true
        }
      } catch (err) {
        console.debug('call: could not bring the video to full size', err)
      }
      if (this.closed || !this.smallSender) {
        this.sizeWatching = false
        return
      }
      this.sizeTimer = setTimeout(check, Date.now() - started < 5000 ? FULL_SIZE_CHECK_MS : 2000)
    }
    this.sizeTimer = setTimeout(check, FULL_SIZE_CHECK_MS)
  }

  private setStatus(s: LinkStatus): void {
    if (this.status === s || this.closed) return
    this.status = s
    if (s === 'reconnecting' && !this.lostTimer) {
      this.lostTimer = setTimeout(() => {
        this.lostTimer = undefined
        if (this.status === 'reconnecting') this.setStatus('lost')
      }, this.opts.reconnectTimeoutMs)
    }
    this.opts.listener.status(s)
  }

  private setRemoteFlags(flags: MediaFlags): void {
    const f = this.remoteFlags
    if (f.micOn === flags.micOn && f.cameraOn === flags.cameraOn && f.screenSharing === flags.screenSharing) return
    this.remoteFlags = { ...flags }
    this.opts.listener.remoteMedia({ ...flags })
  }

  private sendFlags(): void {
    const ch = this.channel
    if (!ch || ch.readyState !== 'open' || this.closed) return
    try {
      ch.send(encodeFlags(this.localFlags))
    } catch (err) {
      console.debug('call: state channel send failed', err)
    }
  }

  private async sampleStats(): Promise<void> {
    if (this.closed) return
    try {
      const report = await this.pc.getStats()
      if (this.closed) return
      const { stats, state } = parseStats(report as unknown as Parameters<typeof parseStats>[0], this.statsState)
      this.statsState = state
      this.opts.listener.stats(stats)
    } catch (err) {
      console.debug('call: getStats failed', err)
    }
  }

  private listen(target: EventTarget, type: string, fn: (ev: Event) => void): void {
    target.addEventListener(type, fn)
    this.cleanups.push(() => target.removeEventListener(type, fn))
  }
}

/** The parts of RTCPeerConnection sdpWithCandidates reads. */
export type GatheringPeer = Pick<RTCPeerConnection, 'localDescription' | 'iceGatheringState' | 'addEventListener' | 'removeEventListener'>

/**
 * pc's local SDP once it holds a candidate or gathering is complete,
 * waiting at most maxWaitMs (see PeerLink.localSDPWithCandidates); null
 * without a local description.
 */
export async function sdpWithCandidates(pc: GatheringPeer, maxWaitMs: number): Promise<string | null> {
  const ready = () => !pc.localDescription || /(^|\n)a=candidate:/.test(pc.localDescription.sdp) || pc.iceGatheringState === 'complete'
  // No gathering state: not a real connection (the engine's test fakes).
  if (typeof pc.iceGatheringState !== 'string' || ready()) return pc.localDescription?.sdp ?? null
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer)
      pc.removeEventListener('icecandidate', done)
      pc.removeEventListener('icegatheringstatechange', changed)
      resolve()
    }
    // Gathering moves to "gathering" before the first candidate (right
    // after setLocalDescription): only "complete" ends the wait.
    const changed = () => {
      if (ready()) done()
    }
    const timer = setTimeout(done, maxWaitMs)
    pc.addEventListener('icecandidate', done)
    pc.addEventListener('icegatheringstatechange', changed)
  })
  return pc.localDescription?.sdp ?? null
}
