/**
 * A call engine for windows that cannot make calls (the CallSession could
 * not be created): everything else in the UI keeps working, and trying to
 * call says why.
 */
import { CallError, type CallEventHandler, type CallEvent, type CallInfo, type CallState, type MediaFlags } from '../call'
import type { CallEngine } from './call.svelte'

export class NoCallEngine implements CallEngine {
  readonly state: CallState = 'idle'
  readonly call: CallInfo | null = null
  readonly localStream = null
  readonly remoteStream = null
  readonly localMedia: MediaFlags = { micOn: false, cameraOn: false, screenSharing: false }
  readonly remoteMedia: MediaFlags = { micOn: false, cameraOn: false, screenSharing: false }
  readonly stats = null
  private readonly why: CallError

  constructor(cause?: unknown) {
    this.why = new CallError('no_webrtc', undefined, { cause })
  }

  on<E extends CallEvent>(_event: E, _handler: CallEventHandler<E>): () => void {
    return () => {}
  }
  async placeCall(): Promise<void> {
    throw this.why
  }
  async accept(): Promise<void> {
    throw this.why
  }
  async decline(): Promise<void> {}
  async cancel(): Promise<void> {}
  async hangup(): Promise<void> {}
  setMuted(): void {}
  async setCameraOn(): Promise<void> {}
  async startScreenShare(): Promise<void> {}
  async stopScreenShare(): Promise<void> {}
  async switchDevice(): Promise<void> {}
  async setSpeaker(): Promise<void> {}
  registerOutput(): () => void {
    return () => {}
  }
  sendChat(): boolean {
    return false
  }
  sendFile(): null {
    return null
  }
  cancelTransfer(): void {}
}
