/**
 * Small fakes of the WebRTC and media APIs for unit tests (no DOM here):
 * enough of RTCPeerConnection to negotiate for real (signaling states,
 * implicit rollback, transceivers, negotiationneeded, trickled candidates,
 * ICE restarts) and to "connect" two fake connections once they have
 * exchanged descriptions and candidates. The real thing is tested end to
 * end in Chromium.
 */
import type { RtcEnvironment } from '../rtc'

let seq = 0
const nextId = (p: string) => `${p}${++seq}`
const tick = () => new Promise<void>((r) => setTimeout(r, 0))

export class FakeTrack extends EventTarget {
  readonly id = nextId('track')
  enabled = true
  muted = false
  readyState: 'live' | 'ended' = 'live'
  contentHint = ''
  /** What getSettings reports (FakeMedia's cameras are 1280x720, like Chromium's fake camera). */
  settings: MediaTrackSettings = {}
  constructor(
    readonly kind: 'audio' | 'video',
    readonly label = '',
    readonly deviceId = '',
  ) {
    super()
  }
  getSettings(): MediaTrackSettings {
    return { ...this.settings }
  }
  stop(): void {
    this.readyState = 'ended'
  }
  /** The browser ends the track (the user pressed "Stop sharing"). */
  end(): void {
    this.readyState = 'ended'
    this.dispatchEvent(new Event('ended'))
  }
  setMuted(muted: boolean): void {
    this.muted = muted
    this.dispatchEvent(new Event(muted ? 'mute' : 'unmute'))
  }
}

export class FakeStream {
  readonly id = nextId('stream')
  private tracks: FakeTrack[]
  constructor(tracks: MediaStreamTrack[] = []) {
    this.tracks = [...(tracks as unknown as FakeTrack[])]
  }
  getTracks(): FakeTrack[] {
    return [...this.tracks]
  }
  getAudioTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio')
  }
  getVideoTracks(): FakeTrack[] {
    return this.tracks.filter((t) => t.kind === 'video')
  }
  addTrack(t: FakeTrack): void {
    if (!this.tracks.includes(t)) this.tracks.push(t)
  }
  removeTrack(t: FakeTrack): void {
    this.tracks = this.tracks.filter((x) => x !== t)
  }
}

export class FakeDataChannel extends EventTarget {
  readyState: RTCDataChannelState = 'connecting'
  /** Text messages sent. */
  readonly sent: string[] = []
  /** Binary messages sent. */
  binarySent = 0
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  binaryType: BinaryType = 'blob'
  remote: FakeDataChannel | null = null
  constructor(
    readonly label: string,
    readonly id: number | null,
  ) {
    super()
  }
  send(data: string | ArrayBuffer | ArrayBufferView<ArrayBuffer>): void {
    if (this.readyState !== 'open') throw new DOMException('not open', 'InvalidStateError')
    if (typeof data === 'string') this.sent.push(data)
    else {
      this.binarySent++
      data = data instanceof ArrayBuffer ? data.slice(0) : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
    }
    const remote = this.remote
    setTimeout(() => {
      if (remote?.readyState === 'open') remote.dispatchEvent(new MessageEvent('message', { data }))
    }, 0)
  }
  open(remote: FakeDataChannel | null): void {
    if (this.readyState === 'open' || this.readyState === 'closed') return
    this.remote = remote
    this.readyState = 'open'
    this.dispatchEvent(new Event('open'))
  }
  close(): void {
    if (this.readyState === 'closed') return
    this.readyState = 'closed'
    this.dispatchEvent(new Event('close'))
  }
}

class FakeSender {
  track: FakeTrack | null = null
  readonly replaced: (FakeTrack | null)[] = []
  /** The encodings as set (one, as a browser makes for a camera sender). */
  encodings: RTCRtpEncodingParameters[] = [{ active: true }]
  /** Every scaleResolutionDownBy set, in order. */
  readonly scales: number[] = []
  /** The next setParameters calls fail with these DOMException names. */
  failSetParameters: string[] = []
  /** How many times getParameters was called (in Chromium it waits on WebRTC's signaling thread). */
  parameterReads = 0
  async replaceTrack(t: FakeTrack | null): Promise<void> {
    this.track = t
    this.replaced.push(t)
  }
  setStreams(): void {}
  getParameters(): RTCRtpSendParameters {
    this.parameterReads++
    return { transactionId: 't', encodings: this.encodings.map((e) => ({ ...e })), codecs: [], headerExtensions: [], rtcp: {} }
  }
  async setParameters(p: RTCRtpSendParameters): Promise<void> {
    await tick()
    const fail = this.failSetParameters.shift()
    if (fail) throw new DOMException('fake failure', fail)
    this.encodings = p.encodings.map((e) => ({ ...e }))
    this.scales.push(p.encodings[0]?.scaleResolutionDownBy ?? 1)
  }
  /** The first encoding's scaleResolutionDownBy (1 when unset). */
  get scale(): number {
    return this.encodings[0]?.scaleResolutionDownBy ?? 1
  }
}

export class FakeTransceiver {
  mid: string | null = null
  currentDirection: RTCRtpTransceiverDirection | null = null
  /** The direction the last completed negotiation agreed (null: never negotiated). */
  negotiated: RTCRtpTransceiverDirection | null = null
  readonly sender = new FakeSender()
  readonly receiver: { track: FakeTrack }
  usedToSend = false
  trackFired = false
  private dir: RTCRtpTransceiverDirection
  constructor(
    readonly kind: 'audio' | 'video',
    direction: RTCRtpTransceiverDirection,
    private readonly pc: FakePeerConnection,
    readonly fromAddTrack: boolean,
  ) {
    this.dir = direction
    this.receiver = { track: new FakeTrack(kind, 'remote') }
    this.receiver.track.muted = true
  }
  get direction(): RTCRtpTransceiverDirection {
    return this.dir
  }
  set direction(d: RTCRtpTransceiverDirection) {
    this.dir = d
    this.pc.checkNegotiation()
  }
  get sends(): boolean {
    return this.dir === 'sendrecv' || this.dir === 'sendonly'
  }
}

interface SdpMedia {
  mid: string
  kind: 'audio' | 'video'
  direction: RTCRtpTransceiverDirection
}
interface FakeSdp {
  pc: string
  ufrag: string
  media: SdpMedia[]
  data: boolean
}

const sendsOf = (d: RTCRtpTransceiverDirection) => d === 'sendrecv' || d === 'sendonly'

export class FakePeerConnection extends EventTarget {
  static all: FakePeerConnection[] = []
  static byId(id: string): FakePeerConnection | undefined {
    return FakePeerConnection.all.find((p) => p.id === id)
  }

  readonly id = nextId('pc')
  signalingState: RTCSignalingState = 'stable'
  connectionState: RTCPeerConnectionState = 'new'
  iceConnectionState: RTCIceConnectionState = 'new'
  localDescription: { type: RTCSdpType; sdp: string } | null = null
  remoteDescription: { type: RTCSdpType; sdp: string } | null = null
  readonly transceivers: FakeTransceiver[] = []
  readonly channels: FakeDataChannel[] = []
  readonly added: (RTCIceCandidateInit | undefined)[] = []
  /** What getStats resolves with. */
  statsReport = new Map<string, Record<string, unknown>>()
  restarts = 0
  /** Connect by itself once negotiated with candidates exchanged. */
  autoConnect = true
  closed = false
  /** The descriptions this connection applied, in order (type and who made it). */
  readonly history: string[] = []

  private ufrag = nextId('u')
  private remoteUfrag = ''
  private dataNegotiated = false
  private restartPending = false
  private nnQueued = false
  private candidatesForUfrag = ''
  private ops: Promise<unknown> = Promise.resolve()
  private stableLocal: { type: RTCSdpType; sdp: string } | null = null
  private rollbackMids: FakeTransceiver[] = []
  private rollbackUfrag = ''
  private rollbackRestart = false

  constructor(readonly config: RTCConfiguration = {}) {
    super()
    FakePeerConnection.all.push(this)
  }

  // ---- negotiation ----

  setLocalDescription(desc?: { type: RTCSdpType; sdp?: string }): Promise<void> {
    return this.op(() => {
      if (desc?.type === 'rollback') return this.rollback()
      if (this.signalingState === 'stable' || this.signalingState === 'have-local-offer') this.makeOffer()
      else if (this.signalingState === 'have-remote-offer') this.makeAnswer()
      else throw new DOMException('bad state', 'InvalidStateError')
    })
  }

  setRemoteDescription(desc: { type: RTCSdpType; sdp?: string }): Promise<void> {
    return this.op(() => {
      const sdp = JSON.parse(desc.sdp ?? '') as FakeSdp
      if (desc.type === 'offer') {
        if (this.signalingState === 'have-local-offer') this.rollback()
        if (this.signalingState !== 'stable') throw new DOMException('offer in ' + this.signalingState, 'InvalidStateError')
        for (const m of sdp.media) {
          let t = this.transceivers.find((x) => x.mid === m.mid)
          t ??= this.transceivers.find((x) => x.mid === null && x.kind === m.kind && x.fromAddTrack)
          if (!t) {
            t = new FakeTransceiver(m.kind, 'recvonly', this, false)
            this.transceivers.push(t)
          }
          t.mid = m.mid
        }
        this.applyRemote(sdp)
        this.remoteDescription = { type: 'offer', sdp: desc.sdp! }
        this.setSignaling('have-remote-offer')
        this.history.push('remote-offer')
      } else if (desc.type === 'answer') {
        if (this.signalingState !== 'have-local-offer') throw new DOMException('answer in ' + this.signalingState, 'InvalidStateError')
        for (const m of sdp.media) {
          const t = this.transceivers.find((x) => x.mid === m.mid)
          if (t) {
            t.negotiated = t.direction
            t.currentDirection = t.direction
          }
        }
        this.dataNegotiated = this.dataNegotiated || (sdp.data && this.channels.length > 0)
        this.applyRemote(sdp)
        this.remoteDescription = { type: 'answer', sdp: desc.sdp! }
        this.stableLocal = this.localDescription
        this.rollbackMids = []
        this.setSignaling('stable')
        this.history.push('remote-answer')
        this.checkNegotiation()
      } else {
        throw new DOMException('unsupported ' + desc.type, 'InvalidStateError')
      }
      this.maybeConnect()
    })
  }

  addIceCandidate(c?: RTCIceCandidateInit): Promise<void> {
    return this.op(() => {
      if (!this.remoteDescription) throw new DOMException('no remote description', 'InvalidStateError')
      if (c?.usernameFragment && c.usernameFragment !== this.remoteUfrag) throw new DOMException('unknown ufrag', 'OperationError')
      this.added.push(c)
      if (c) this.candidatesForUfrag = this.remoteUfrag
      this.maybeConnect()
    })
  }

  // ---- media ----

  addTrack(track: FakeTrack): FakeSender {
    let t = this.transceivers.find((x) => x.kind === track.kind && x.sender.track === null && !x.usedToSend && x.direction !== 'stopped')
    if (t) {
      if (t.direction === 'recvonly') t.direction = 'sendrecv'
      if (t.direction === 'inactive') t.direction = 'sendonly'
    } else {
      t = new FakeTransceiver(track.kind, 'sendrecv', this, true)
      this.transceivers.push(t)
    }
    t.sender.track = track
    t.usedToSend = true
    this.checkNegotiation()
    return t.sender
  }

  addTransceiver(kind: 'audio' | 'video', init: RTCRtpTransceiverInit = {}): FakeTransceiver {
    const t = new FakeTransceiver(kind, init.direction ?? 'sendrecv', this, false)
    this.transceivers.push(t)
    this.checkNegotiation()
    return t
  }

  getTransceivers(): FakeTransceiver[] {
    return [...this.transceivers]
  }
  getSenders(): FakeSender[] {
    return this.transceivers.map((t) => t.sender)
  }
  getReceivers(): { track: FakeTrack }[] {
    return this.transceivers.map((t) => t.receiver)
  }

  createDataChannel(label: string, init: RTCDataChannelInit = {}): FakeDataChannel {
    const ch = new FakeDataChannel(label, init.id ?? null)
    this.channels.push(ch)
    if (this.connectionState === 'connected') this.openChannels()
    this.checkNegotiation()
    return ch
  }

  restartIce(): void {
    this.restarts++
    this.restartPending = true
    this.checkNegotiation()
  }

  async getStats(): Promise<Map<string, Record<string, unknown>>> {
    return this.statsReport
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.signalingState = 'closed'
    this.connectionState = 'closed'
    this.iceConnectionState = 'closed'
    for (const c of this.channels) c.close()
  }

  // ---- test controls ----

  /** Sets iceConnectionState and connectionState and fires their events. */
  setState(ice: RTCIceConnectionState, conn?: RTCPeerConnectionState): void {
    if (ice !== this.iceConnectionState) {
      this.iceConnectionState = ice
      this.dispatchEvent(new Event('iceconnectionstatechange'))
    }
    if (conn && conn !== this.connectionState) {
      this.connectionState = conn
      this.dispatchEvent(new Event('connectionstatechange'))
    }
  }

  /** Listeners currently registered, by type. */
  listenerCount(type: string): number {
    return this.counts.get(type) ?? 0
  }
  private counts = new Map<string, number>()
  addEventListener(type: string, l: EventListenerOrEventListenerObject | null, o?: AddEventListenerOptions | boolean): void {
    this.counts.set(type, (this.counts.get(type) ?? 0) + 1)
    super.addEventListener(type, l, o)
  }
  removeEventListener(type: string, l: EventListenerOrEventListenerObject | null, o?: EventListenerOptions | boolean): void {
    this.counts.set(type, (this.counts.get(type) ?? 0) - 1)
    super.removeEventListener(type, l, o)
  }

  // ---- internals ----

  /** Fires negotiationneeded (once, asynchronously) when stable and something is not negotiated yet. */
  checkNegotiation(): void {
    if (this.closed || this.signalingState !== 'stable' || this.nnQueued || !this.needsNegotiation()) return
    this.nnQueued = true
    setTimeout(() => {
      this.nnQueued = false
      if (!this.closed && this.signalingState === 'stable' && this.needsNegotiation()) this.dispatchEvent(new Event('negotiationneeded'))
    }, 0)
  }

  private needsNegotiation(): boolean {
    return (
      this.restartPending ||
      (this.channels.length > 0 && !this.dataNegotiated) ||
      this.transceivers.some((t) => t.mid === null || t.negotiated !== t.direction)
    )
  }

  private op(fn: () => void): Promise<void> {
    const p = this.ops.then(async () => {
      await tick()
      if (this.closed) throw new DOMException('closed', 'InvalidStateError')
      fn()
    })
    this.ops = p.catch(() => {})
    return p
  }

  private sdp(): string {
    const media = this.transceivers
      .filter((t) => t.mid !== null)
      .map((t) => ({ mid: t.mid!, kind: t.kind, direction: t.direction }))
    return JSON.stringify({ pc: this.id, ufrag: this.ufrag, media, data: this.channels.length > 0 || this.dataNegotiated })
  }

  private makeOffer(): void {
    if (this.signalingState === 'stable') {
      this.rollbackMids = []
      this.rollbackUfrag = this.ufrag
      this.rollbackRestart = this.restartPending
    }
    let n = this.transceivers.filter((t) => t.mid !== null).length
    for (const t of this.transceivers) {
      if (t.mid === null) {
        t.mid = String(n++)
        this.rollbackMids.push(t)
      }
    }
    if (this.restartPending) {
      this.ufrag = nextId('u')
      this.restartPending = false
    }
    this.localDescription = { type: 'offer', sdp: this.sdp() }
    this.setSignaling('have-local-offer')
    this.history.push('local-offer')
    this.trickle()
  }

  private makeAnswer(): void {
    const offered = (JSON.parse(this.remoteDescription!.sdp) as FakeSdp).media.map((m) => m.mid)
    for (const t of this.transceivers) {
      if (t.mid !== null && offered.includes(t.mid)) {
        t.negotiated = t.direction
        t.currentDirection = t.direction
      }
    }
    if ((JSON.parse(this.remoteDescription!.sdp) as FakeSdp).data) this.dataNegotiated = true
    // Answering a restart offer gives new credentials; so does our own pending restart.
    if (this.restartPending) {
      this.ufrag = nextId('u')
      this.restartPending = false
    }
    const sdp = JSON.parse(this.sdp()) as FakeSdp
    sdp.media = sdp.media.filter((m) => offered.includes(m.mid))
    this.localDescription = { type: 'answer', sdp: JSON.stringify(sdp) }
    this.stableLocal = this.localDescription
    this.setSignaling('stable')
    this.history.push('local-answer')
    this.trickle()
    this.checkNegotiation()
    this.maybeConnect()
  }

  private rollback(): void {
    for (const t of this.rollbackMids) t.mid = null
    this.rollbackMids = []
    this.ufrag = this.rollbackUfrag || this.ufrag
    this.restartPending = this.rollbackRestart
    this.localDescription = this.stableLocal
    this.setSignaling('stable')
    this.history.push('rollback')
  }

  private applyRemote(sdp: FakeSdp): void {
    if (sdp.ufrag !== this.remoteUfrag) {
      // A new remote ICE generation; after the first, a restart: our answer gets new credentials too.
      if (this.remoteUfrag && this.signalingState === 'stable') this.restartPending = true
      this.remoteUfrag = sdp.ufrag
    }
    for (const m of sdp.media) {
      const t = this.transceivers.find((x) => x.mid === m.mid)
      if (!t || t.trackFired || !sendsOf(m.direction)) continue
      t.trackFired = true
      const track = t.receiver.track
      setTimeout(() => {
        if (this.closed) return
        this.dispatchEvent(Object.assign(new Event('track'), { track, streams: [], transceiver: t, receiver: t.receiver }))
        track.setMuted(false)
      }, 0)
    }
  }

  private trickle(): void {
    const ufrag = this.ufrag
    const host = this.id.replace(/\D/g, '')
    setTimeout(() => {
      if (this.closed || this.ufrag !== ufrag) return
      const init = { candidate: `candidate:1 1 udp 2122260223 10.0.0.${host} 5000 typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: ufrag }
      this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { ...init, toJSON: () => init } }))
      setTimeout(() => {
        if (!this.closed && this.ufrag === ufrag) this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: null }))
      }, 0)
    }, 0)
  }

  private setSignaling(s: RTCSignalingState): void {
    this.signalingState = s
    this.dispatchEvent(new Event('signalingstatechange'))
  }

  private maybeConnect(): void {
    if (!this.autoConnect || this.closed || this.signalingState !== 'stable' || !this.localDescription || !this.remoteDescription) return
    const up = () => this.connectionState === 'connected' && this.iceConnectionState === 'connected'
    if (this.candidatesForUfrag !== this.remoteUfrag || up()) return
    setTimeout(() => {
      if (this.closed || up()) return
      this.setState('connected', 'connected')
      this.openChannels()
    }, 0)
  }

  private openChannels(): void {
    const remoteId = this.remoteDescription ? (JSON.parse(this.remoteDescription.sdp) as FakeSdp).pc : ''
    const remote = FakePeerConnection.byId(remoteId)
    for (const ch of this.channels) {
      const other = remote?.channels.find((c) => c.id === ch.id) ?? null
      if (other && remote?.connectionState === 'connected') {
        ch.open(other)
        other.open(ch)
      }
    }
  }
}

/** Fake getUserMedia/getDisplayMedia with a record of what was asked, and failures to inject. */
export class FakeMedia {
  readonly requests: MediaStreamConstraints[] = []
  readonly tracks: FakeTrack[] = []
  /** The next getUserMedia calls fail with these DOMException names (one per call; '' = succeed). */
  failNext: string[] = []
  /** Fail any request that asks for video with this name. */
  failVideo = ''
  /** getDisplayMedia fails with this name. */
  failScreen = ''
  displayRequests = 0

  getUserMedia = async (c: MediaStreamConstraints): Promise<MediaStream> => {
    this.requests.push(c)
    await tick()
    const fail = this.failNext.shift() || (c.video ? this.failVideo : '')
    if (fail) throw new DOMException('fake failure', fail)
    const tracks: FakeTrack[] = []
    const id = (x: MediaStreamConstraints['audio']) => {
      const d = typeof x === 'object' ? x.deviceId : undefined
      return typeof d === 'object' && d && !Array.isArray(d) ? String((d as ConstrainDOMStringParameters).exact ?? (d as ConstrainDOMStringParameters).ideal ?? '') : ''
    }
    if (c.audio) tracks.push(new FakeTrack('audio', 'mic', id(c.audio)))
    if (c.video) {
      const cam = new FakeTrack('video', 'camera', id(c.video))
      cam.settings = { width: 1280, height: 720, frameRate: 30 }
      tracks.push(cam)
    }
    this.tracks.push(...tracks)
    return new FakeStream(tracks as unknown as MediaStreamTrack[]) as unknown as MediaStream
  }

  getDisplayMedia = async (): Promise<MediaStream> => {
    this.displayRequests++
    await tick()
    if (this.failScreen) throw new DOMException('fake failure', this.failScreen)
    const t = new FakeTrack('video', 'screen')
    t.settings = { width: 1920, height: 1080, frameRate: 15 }
    this.tracks.push(t)
    return new FakeStream([t as unknown as MediaStreamTrack]) as unknown as MediaStream
  }

  /** Every track handed out that is still live. */
  live(): FakeTrack[] {
    return this.tracks.filter((t) => t.readyState === 'live')
  }
}

/** A window-like source of `online` events. */
export class FakeNetwork {
  private listeners = new Set<() => void>()
  addEventListener(_type: 'online', l: () => void): void {
    this.listeners.add(l)
  }
  removeEventListener(_type: 'online', l: () => void): void {
    this.listeners.delete(l)
  }
  get listenerCount(): number {
    return this.listeners.size
  }
  online(): void {
    for (const l of [...this.listeners]) l()
  }
}

/** One side's fake browser. */
export function fakeRtc(): { env: RtcEnvironment; media: FakeMedia; network: FakeNetwork; pcs: () => FakePeerConnection[] } {
  const media = new FakeMedia()
  const network = new FakeNetwork()
  const mine: FakePeerConnection[] = []
  class PC extends FakePeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config)
      mine.push(this)
    }
  }
  const env: RtcEnvironment = {
    RTCPeerConnection: PC as unknown as RtcEnvironment['RTCPeerConnection'],
    getUserMedia: media.getUserMedia,
    getDisplayMedia: media.getDisplayMedia,
    createStream: (tracks) => new FakeStream(tracks) as unknown as MediaStream,
    network,
  }
  return { env, media, network, pcs: () => mine }
}

/** Waits until cond() holds (real timers), failing after timeoutMs. */
export async function waitFor(cond: () => boolean, what = 'condition', timeoutMs = 2000): Promise<void> {
  const start = Date.now()
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

/** Lets pending timers and promises run. */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await tick()
}
