/**
 * The call engine of a window that cannot make calls itself: the app
 * window on Linux, where Debian's and Ubuntu's WebKitGTK ship without
 * RTCPeerConnection. The call runs in the call window, a browser window
 * Go opens on its loopback bridge (Desktop.OpenCallWindow); that window
 * places or answers the call by itself, so nobody types anything.
 *
 * This engine hands placing and answering to the call window, and mirrors
 * Go's call:state and call:incoming so this window still rings, shows who
 * is calling and that a call is on. Decline, cancel and hang up work from
 * here (they are Go calls, not media). It has no media of its own.
 *
 * A group call is several calls in Go (one leg per other person). This
 * window follows one: the call it showed first; the group's other legs
 * (join legs arrive auto-accepted and never ring) are kept aside, and when
 * the followed one ends while another leg lives, it follows that one.
 */
import { EventName, type Backend, type CallInfo, type CallIntent, type IncomingCallEvent } from '../backend'
import { CallError, CallEvent, LIVE_STATES, endError, isGroupJoin, toCallError, type CallEventHandler, type CallEventMap, type CallState, type MediaFlags } from '../call'
import { TypedEmitter } from '../emitter'
import type { CallEngine } from './call.svelte'

const NO_MEDIA: MediaFlags = { micOn: false, cameraOn: false, screenSharing: false }
const LIVE = LIVE_STATES

export interface CallWindowEngineOptions {
  /**
   * How long placing or answering waits for the call window to take the
   * call before saying it did not open, ms. A cold browser start on a slow
   * machine takes a few seconds. Default 30000.
   */
  handoffMs?: number
}

export class CallWindowEngine implements CallEngine {
  /** Calls run in another window: the UI shows that instead of media controls. */
  readonly elsewhere = true
  readonly localStream = null
  readonly remoteStream = null
  readonly localMedia: MediaFlags = NO_MEDIA
  readonly remoteMedia: MediaFlags = NO_MEDIA
  readonly stats = null
  /** How the last call window opened (null before the first). */
  lastWindow: { program: string; appMode: boolean } | null = null

  private _state: CallState = 'idle'
  private _call: CallInfo | null = null
  private readonly backend: Backend
  private readonly handoffMs: number
  private readonly events = new TypedEmitter<CallEventMap>('call window')
  private readonly offs: (() => void)[] = []
  private readonly waiters = new Set<() => void>()
  /** The live legs of our group call besides the one followed, by call id. */
  private readonly legs = new Map<string, CallInfo>()
  private disposed = false

  constructor(backend: Backend, options: CallWindowEngineOptions = {}) {
    this.backend = backend
    this.handoffMs = options.handoffMs ?? 30_000
    this.offs.push(
      backend.on(EventName.CallState, (info) => this.onState(info)),
      backend.on(EventName.CallIncoming, (ev) => this.onIncoming(ev)),
      backend.onConnectionChange((up) => {
        if (up) void this.sync()
      }),
    )
    void this.sync()
  }

  get state(): CallState {
    return this._state
  }

  get call(): CallInfo | null {
    return this._call
  }

  on<E extends CallEvent>(event: E, handler: CallEventHandler<E>): () => void {
    return this.events.on(event, handler)
  }

  /** Catches up with a call that started before this window (or while its link was down). */
  async sync(): Promise<void> {
    const before = this._call
    const had = [...this.legs.keys()] // legs heard of meanwhile are newer than Go's answer
    let ringing: IncomingCallEvent | null
    let all: CallInfo[]
    try {
      // Every live call (a group call is one per leg; Calls.Current names only the oldest).
      ;[ringing, all] = await Promise.all([this.backend.calls.incoming(), this.backend.calls.list()])
    } catch {
      return // the link is down; onConnectionChange brings us back
    }
    if (this.disposed) return
    for (const id of had) if (!all.some((c) => c.id === id)) this.legs.delete(id)
    if (ringing && !isGroupJoin(ringing.call)) return this.onIncoming(ringing)
    // The call shown first (if Go still has it), then the group's other legs (kept aside).
    const shown = all.find((c) => c.id === this._call?.id)
    for (const c of shown ? [shown, ...all.filter((x) => x !== shown)] : all) this.onState(c)
    // Go no longer has the call we showed, and none began while we asked: it is over (or another leg of the group takes over).
    if (!shown && LIVE.includes(this._state) && this._call && this._call === before) this.onState({ ...this._call, state: 'ended' })
  }

  async placeCall(peerId: string, options: { video: boolean }): Promise<void> {
    if (LIVE.includes(this._state)) throw new CallError('wrong_state', 'You are already in a call.')
    await this.handOff({ action: 'call', peer: peerId, video: options.video }, () => LIVE.includes(this._state) && this._call?.peer === peerId)
  }

  async accept(options: { video: boolean }): Promise<void> {
    const call = this._call
    if (this._state !== 'ringing' || !call || call.direction !== 'incoming') {
      throw new CallError('wrong_state', 'There is no ringing call to answer.')
    }
    await this.handOff({ action: 'accept', call: call.id, video: options.video }, () => this._call?.id !== call.id || this._state !== 'ringing')
  }

  async decline(): Promise<void> {
    if (this._call) await this.backend.calls.decline(this._call.id)
  }

  async cancel(): Promise<void> {
    if (this._call) await this.backend.calls.cancel(this._call.id)
  }

  /** Ends the call: in a group call, every leg (leaving it). */
  async hangup(): Promise<void> {
    const ids = [...(this._call ? [this._call.id] : []), ...this.legs.keys()]
    await Promise.all(ids.map((id) => this.backend.calls.hangup(id)))
  }

  // Media belongs to the call window; these have nothing to act on here.
  setMuted(): void {}
  async setCameraOn(): Promise<void> {}
  async startScreenShare(): Promise<void> {}
  async stopScreenShare(): Promise<void> {}
  async switchDevice(): Promise<void> {}
  async setSpeaker(): Promise<void> {}
  registerOutput(): () => void {
    return () => {}
  }

  // Chat and files travel with the media, in the call window.
  sendChat(): boolean {
    return false
  }
  sendFile(): null {
    return null
  }
  cancelTransfer(): void {}

  dispose(): void {
    this.disposed = true
    for (const off of this.offs.splice(0)) off()
    for (const wake of this.waiters) wake()
    this.events.clear()
  }

  /**
   * Opens the call window for intent and waits until Go shows the call
   * window took it (taken()), so the buttons here stay busy meanwhile.
   */
  private async handOff(intent: CallIntent, taken: () => boolean): Promise<void> {
    try {
      this.lastWindow = await this.backend.desktop.openCallWindow(intent)
    } catch (err) {
      const e = toCallError(err)
      throw new CallError(e.code, `The call window could not be opened: ${e.message}`, { cause: err })
    }
    if (!(await this.until(taken, this.handoffMs))) {
      const how = this.lastWindow?.appMode ? '' : ' Look for it in your web browser.'
      throw new CallError('backend', `The call window did not take the call.${how}`)
    }
  }

  /** Resolves true once cond() holds after a call event, false after ms. */
  private until(cond: () => boolean, ms: number): Promise<boolean> {
    if (cond()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const check = () => {
        if (this.disposed || cond()) done(!this.disposed)
      }
      const timer = setTimeout(() => done(false), ms)
      const done = (ok: boolean) => {
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve(ok)
      }
      this.waiters.add(check)
    })
  }

  private onIncoming(ev: IncomingCallEvent): void {
    if (this.disposed) return
    // A join leg of our group call answers by itself in the call window: no ringing card, no ring here.
    if (isGroupJoin(ev.call)) return
    if (this._call?.id === ev.call.id && this._state !== 'idle' && this._state !== 'ended') return
    this._call = ev.call
    this._state = 'ringing'
    this.emit(CallEvent.State, { state: 'ringing', call: ev.call, error: null })
    this.emit(CallEvent.Incoming, { call: ev.call, video: ev.call.media.includes('video') })
    this.wake()
  }

  private onState(info: CallInfo): void {
    if (this.disposed) return
    const cur = this._call
    if (cur && info.id !== cur.id && info.group && LIVE.includes(this._state) && (!cur.group || cur.group === info.group)) {
      // Another leg of the group call we show: kept aside, not shown.
      if (LIVE.includes(info.state)) this.legs.set(info.id, info)
      else this.legs.delete(info.id)
      return
    }
    if (cur?.id === info.id && info.state === 'ended' && this.legs.size > 0) {
      // The person we showed left; the group goes on: follow another leg.
      const [next] = this.legs.values()
      this.legs.delete(next.id)
      this._call = next
      this._state = next.state
      this.emit(CallEvent.State, { state: next.state, call: next, error: null })
      this.wake()
      return
    }
    if (!LIVE.includes(info.state) || info.id !== cur?.id) this.legs.clear()
    // The end of an older call, heard late, is not news.
    if (this._call && info.id !== this._call.id && !LIVE.includes(info.state)) return
    if (this._call?.id === info.id && this._state === 'ended' && info.state !== 'ended') return
    this._call = info
    this._state = info.state
    this.emit(CallEvent.State, { state: info.state, call: info, error: info.state === 'ended' ? endError(info) : null })
    this.wake()
  }

  private wake(): void {
    for (const check of [...this.waiters]) check()
  }

  private emit<E extends CallEvent>(event: E, data: CallEventMap[E]): void {
    this.events.emit(event, data)
  }
}
