/**
 * CallOutputs: what the UI reads of a call — its state and error, both
 * sides' media flags, the local preview and remote streams, the latest
 * statistics — and the one emitter that tells of each change. CallSession
 * writes it; nothing here decides anything about the call.
 */
import type { CallInfo } from '../backend'
import type { CallError } from './errors'
import { TypedEmitter } from '../emitter'
import { MAX_CHAT_MESSAGES, type ChatMessage } from './chat'
import type { TransferView } from './transfer'
import { CallEvent, type CallEventMap, type CallState, type CallStats, type MediaFlags } from './types'

/** No microphone, camera or screen. */
export const noFlags = (): MediaFlags => ({ micOn: false, cameraOn: false, screenSharing: false })

/** Identity of a stream by its tracks. */
const trackIds = (s: MediaStream | null) => s?.getTracks().map((t) => t.id).join() ?? ''

/** The outputs of a call session, with the emitter of CallEvents. */
export class CallOutputs {
  readonly events = new TypedEmitter<CallEventMap>('call')
  private _state: CallState = 'idle'
  private _error: CallError | null = null
  private _local: MediaFlags = noFlags()
  private _remote: MediaFlags = noFlags()
  private _localStream: MediaStream | null = null
  private _remoteStream: MediaStream | null = null
  private _stats: CallStats | null = null
  private _chat: ChatMessage[] = []
  private _transfers: TransferView[] = []

  /** @param call the current call as Go sees it, for CallEvent.State. */
  constructor(private readonly call: () => CallInfo | null) {}

  get state(): CallState {
    return this._state
  }
  get error(): CallError | null {
    return this._error
  }
  get local(): MediaFlags {
    return this._local
  }
  get remote(): MediaFlags {
    return this._remote
  }
  get localStream(): MediaStream | null {
    return this._localStream
  }
  get remoteStream(): MediaStream | null {
    return this._remoteStream
  }
  get stats(): CallStats | null {
    return this._stats
  }
  get chat(): ChatMessage[] {
    return [...this._chat]
  }
  get transfers(): TransferView[] {
    return this._transfers.map((t) => ({ ...t }))
  }

  /** A chat message sent or received, emitted (the oldest go beyond MAX_CHAT_MESSAGES). */
  addChat(m: ChatMessage): void {
    this._chat = [...this._chat, m].slice(-MAX_CHAT_MESSAGES)
    this.events.emit(CallEvent.Chat, this.chat)
  }

  /** A transfer began or changed, emitted. */
  setTransfer(t: TransferView): void {
    const i = this._transfers.findIndex((x) => x.id === t.id && x.direction === t.direction)
    this._transfers = i < 0 ? [...this._transfers, t] : this._transfers.map((x, k) => (k === i ? t : x))
    this.events.emit(CallEvent.Transfers, this.transfers)
  }

  /** Moves to state (with error, kept unless given); emits when either changed. */
  setState(state: CallState, error: CallError | null = this._error): void {
    if (state === this._state && error === this._error) return
    this._state = state
    this._error = error
    this.emitState()
  }

  /** Emits the current state again (Go said something new about the call). */
  emitState(): void {
    this.events.emit(CallEvent.State, { state: this._state, call: this.call(), error: this._error })
  }

  /** A new call begins: no error, no flags, no statistics, no chat or transfers (emitted only for what there was). */
  reset(): void {
    this._error = null
    this._local = noFlags()
    this._remote = noFlags()
    this._stats = null
    if (this._chat.length > 0) {
      this._chat = []
      this.events.emit(CallEvent.Chat, [])
    }
    if (this._transfers.length > 0) {
      this._transfers = []
      this.events.emit(CallEvent.Transfers, [])
    }
  }

  /** Our flags, emitted. */
  setLocal(flags: MediaFlags): void {
    this._local = flags
    this.events.emit(CallEvent.LocalMedia, { ...flags })
  }

  /** The other side's flags; emitted unless quiet (set before the call has media). */
  setRemote(flags: MediaFlags, quiet = false): void {
    this._remote = flags
    if (!quiet) this.events.emit(CallEvent.RemoteMedia, { ...flags })
  }

  /** The local preview; emitted only when its tracks changed. */
  setLocalStream(next: MediaStream | null): void {
    if (trackIds(next) === trackIds(this._localStream) && (next === null) === (this._localStream === null)) return
    this._localStream = next
    this.events.emit(CallEvent.LocalStream, next)
  }

  setRemoteStream(stream: MediaStream | null): void {
    this._remoteStream = stream
    this.events.emit(CallEvent.RemoteStream, stream)
  }

  setStats(stats: CallStats | null): void {
    this._stats = stats
    this.events.emit(CallEvent.Stats, stats)
  }

  /** The call ended: streams and statistics go (emitted only if there were any), both sides' flags clear. */
  clearMedia(): void {
    if (this._localStream) this.setLocalStream(null)
    if (this._remoteStream) this.setRemoteStream(null)
    if (this._stats) this.setStats(null)
    this.setLocal(noFlags())
    this.setRemote(noFlags())
  }

  /** Ends before any call exists (no WebRTC): state ended with error, emitted even if it was ended already. */
  failBeforeCall(error: CallError): void {
    this._error = error
    this._state = 'ended'
    this.emitState()
  }
}
