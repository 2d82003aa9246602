/**
 * A fake of the two Go apps on either end of a call: each side gets a
 * Backend whose Calls methods behave like app/calls (states, outcomes,
 * events) and reach the other side's events, asynchronously and in order.
 */
import type { ErrorCode } from '../../backend/codes'
import type {
  Backend,
  CallInfo,
  CallOutcome,
  CallSignal,
  CallState,
  CallsService,
  Candidate,
  EventMap,
  EventName,
  ICEServer,
  IncomingCallEvent,
  MediaState,
} from '../../backend'
import { BackendError } from '../../backend'

const tick = () => new Promise<void>((r) => setTimeout(r, 0))

interface SharedCall {
  id: string
  caller: FakeBackend
  callee: FakeBackend
  video: boolean
  offer: string
  early: Candidate[]
  earlyEnd: boolean
  answered: boolean
  connected: boolean
  info: Map<FakeBackend, CallInfo>
}

export interface MethodCall {
  method: string
  args: unknown[]
}

export class FakeBackend implements Backend {
  readonly kind = 'bridge' as const
  other!: FakeBackend
  readonly log: MethodCall[] = []
  /** Methods that reject with this error instead of running. */
  readonly failures: Partial<Record<keyof CallsService, Error>> = {}
  /** Calls.Start finds the callee offline. */
  offline = false
  /** The callee is in another call. */
  busy = false
  iceServerList: ICEServer[] = []
  current: SharedCall | null = null
  private handlers = new Map<string, Set<(d: unknown) => void>>()
  private connHandlers = new Set<(c: boolean) => void>()

  constructor(
    readonly peerId: string,
    private readonly board: Switchboard,
  ) {}

  readonly identity = undefined as unknown as Backend['identity']
  readonly peers = undefined as unknown as Backend['peers']
  readonly contacts = undefined as unknown as Backend['contacts']
  readonly history = undefined as unknown as Backend['history']
  readonly settings = undefined as unknown as Backend['settings']
  readonly desktop = undefined as unknown as Backend['desktop']

  readonly calls: CallsService = {
    start: (peer, video, offer) => this.run('start', [peer, video, offer], () => this.board.start(this, peer, video, offer)),
    accept: (id, video, answer) => this.run('accept', [id, video, answer], () => this.board.accept(this, id, video, answer)),
    decline: (id) => this.run('decline', [id], () => this.board.end(this, id, 'decline')),
    cancel: (id) => this.run('cancel', [id], () => this.board.end(this, id, 'cancel')),
    hangup: (id) => this.run('hangup', [id], () => this.board.end(this, id, 'hangup')),
    candidate: (id, c) => this.run('candidate', [id, c], () => this.board.candidate(this, id, c)),
    renegotiate: (id, kind, sdp) => this.run('renegotiate', [id, kind, sdp], () => this.board.renegotiate(this, id, kind, sdp)),
    mediaState: (id, s) => this.run('mediaState', [id, s], () => this.board.mediaState(this, id, s)),
    current: () => this.run('current', [], () => (this.current && this.current.info.get(this)?.state !== 'ended' ? this.current.info.get(this)! : null)),
    incoming: () => this.run('incoming', [], () => this.ringing()),
    iceServers: () => this.run('iceServers', [], () => this.iceServerList),
  }

  on<E extends EventName>(event: E, handler: (data: EventMap[E]) => void): () => void {
    let set = this.handlers.get(event)
    if (!set) this.handlers.set(event, (set = new Set()))
    const h = handler as (d: unknown) => void
    set.add(h)
    return () => void set.delete(h)
  }

  onConnectionChange(handler: (connected: boolean) => void): () => void {
    this.connHandlers.add(handler)
    return () => void this.connHandlers.delete(handler)
  }

  close(): void {}

  /** The ringing incoming call, as Calls.Incoming answers it. */
  private ringing(): IncomingCallEvent | null {
    const c = this.current
    const info = c?.info.get(this)
    if (!c || c.callee !== this || c.answered || info?.state !== 'ringing') return null
    return { call: info, offer: c.offer, candidates: [...c.early], endOfCandidates: c.earlyEnd }
  }

  /** Subscribed handlers, for leak checks. */
  get listenerCount(): number {
    let n = this.connHandlers.size
    for (const s of this.handlers.values()) n += s.size
    return n
  }

  /** Methods called, by name. */
  called(method: keyof CallsService): MethodCall[] {
    return this.log.filter((c) => c.method === method)
  }

  /** Pushes an event, after those already queued (like Go's bus). */
  emit<E extends EventName>(event: E, data: EventMap[E]): void {
    setTimeout(() => {
      for (const h of [...(this.handlers.get(event) ?? [])]) h(data)
    }, 0)
  }

  private async run<T>(method: keyof CallsService, args: unknown[], fn: () => T | Promise<T>): Promise<T> {
    this.log.push({ method, args })
    const fail = this.failures[method]
    if (fail) {
      await tick()
      throw fail
    }
    const out = await fn()
    await tick() // events emitted while running arrive before the result, as over the bridge
    return out
  }
}

/** Two fake apps that can call each other. */
export class Switchboard {
  readonly a: FakeBackend
  readonly b: FakeBackend
  private n = 0

  constructor() {
    this.a = new FakeBackend('PEERA', this)
    this.b = new FakeBackend('PEERB', this)
    this.a.other = this.b
    this.b.other = this.a
  }

  start(from: FakeBackend, peer: string, video: boolean, offer: string): CallInfo {
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

  accept(from: FakeBackend, id: string, video: boolean, answer: string): CallInfo {
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

  end(from: FakeBackend, id: string, how: 'decline' | 'cancel' | 'hangup'): void {
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
    void how
    const outcome: CallOutcome = call.connected ? 'completed' : 'failed'
    this.finish(call, from, outcome, 'you hung up')
    this.finish(call, other, outcome, 'the other side hung up')
  }

  candidate(from: FakeBackend, id: string, c: Candidate): void {
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

  renegotiate(from: FakeBackend, id: string, kind: 'offer' | 'answer', sdp: string): void {
    const call = this.live(from, id)
    if (!call.answered) throw new BackendError('wrong_state', 'calls: not possible in this call state')
    const to = from === call.caller ? call.callee : call.caller
    to.emit('call:signal', { call: id, kind: 'renegotiate', description: kind, sdp })
  }

  mediaState(from: FakeBackend, id: string, s: MediaState): void {
    const call = this.live(from, id)
    if (!call.answered) throw new BackendError('wrong_state', 'calls: not possible in this call state')
    if (s === 'connected') call.connected = true
    this.set(call, from, s)
  }

  private live(from: FakeBackend, id: string): SharedCall {
    const call = from.current
    if (!call || call.id !== id) throw new BackendError('no_call', 'calls: no such call')
    if (call.info.get(from)?.state === 'ended') throw new BackendError('wrong_state', 'calls: not possible in this call state')
    return call
  }

  private set(call: SharedCall, side: FakeBackend, state: CallState): CallInfo {
    const info = { ...call.info.get(side)!, state }
    call.info.set(side, info)
    side.emit('call:state', info)
    return info
  }

  private finish(call: SharedCall, side: FakeBackend, outcome: CallOutcome, reason: string, cause?: ErrorCode): CallInfo {
    const cur = call.info.get(side)!
    if (cur.state === 'ended') return cur
    const info: CallInfo = { ...cur, state: 'ended', outcome, reason, endedAt: new Date().toISOString(), ...(cause ? { cause } : {}) }
    call.info.set(side, info)
    side.emit('call:state', info)
    return info
  }
}
