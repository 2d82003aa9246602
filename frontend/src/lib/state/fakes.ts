/**
 * Test doubles for the state classes: a CallSession-like engine and the
 * alerts; the Backend double is the one of lib/backend/backendtest,
 * re-exported here for the state tests. Used by *.test.ts only.
 */
import type { CallInfo } from '../backend'
import { CallEvent, type CallEventMap, type CallState, type CallStats, type MediaFlags, type SourceFile, type StateChange, type TransferView } from '../call'
import { TypedEmitter } from '../emitter'
import type { CallEngine } from './call.svelte'

export { FakeBackend, callInfo, contactView, peerView } from '../backend/backendtest'

/** A CallSession stand-in: tests emit its events and script its methods. */
export class FakeEngine implements CallEngine {
  state: CallState = 'idle'
  call: CallInfo | null = null
  localStream: MediaStream | null = null
  remoteStream: MediaStream | null = null
  localMedia: MediaFlags = { micOn: true, cameraOn: true, screenSharing: false }
  remoteMedia: MediaFlags = { micOn: true, cameraOn: true, screenSharing: false }
  stats: CallStats | null = null

  readonly log: [string, unknown[]][] = []
  /** Makes the next call of a method reject with err. */
  failures: Record<string, unknown> = {}
  private readonly events = new TypedEmitter<CallEventMap>('fake session')

  on<E extends CallEvent>(event: E, handler: (data: CallEventMap[E]) => void): () => void {
    return this.events.on(event, handler)
  }

  emit<E extends CallEvent>(event: E, data: CallEventMap[E]): void {
    if (event === CallEvent.State) {
      const d = data as StateChange
      this.state = d.state
      this.call = d.call
    }
    this.events.emit(event, data)
  }

  /** Emits a State change. */
  to(state: CallState, call: CallInfo | null = this.call, error: StateChange['error'] = null): void {
    this.emit(CallEvent.State, { state, call: call ? { ...call, state } : null, error })
  }

  private async act(name: string, args: unknown[]): Promise<void> {
    this.log.push([name, args])
    if (name in this.failures) {
      const err = this.failures[name]
      delete this.failures[name]
      throw err
    }
  }

  placeCall(peerId: string, options: { video: boolean }) {
    return this.act('placeCall', [peerId, options])
  }
  accept(options: { video: boolean }) {
    return this.act('accept', [options])
  }
  decline() {
    return this.act('decline', [])
  }
  cancel() {
    return this.act('cancel', [])
  }
  hangup() {
    return this.act('hangup', [])
  }
  setMuted(muted: boolean) {
    this.log.push(['setMuted', [muted]])
  }
  setCameraOn(on: boolean) {
    return this.act('setCameraOn', [on])
  }
  startScreenShare() {
    return this.act('startScreenShare', [])
  }
  stopScreenShare() {
    return this.act('stopScreenShare', [])
  }
  switchDevice(kind: 'camera' | 'microphone', deviceId: string) {
    return this.act('switchDevice', [kind, deviceId])
  }
  setSpeaker(deviceId: string) {
    return this.act('setSpeaker', [deviceId])
  }
  setPreferredDevices(devices: { camera?: string; microphone?: string; speaker?: string }) {
    this.log.push(['setPreferredDevices', [devices]])
  }
  /** What pickUp finds ringing (a window opened while it rings). */
  ringing: CallInfo | null = null
  async pickUp(): Promise<boolean> {
    await this.act('pickUp', [])
    const call = this.ringing
    if (!call) return false
    this.emit(CallEvent.State, { state: 'ringing', call, error: null })
    this.emit(CallEvent.Incoming, { call, video: call.media.includes('video') })
    return true
  }
  registerOutput(element: HTMLMediaElement) {
    this.log.push(['registerOutput', [element]])
    return () => {}
  }

  sendChat(text: string): boolean {
    this.log.push(['sendChat', [text]])
    return text.trim() !== ''
  }
  sendFile(file: SourceFile): TransferView | null {
    this.log.push(['sendFile', [file]])
    return null
  }
  cancelTransfer(id: string): void {
    this.log.push(['cancelTransfer', [id]])
  }

  called(name: string): unknown[][] {
    return this.log.filter(([n]) => n === name).map(([, a]) => a)
  }
}

/** A fake Alerts that records what it was asked to do. */
export function fakeAlerts() {
  const log: string[] = []
  return {
    log,
    incoming(c: { name: string }) {
      log.push(`incoming:${c.name}`)
    },
    ringback() {
      log.push('ringback')
    },
    stop() {
      log.push('stop')
    },
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}
