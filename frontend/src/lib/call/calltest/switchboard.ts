/**
 * A fake of the two Go apps on either end of a call: each side gets a
 * FakeBackend whose Calls methods behave like app/calls (states, outcomes,
 * events) and reach the other side's events, asynchronously and in order.
 */
import type { CallInfo, CallOutcome, CallSignal, CallState, Candidate, ICEServer, IncomingCallEvent, MediaState } from '../../backend'
import type { ErrorCode } from '../../backend/codes'
import { BackendError } from '../../backend'
import { FakeBackend } from '../../backend/backendtest'

/** app/calls.ReasonNoPath. */
const NO_PATH = 'no network path between you worked (ICE failed: no route)'

interface SharedCall {
  id: string
  caller: SwitchboardBackend
  callee: SwitchboardBackend
  video: boolean
  offer: string
  early: Candidate[]
  earlyEnd: boolean
  answered: boolean
  connected: boolean
  info: Map<SwitchboardBackend, CallInfo>
}

/**
 * One side's Go app: the one FakeBackend (queued, like the bridge) whose
 * Calls methods run the Switchboard's fake app/calls.
 */
export class SwitchboardBackend extends FakeBackend {
  other!: SwitchboardBackend
  /** Calls.Start finds the callee offline. */
  offline = false
  /** The callee is in another call. */
  busy = false
  /** What Calls.IceServers answers. */
  iceServerList: ICEServer[] = []
  current: SharedCall | null = null

  constructor(
    readonly peerId: string,
    board: Switchboard,
  ) {
    super({ queued: true })
    this.impl('calls.start', (peer: string, video: boolean, offer: string) => board.start(this, peer, video, offer))
    this.impl('calls.accept', (id: string, video: boolean, answer: string) => board.accept(this, id, video, answer))
    this.impl('calls.decline', (id: string) => board.end(this, id))
    this.impl('calls.cancel', (id: string) => board.end(this, id))
    this.impl('calls.hangup', (id: string) => board.end(this, id))
    this.impl('calls.candidate', (id: string, c: Candidate) => board.candidate(this, id, c))
    this.impl('calls.renegotiate', (id: string, kind: 'offer' | 'answer', sdp: string) => board.renegotiate(this, id, kind, sdp))
    this.impl('calls.mediaState', (id: string, s: MediaState) => board.mediaState(this, id, s))
    this.impl('calls.current', () => (this.current && this.current.info.get(this)?.state !== 'ended' ? this.current.info.get(this)! : null))
    this.impl('calls.list', () => (this.current && this.current.info.get(this)?.state !== 'ended' ? [this.current.info.get(this)!] : []))
    this.impl('calls.incoming', () => this.ringing())
    this.impl('calls.iceServers', () => this.iceServerList)
  }

  /** The ringing incoming call, as Calls.Incoming answers it. */
  private ringing(): IncomingCallEvent | null {
    const c = this.current
    const info = c?.info.get(this)
    if (!c || c.callee !== this || c.answered || info?.state !== 'ringing') return null
    return { call: info, offer: c.offer, candidates: [...c.early], endOfCandidates: c.earlyEnd }
  }
}

/** Two fake apps that can call each other. */
export class Switchboard {
  readonly a: SwitchboardBackend
  readonly b: SwitchboardBackend
  private n = 0

  constructor() {
    this.a = new SwitchboardBackend('PEERA', this)
    this.b = new SwitchboardBackend('PEERB', this)
    this.a.other = this.b
    this.b.other = this.a
  }

  start(from: SwitchboardBackend, peer: string, video: boolean, offer: string): CallInfo {
    const to = from.other
    if (peer !== to.peerId) throw new BackendError('bad_peer_id', 'not a peer id')
    if (from.current && from.current.info.get(from)?.state !== 'ended') throw new BackendError('busy', 'calls: already in a call')
    const id = `call${++this.n}`
    const call: SharedCall = { id, caller: from, callee: to, video, offer, early: [], earlyEnd: false, answered: false, connected: false, info: new Map() }
    from.current = call
    const media = video ? ['audio', 'video'] : ['audio']
    const now = new Date().toISOString()
    const mine: CallInfo = { id, peer: to.peerId, peerName: 'B', direction: 'outgoing', media, state: 'calling', verified: true, startedAt: now }
    call.info.set(from, mine)
    from.emit('call:state', mine)
    if (from.offline) return this.finish(call, from, 'unavailable', 'peer is offline', 'offline')
    if (to.busy || (to.current && to.current.info.get(to)?.state !== 'ended')) {
      setTimeout(() => this.finish(call, from, 'busy', 'busy in another call'), 0)
      return mine
    }
    to.current = call
    const theirs: CallInfo = { id, peer: from.peerId, peerName: 'A', direction: 'incoming', media, state: 'ringing', verified: true, startedAt: now }
    call.info.set(to, theirs)
    to.emit('call:incoming', { call: theirs, offer })
    to.emit('call:state', theirs)
    this.set(call, from, 'ringing')
    return mine
  }

  accept(from: SwitchboardBackend, id: string, video: boolean, answer: string): CallInfo {
    const call = this.live(from, id)
    if (call.callee !== from || call.answered) throw new BackendError('wrong_state', 'calls: not possible in this call state')
    call.answered = true
    call.video = call.video && video
    const media = call.video ? ['audio', 'video'] : ['audio']
    for (const side of [call.caller, call.callee]) call.info.set(side, { ...call.info.get(side)!, media, safetyCode: '12345 67890' })
    this.set(call, call.caller, 'connecting')
    const info = this.set(call, call.callee, 'connecting')
    call.caller.emit('call:signal', { call: id, kind: 'answer', sdp: answer })
    return info
  }

  /** Decline, cancel and hang up: Go tells them apart by who ends and whether it was answered. */
  end(from: SwitchboardBackend, id: string): void {
    const call = this.live(from, id)
    const other = from === call.caller ? call.callee : call.caller
    if (!call.answered) {
      if (from === call.caller) {
        this.finish(call, from, 'cancelled', 'you cancelled')
        this.finish(call, other, 'missed', 'the caller hung up')
      } else {
        this.finish(call, from, 'declined', 'you declined')
        this.finish(call, other, 'declined', 'the call was declined')
      }
      return
    }
    const outcome: CallOutcome = call.connected ? 'completed' : 'failed'
    this.finish(call, from, outcome, 'you hung up')
    this.finish(call, other, outcome, 'the other side hung up')
  }

  candidate(from: SwitchboardBackend, id: string, c: Candidate): void {
    const call = this.live(from, id)
    const to = from === call.caller ? call.callee : call.caller
    const sig: CallSignal = c.candidate ? { call: id, kind: 'candidate', candidate: c } : { call: id, kind: 'end_of_candidates' }
    if (from === call.caller && !call.answered) {
      // Go keeps what the caller trickles while it rings, for Calls.Incoming.
      if (c.candidate) call.early.push(c)
      else call.earlyEnd = true
    }
    to.emit('call:signal', sig)
  }

  renegotiate(from: SwitchboardBackend, id: string, kind: 'offer' | 'answer', sdp: string): void {
    const call = this.live(from, id)
    if (!call.answered) throw new BackendError('wrong_state', 'calls: not possible in this call state')
    const to = from === call.caller ? call.callee : call.caller
    to.emit('call:signal', { call: id, kind: 'renegotiate', description: kind, sdp })
  }

  mediaState(from: SwitchboardBackend, id: string, s: MediaState): void {
    const call = this.live(from, id)
    if (!call.answered) throw new BackendError('wrong_state', 'calls: not possible in this call state')
    if (s === 'failed') {
      // Like Manager.Fail: before connect, both sides end with the cause; after, a plain hangup.
      if (call.connected) return this.end(from, id)
      for (const side of [call.caller, call.callee]) this.finish(call, side, 'failed', NO_PATH, 'connection_failed')
      return
    }
    if (s === 'connected') call.connected = true
    this.set(call, from, s)
  }

  private live(from: SwitchboardBackend, id: string): SharedCall {
    const call = from.current
    if (!call || call.id !== id) throw new BackendError('no_call', 'calls: no such call')
    if (call.info.get(from)?.state === 'ended') throw new BackendError('wrong_state', 'calls: not possible in this call state')
    return call
  }

  private set(call: SharedCall, side: SwitchboardBackend, state: CallState): CallInfo {
    const info = { ...call.info.get(side)!, state }
    call.info.set(side, info)
    side.emit('call:state', info)
    return info
  }

  private finish(call: SharedCall, side: SwitchboardBackend, outcome: CallOutcome, reason: string, cause?: ErrorCode): CallInfo {
    const cur = call.info.get(side)!
    if (cur.state === 'ended') return cur
    const info: CallInfo = { ...cur, state: 'ended', outcome, reason, endedAt: new Date().toISOString(), ...(cause ? { cause } : {}) }
    call.info.set(side, info)
    side.emit('call:state', info)
    return info
  }
}
