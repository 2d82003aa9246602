/**
 * The group call as the UI shows it: the participants' tiles
 * (data-testid="participant"), the add-person picker
 * (data-testid="call-add-person"), and what leaving means. Adapts
 * GroupCall (lib/call/group.ts); components never touch its sessions.
 */
import { CallError, type CallEvent, type CallEventMap, type GroupCall, type MediaFlags, type Participant, type SourceFile } from '../call'
import type { TypedEmitter } from '../emitter'
import type { CallState } from './call.svelte'

/** The part of GroupCall the UI uses; tests pass a fake. */
export type GroupEngine = Pick<
  GroupCall,
  'participants' | 'hasLegs' | 'canAdd' | 'add' | 'leave' | 'setMuted' | 'setCameraOn' | 'switchDevice' | 'startScreenShare' | 'stopScreenShare' | 'localMedia' | 'localStream'
> & {
  events: Pick<TypedEmitter<{ change: Participant[]; error: CallError }>, 'on'>
  /** Chat and files across the legs (none: the main session's only). */
  data?: GroupDataEngine
}

/** The part of GroupData (lib/call/groupdata.ts) the UI uses; a CallSession has it too (a 1:1 call's chat and files). */
export interface GroupDataEngine {
  on<E extends typeof CallEvent.Chat | typeof CallEvent.Transfers>(event: E, handler: (data: CallEventMap[E]) => void): () => void
  sendChat(text: string): boolean
  sendFile(file: SourceFile): unknown
  cancelTransfer(id: string): void
}

export class GroupState {
  /** The others in the call: one tile each. */
  participants = $state<Participant[]>([])
  /** The add-person picker is open. */
  pickerOpen = $state(false)
  /** Once two or more others were in, the grid stays until the call is over (no jump back to one big picture). */
  private wasGroup = $state(false)
  /** Show the grid: two or more others, or the call goes on without the main session's peer. */
  readonly grouped = $derived(this.participants.length > 1 || this.participants.some((p) => !p.main) || (this.wasGroup && this.participants.length > 0))
  private readonly offs: (() => void)[] = []

  constructor(
    private readonly engine: GroupEngine | null,
    private readonly call: CallState,
  ) {
    if (engine) {
      this.offs.push(
        engine.events.on('change', (p) => this.onChange(p)),
        // Someone we added could not be: "call is full" (filled meanwhile), busy, declined…
        engine.events.on('error', (e) => this.call.refuse(e)),
      )
    }
  }

  /** Whether this window can add a person (it runs the call's media, and there is room). */
  get available(): boolean {
    return !!this.engine && !this.call.elsewhere
  }

  /** Some leg other than the main session's is live. */
  get hasLegs(): boolean {
    return !!this.engine?.hasLegs
  }

  openPicker(): void {
    if (!this.engine) return
    if (!this.engine.canAdd && this.participants.length > 0) {
      this.call.refuse(new CallError('call_full'))
      return
    }
    this.pickerOpen = true
  }

  closePicker(): void {
    this.pickerOpen = false
  }

  /** Adds peerId to the call; "call is full" and other refusals show as the call's error. */
  async add(peerId: string): Promise<void> {
    this.pickerOpen = false
    if (!this.engine) return
    const full = !this.engine.canAdd
    // The call's type; GroupCall places it with the camera as it is now (off stays off).
    const failure = await this.engine.add(peerId, this.call.video)
    if (failure) this.call.refuse(new CallError(full ? 'call_full' : 'backend', failure))
  }

  leave(): Promise<void> {
    return this.engine?.leave() ?? Promise.resolve()
  }

  /** Our mic/camera flags and preview across the legs (they outlive the main session's call); null without a group engine. */
  get local(): { media: MediaFlags; stream: MediaStream | null } | null {
    return this.engine ? { media: this.engine.localMedia, stream: this.engine.localStream } : null
  }

  setMuted(muted: boolean): void {
    this.engine?.setMuted(muted)
  }

  /** Whether the group engine runs our camera and screen in every session, the main one's too (else the main session does). */
  get runsMedia(): boolean {
    return !!this.engine
  }

  async setCameraOn(on: boolean): Promise<void> {
    await this.engine?.setCameraOn(on)
  }

  /** Moves every session of the call to another camera or microphone. */
  async switchDevice(kind: 'camera' | 'microphone', deviceId: string): Promise<void> {
    await this.engine?.switchDevice(kind, deviceId)
  }

  /** Shares the screen to everyone in the call, or stops; rejects with the capture's error. */
  async setScreenShared(on: boolean): Promise<void> {
    await (on ? this.engine?.startScreenShare() : this.engine?.stopScreenShare())
  }

  private onChange(p: Participant[]): void {
    this.participants = p
    if (p.length > 1) this.wasGroup = true
    if (p.length === 0) this.wasGroup = false
    this.call.groupChanged()
  }

  dispose(): void {
    for (const off of this.offs.splice(0)) off()
  }
}
