/**
 * Attempt: one call, from placeCall or call:incoming to its end, and the
 * one teardown every end goes through. It holds the call's own parts (its
 * peer connection, signaling, prepared answer, local tracks, timers) and
 * never emits: CallSession decides what the UI hears.
 */
import { CallDirection, CallState, type CallInfo, type CallSignal } from '../backend'
import type { CallData } from './calldata'
import { LocalMedia } from './localmedia'
import type { PeerLink } from './peer'
import type { CallSignaling } from './signaling'

/** Who placed the call: an attempt always knows. */
export type AttemptDirection = typeof CallDirection.Outgoing | typeof CallDirection.Incoming

/**
 * How far a call has come; Go's answers can lag its events (Calls.Start's
 * "calling" after the "ringing" event), and a call never goes back.
 */
const RANK: Record<CallState, number> = {
  [CallState.Idle]: 0,
  [CallState.Calling]: 1,
  [CallState.Ringing]: 2,
  [CallState.Connecting]: 3,
  [CallState.Connected]: 4,
  [CallState.Reconnecting]: 4,
  [CallState.Ended]: 5,
}

/** state comes before current: an answer of Go's that lags behind its events. */
export function isStale(state: CallState, current: CallState): boolean {
  return RANK[state] < RANK[current]
}

/** A callee's connection prepared while ringing (see prepared.ts). */
export interface PreparedAnswer {
  link: PeerLink
  signaling: CallSignaling
  /** Lets the negotiator go on to answer (the call was accepted, or ended). */
  go: () => void
  /** The negotiator's receive of the offer: settles once the answer is sent (or failed). */
  answered: Promise<void>
}

/** One call attempt. */
export class Attempt {
  /** Go's call id; null for an outgoing call until Calls.Start answers (or its first event names it). */
  id: string | null
  info: CallInfo | null = null
  /** Signals that came before the link existed (callee ringing) or before the id was known (caller). */
  early: CallSignal[] = []
  link: PeerLink | null = null
  /** Chat and files over link (calldata.ts), once it has its data channels. */
  data: CallData | null = null
  signaling: CallSignaling | null = null
  /**
   * Incoming: the peer connection made while ringing, with the caller's
   * offer set and no media (see prepareAnswer); it becomes `link` on accept.
   */
  prepared: Promise<PreparedAnswer> | null = null
  preparedLink: PeerLink | null = null
  /** Incoming: whether the answer sends video (set on accept). */
  answerVideo = false
  readonly media: LocalMedia
  accepting = false
  /** The peer connection reached `connected` at least once. */
  mediaConnected = false
  ended = false
  private connectTimer: ReturnType<typeof setTimeout> | undefined
  /** Media changes (camera, screen, device) run one after another. */
  private ops: Promise<void> = Promise.resolve()

  constructor(
    readonly direction: AttemptDirection,
    readonly peer: string,
    /** Video was asked for (outgoing) or offered (incoming). */
    readonly video: boolean,
    /** The caller's offer (incoming). */
    readonly offer: string,
    id: string | null,
    createStream: (tracks: MediaStreamTrack[]) => MediaStream,
  ) {
    this.id = id
    this.media = new LocalMedia(createStream)
  }

  /** info is about this call. */
  matches(info: CallInfo): boolean {
    if (this.id !== null) return this.id === info.id
    // Calls.Start has not answered yet, but Go already tells about the call.
    return this.direction === CallDirection.Outgoing && info.direction === CallDirection.Outgoing && info.peer === this.peer && !this.ended
  }

  /** Learns Go's call id (from Calls.Start or the first event naming the call). */
  adoptId(id: string): void {
    this.id = id
    if (this.signaling && this.signaling.callId === null) this.signaling.callId = id
  }

  /** Takes the signals kept for later. */
  takeEarly(): CallSignal[] {
    return this.early.splice(0)
  }

  /** Whether the connect timer runs. */
  get connectTimerArmed(): boolean {
    return this.connectTimer !== undefined
  }

  /** Starts the connect timer; onTimeout runs after ms unless media connected first. */
  armConnectTimer(ms: number, onTimeout: () => void): void {
    if (this.connectTimer !== undefined) return
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined
      if (!this.ended && !this.mediaConnected) onTimeout()
    }, ms)
  }

  /** The peer connection is up: no connect timeout any more. */
  markConnected(): void {
    this.mediaConnected = true
    clearTimeout(this.connectTimer)
    this.connectTimer = undefined
  }

  /**
   * Runs fn after every earlier media change of this call (camera, screen,
   * device), never once it ended; a throw goes to onError unless it ended.
   */
  serial(fn: () => Promise<void>, onError: (err: unknown) => void): Promise<void> {
    const run = this.ops.then(async () => {
      if (this.ended) return
      try {
        await fn()
      } catch (err) {
        if (!this.ended) onError(err)
      }
    })
    this.ops = run
    return run
  }

  /** Closes a prepared connection that will not be used. */
  dropPrepared(): void {
    const link = this.preparedLink
    if (!link) return
    this.preparedLink = null
    link.close()
    void this.prepared?.then((p) => p.go()).catch(() => {})
  }

  /**
   * The call's own teardown: every local track stopped, the peer
   * connection (and a prepared one) closed, the timer and signaling
   * dropped. Returns false if it had ended already.
   */
  end(): boolean {
    if (this.ended) return false
    this.ended = true
    clearTimeout(this.connectTimer)
    this.connectTimer = undefined
    this.signaling?.close()
    this.data?.close() // before the link: unfinished transfers fail as the call ending, not as a dead channel
    this.link?.close()
    this.dropPrepared()
    this.media.stop()
    this.early = []
    return true
  }
}
