/**
 * Perfect negotiation (W3C WebRTC §10.7, webrtc/samples), as a function of
 * (send, polite), with no UI and no knowledge of how messages travel.
 *
 * Either side may renegotiate at any time (tracks added, ICE restart). When
 * both make an offer at once (glare), the polite side drops its own offer
 * (implicit rollback in setRemoteDescription) and answers; the impolite
 * side ignores the offer it received and waits for the answer to its own.
 * In Peerline the caller is impolite and the callee polite.
 *
 * Remote candidates that arrive before a remote description is set wait in
 * a queue and are added right after it is. Local candidates trickle out as
 * they are found (null = end of candidates), never waiting for gathering.
 */

/** What travels between the two negotiators. */
export type NegotiationMessage =
  | { description: RTCSessionDescriptionInit & { type: 'offer' | 'answer' } }
  /** null: the end of candidates. */
  | { candidate: RTCIceCandidateInit | null }

export interface NegotiatorOptions {
  /** Reports failures that do not belong to one receive() call (creating an offer). Default: console.warn. */
  onError?: (err: unknown) => void
}

/** The parts of RTCPeerConnection negotiation needs. */
export type NegotiablePeer = Pick<
  RTCPeerConnection,
  | 'signalingState'
  | 'remoteDescription'
  | 'localDescription'
  | 'setLocalDescription'
  | 'setRemoteDescription'
  | 'addIceCandidate'
  | 'addEventListener'
  | 'removeEventListener'
>

export class Negotiator {
  private makingOffer = false
  private ignoreOffer = false
  private settingRemoteAnswer = false
  private closed = false
  private readonly queued: (RTCIceCandidateInit | null)[] = []
  /**
   * The candidates the remote description carries ("candidate:…"). The
   * callee's answer carries its first candidate and trickles it too; in
   * Chromium addIceCandidate holds the page until WebRTC's signaling
   * thread answers (up to ~25 ms measured as the first frames arrive), so
   * a candidate the description already gave is not added again.
   */
  private remoteCandidates: RemoteCandidates = candidatesIn('')
  private readonly onError: (err: unknown) => void
  private readonly onNegotiationNeeded = () => void this.negotiate()
  private readonly onIceCandidate = (ev: RTCPeerConnectionIceEvent) => {
    if (this.closed) return
    // Some browsers signal the end with an empty candidate string.
    const c = ev.candidate
    this.send({ candidate: c && c.candidate ? c.toJSON() : null })
  }

  /**
   * Takes over negotiation of pc: listens for negotiationneeded and
   * icecandidate and calls send with what the other side must receive.
   * send may return a promise; a rejection is reported to onError.
   */
  constructor(
    private readonly pc: NegotiablePeer,
    private readonly sendFn: (msg: NegotiationMessage) => void | Promise<void>,
    readonly polite: boolean,
    options: NegotiatorOptions = {},
  ) {
    this.onError = options.onError ?? ((err) => console.warn('negotiator:', err))
    pc.addEventListener('negotiationneeded', this.onNegotiationNeeded)
    pc.addEventListener('icecandidate', this.onIceCandidate)
  }

  /** Remote candidates waiting for a remote description. */
  get pendingCandidates(): number {
    return this.queued.length
  }

  /**
   * Applies one message from the other side. For an offer it sets it,
   * calls beforeAnswer (where the callee adds its tracks so the answer
   * carries them), then answers through send. Rejects when the
   * description cannot be applied; candidate failures are only logged
   * (a candidate for an offer we ignored, or of an old ICE generation).
   */
  async receive(msg: NegotiationMessage, beforeAnswer?: () => void | Promise<void>): Promise<void> {
    if (this.closed) return
    if ('description' in msg) {
      await this.receiveDescription(msg.description, beforeAnswer)
    } else {
      await this.receiveCandidate(msg.candidate)
    }
  }

  /** Stops listening to the peer connection; later messages are dropped. */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.queued.length = 0
    this.pc.removeEventListener('negotiationneeded', this.onNegotiationNeeded)
    this.pc.removeEventListener('icecandidate', this.onIceCandidate)
  }

  private async negotiate(): Promise<void> {
    if (this.closed) return
    try {
      this.makingOffer = true
      await this.pc.setLocalDescription()
    } catch (err) {
      if (!this.closed) this.onError(err)
      return
    } finally {
      this.makingOffer = false
    }
    if (this.closed) return
    const d = this.pc.localDescription
    // A remote offer may have come in meanwhile and rolled ours back.
    if (!d || d.type !== 'offer') return
    // Sent at once, before the candidates this offer starts gathering.
    await this.send({ description: { type: 'offer', sdp: d.sdp } })
  }

  private async receiveDescription(
    description: RTCSessionDescriptionInit & { type: 'offer' | 'answer' },
    beforeAnswer?: () => void | Promise<void>,
  ): Promise<void> {
    const readyForOffer = !this.makingOffer && (this.pc.signalingState === 'stable' || this.settingRemoteAnswer)
    const offerCollision = description.type === 'offer' && !readyForOffer
    this.ignoreOffer = !this.polite && offerCollision
    if (this.ignoreOffer) return
    this.settingRemoteAnswer = description.type === 'answer'
    // Known before the description is in: its candidates may be trickled
    // while setRemoteDescription runs (remoteDescription is set before it resolves).
    const before = this.remoteCandidates
    this.remoteCandidates = candidatesIn(description.sdp ?? '')
    try {
      await this.pc.setRemoteDescription(description) // rolls our offer back if needed
    } catch (err) {
      this.remoteCandidates = before
      throw err
    } finally {
      this.settingRemoteAnswer = false
    }
    if (this.closed) return
    await this.flushCandidates()
    if (description.type !== 'offer') return
    await beforeAnswer?.()
    if (this.closed) return
    await this.pc.setLocalDescription()
    if (this.closed) return
    const d = this.pc.localDescription
    if (d && d.type === 'answer') await this.send({ description: { type: 'answer', sdp: d.sdp } })
  }

  private async receiveCandidate(candidate: RTCIceCandidateInit | null): Promise<void> {
    if (!this.pc.remoteDescription) {
      this.queued.push(candidate)
      return
    }
    await this.addCandidate(candidate)
  }

  private async flushCandidates(): Promise<void> {
    while (this.queued.length > 0 && !this.closed) {
      await this.addCandidate(this.queued.shift()!)
    }
  }

  private async addCandidate(candidate: RTCIceCandidateInit | null): Promise<void> {
    try {
      // No argument (not {candidate:''}) marks the end of candidates in every browser.
      if (candidate && this.remoteCandidates.has(candidate)) return
      if (candidate) await this.pc.addIceCandidate(candidate)
      else await this.pc.addIceCandidate()
    } catch (err) {
      // Candidates for an offer we ignored, or from an ICE generation a
      // restart replaced, fail harmlessly.
      if (!this.ignoreOffer && !this.closed) console.debug('negotiator: candidate not added', err)
    }
  }

  private async send(msg: NegotiationMessage): Promise<void> {
    try {
      await this.sendFn(msg)
    } catch (err) {
      if (!this.closed) this.onError(err)
    }
  }
}

/** The candidates an SDP carries, to tell a trickled candidate it already gave. */
export interface RemoteCandidates {
  /** Whether c is one of them: the same attribute (bar the ufrag, which the SDP states once) and the SDP's ICE ufrag. */
  has(c: RTCIceCandidateInit): boolean
}

/** The candidate lines of an SDP and its ICE ufrags. */
export function candidatesIn(sdp: string): RemoteCandidates {
  const lines = new Set<string>()
  const ufrags = new Set<string>()
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('a=candidate:')) lines.add(withoutUfrag(line.slice(2)))
    else if (line.startsWith('a=ice-ufrag:')) ufrags.add(line.slice('a=ice-ufrag:'.length).trim())
  }
  return {
    has(c) {
      if (!c.candidate || lines.size === 0) return false
      // Chromium's trickled candidates name their ufrag ("… ufrag 6puJ …"); the SDP's lines do not.
      const ufrag = c.usernameFragment ?? / ufrag (\S+)/.exec(c.candidate)?.[1]
      if (ufrag && !ufrags.has(ufrag)) return false
      return lines.has(withoutUfrag(c.candidate))
    },
  }
}

const withoutUfrag = (candidate: string) => candidate.replace(/ ufrag \S+/, '').trim()
