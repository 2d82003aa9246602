/**
 * The call as the UI shows it. Adapts the CallSession's typed events into
 * Svelte state: which screen to show, who is on the line, streams, media
 * flags, the timer, quality, the error to show until dismissed, and the
 * ringtone/notification. Components render this and call its actions;
 * none of them touches the session or an RTCPeerConnection.
 */
import {
  ANSWERED_STATES,
  CallError,
  CallEvent,
  LIVE_STATES,
  MAX_PARTICIPANTS,
  shownPath,
  toCallError,
  type CallInfo,
  type CallSession,
  type CallState as State,
  type CallStats,
  type ChatMessage,
  type IncomingCall,
  type MediaFlags,
  type MediaPath,
  type Quality,
  type SourceFile,
  type TransferView,
} from '../call'
import { silentAlerts, type Alerts } from './alerts'
import { GroupState, type GroupDataEngine, type GroupEngine } from './group.svelte'
import { shortId } from './labels'
import type { ShortcutAction } from './shortcuts'

/** The parts of CallSession the UI uses; tests pass a fake with the same shape. */
export type CallEngine = Pick<
  CallSession,
  | 'on'
  | 'state'
  | 'call'
  | 'localStream'
  | 'remoteStream'
  | 'localMedia'
  | 'remoteMedia'
  | 'stats'
  | 'placeCall'
  | 'accept'
  | 'decline'
  | 'cancel'
  | 'hangup'
  | 'setMuted'
  | 'setCameraOn'
  | 'startScreenShare'
  | 'stopScreenShare'
  | 'switchDevice'
  | 'setSpeaker'
  | 'registerOutput'
  | 'sendChat'
  | 'sendFile'
  | 'cancelTransfer'
> &
  Partial<Pick<CallSession, 'setPreferredDevices' | 'pickUp'>>

/** Which full-window screen a call needs, or 'none' for the main UI. */
export const CallScreen = {
  None: 'none',
  Outgoing: 'outgoing',
  Incoming: 'incoming',
  Call: 'call',
  Ended: 'ended',
} as const
/** One of CallScreen's values. */
export type CallScreen = (typeof CallScreen)[keyof typeof CallScreen]

export interface CallStateOptions {
  alerts?: Alerts
  /** A person's name by peer id (the people list); the call's own name is used first. */
  nameOf?: (id: string) => string | undefined
  /** Whether a person's key is pinned, for calls we place. */
  verifiedOf?: (id: string) => boolean | undefined
  /** The devices a call starts with (the saved settings), read when a call is placed or answered. */
  preferred?: () => Devices
  /** How long "Call ended" stays on screen, ms. Default 1800. */
  lingerMs?: number
  /** How long an in-call notice stays, ms. Default 5000. */
  noticeMs?: number
  /** Clock (tests). Default Date.now. */
  now?: () => number
  /** The group call engine (lib/call/group.ts); none: 1:1 calls only. */
  group?: GroupEngine
}

const NO_MEDIA: MediaFlags = { micOn: false, cameraOn: false, screenSharing: false }
const LIVE = LIVE_STATES
const IN_CALL = ANSWERED_STATES

/** Preferred device ids; "" is the system default. */
export interface Devices {
  camera: string
  microphone: string
  speaker: string
}

/** The call we are placing before the app knows it (CallInfo comes a moment later). */
interface Target {
  peerId: string
  video: boolean
}

export class CallState {
  private readonly engine: CallEngine
  private readonly alerts: Alerts
  private readonly nameOf: (id: string) => string | undefined
  private readonly verifiedOf: (id: string) => boolean | undefined
  private readonly preferred: (() => Devices) | null
  /** The text of data-testid="call-state". */
  state = $state<State>('idle')
  call = $state<CallInfo | null>(null)
  /** The ringing call, while it rings. */
  incoming = $state<IncomingCall | null>(null)
  /** Why the last call failed or was refused; stays until dismissed. */
  error = $state<CallError | null>(null)
  /** A passing message in a call ("Screen sharing was cancelled."). */
  notice = $state<string | null>(null)
  localStream = $state<MediaStream | null>(null)
  remoteStream = $state<MediaStream | null>(null)
  localMedia = $state<MediaFlags>(NO_MEDIA)
  remoteMedia = $state<MediaFlags>(NO_MEDIA)
  stats = $state<CallStats | null>(null)
  /** This call's chat, oldest first. */
  chat = $state<ChatMessage[]>([])
  /** This call's file transfers, both ways. */
  transfers = $state<TransferView[]>([])
  /** The chat panel (chat and files) is open. */
  chatOpen = $state(false)
  /** Messages from the other side since the panel was last open. */
  unread = $state(0)
  /** "Call ended" is on screen. */
  lingering = $state(false)
  /** Devices chosen in this call (the settings' choice until switched). */
  chosen = $state({ camera: '', microphone: '', speaker: '' })
  /** An action is in flight (buttons show it, double clicks do nothing). */
  busy = $state(false)
  /**
   * Calls run in another window (the call window): this one shows the
   * call and can end it, but has no media or media controls.
   */
  readonly elsewhere: boolean
  /** Ticks every second while connected, for the timer. */
  private now = $state(0)
  private connectedSince = $state<number | null>(null)
  private target = $state<Target | null>(null)
  /** The current call got past ringing (its end is worth a "Call ended" moment). */
  private answered = false

  /** A call occupies the line. */
  readonly live = $derived(LIVE.includes(this.state))
  readonly inCall = $derived(IN_CALL.includes(this.state))
  readonly direction = $derived(this.call?.direction ?? (this.target ? 'outgoing' : this.incoming ? 'incoming' : 'unknown'))
  readonly peerId = $derived(this.call?.peer ?? this.target?.peerId ?? '')
  readonly peerName = $derived(this.nameFor(this.peerId, this.call?.peerName))
  /** The call carries video (asked for when placing; as agreed once known). */
  readonly video = $derived(this.call ? this.call.media.includes('video') : (this.target?.video ?? false))
  /**
   * The other side's key was pinned before this call. Go's flag once it
   * checked the key (incoming calls, and outgoing ones once answered: a
   * first call pins the key on answer, so the contact then reads "verified"
   * but this call still is not); before the answer, the contact's.
   */
  readonly verified = $derived.by(() => {
    const answered = !!this.call && this.state !== 'idle' && this.state !== 'calling' && this.state !== 'ringing'
    if (this.direction !== 'outgoing' || answered) return this.call?.verified ?? false
    return this.verifiedOf(this.peerId) ?? this.call?.verified ?? false
  })
  /** The caller is a stranger using a contact's name: that name (shown as a warning, never trusted). */
  readonly sameNameAs = $derived(this.call?.sameNameAs ?? '')
  /** A group call's invite: the names of the others already in it. */
  readonly membersNames = $derived((this.incoming?.call.members ?? this.call?.members ?? []).map((id) => this.nameFor(id, undefined)))
  readonly safetyCode = $derived(this.call?.safetyCode ?? '')
  readonly quality: Quality | null = $derived(this.stats?.quality ?? null)
  /** How media travels while connected (data-testid="call-path"); null otherwise. */
  readonly path: MediaPath | null = $derived(shownPath(this.state, this.stats))
  /** The remote side sends pictures we can show. */
  readonly remoteVideo = $derived(
    !!this.remoteStream && (this.remoteMedia.cameraOn || this.remoteMedia.screenSharing) && this.remoteStream.getVideoTracks().length > 0,
  )
  readonly elapsedMs = $derived(this.connectedSince === null ? 0 : Math.max(0, this.now - this.connectedSince))

  readonly screen: CallScreen = $derived.by(() => {
    switch (this.state) {
      case 'calling':
        return 'outgoing'
      case 'ringing':
        return this.direction === 'incoming' ? 'incoming' : 'outgoing'
      case 'connecting':
      case 'connected':
      case 'reconnecting':
        return 'call'
      case 'ended':
        return this.lingering ? 'ended' : 'none'
      default:
        return 'none'
    }
  })

  private readonly lingerMs: number
  private readonly noticeMs: number
  private readonly clock: () => number
  private readonly offs: (() => void)[] = []
  private ticker?: ReturnType<typeof setInterval>
  private lingerTimer?: ReturnType<typeof setTimeout>
  private noticeTimer?: ReturnType<typeof setTimeout>

  /** The group call: tiles, the add-person picker. */
  readonly group: GroupState
  /** Where chat and files go and come from: the group's legs, or the session. */
  private readonly data: GroupDataEngine
  /** The main session's call ended while other legs of the group go on: the call screen stays. */
  private heldByGroup = false

  constructor(engine: CallEngine, options: CallStateOptions = {}) {
    this.engine = engine
    this.group = new GroupState(options.group ?? null, this)
    this.data = options.group?.data ?? engine
    this.elsewhere = (engine as { elsewhere?: boolean }).elsewhere === true
    this.alerts = options.alerts ?? silentAlerts
    this.nameOf = options.nameOf ?? (() => undefined)
    this.verifiedOf = options.verifiedOf ?? (() => undefined)
    this.preferred = options.preferred ?? null
    this.lingerMs = options.lingerMs ?? 1800
    this.noticeMs = options.noticeMs ?? 5000
    this.clock = options.now ?? Date.now
    this.now = this.clock()

    this.state = engine.state
    this.call = engine.call
    this.localStream = engine.localStream
    this.remoteStream = engine.remoteStream
    this.localMedia = engine.localMedia
    this.remoteMedia = engine.remoteMedia
    this.stats = engine.stats

    this.offs.push(
      engine.on(CallEvent.State, (c) => this.onState(c.state, c.call, c.error)),
      engine.on(CallEvent.Incoming, (inc) => this.onIncoming(inc)),
      engine.on(CallEvent.LocalStream, (s) => (this.localStream = s)),
      engine.on(CallEvent.RemoteStream, (s) => (this.remoteStream = s)),
      engine.on(CallEvent.LocalMedia, (m) => (this.localMedia = m)),
      engine.on(CallEvent.RemoteMedia, (m) => (this.remoteMedia = m)),
      engine.on(CallEvent.Stats, (s) => (this.stats = s)),
      engine.on(CallEvent.Error, (e) => this.onError(e)),
      // Chat and files: in a group call every leg's (GroupData), else the session's.
      this.data.on(CallEvent.Chat, (list) => this.onChat(list)),
      this.data.on(CallEvent.Transfers, (list) => this.onTransfers(list)),
    )
    this.onState(engine.state, engine.call, null)
  }

  private nameFor(id: string, fromCall: string | undefined): string {
    if (!id) return ''
    return this.nameOf(id) || fromCall || shortId(id)
  }

  private onState(state: State, call: CallInfo | null, error: CallError | null) {
    if (state === 'ended' && IN_CALL.includes(this.state) && this.group.hasLegs) {
      // Someone left a group call (or we lost that leg): the others stay.
      this.heldByGroup = true
      this.remoteStream = null
      this.useGroupMedia()
      return
    }
    this.heldByGroup = false
    const was = this.state
    this.state = state
    if (call) this.call = call
    if (error) this.showError(error)

    if (LIVE.includes(state) && !LIVE.includes(was)) {
      // A new call: forget what the last one left behind.
      this.clearLinger()
      this.connectedSince = null
      this.answered = false
    }
    if (IN_CALL.includes(state)) this.answered = true
    if (state !== 'ringing') this.incoming = null
    if (state === 'ringing' && this.direction === 'outgoing') this.alerts.ringback()
    else if (state !== 'ringing' && state !== was) this.alerts.stop()

    if (state === 'connected' && this.thenAdd.length > 0) this.addQueued()
    if (state === 'ended') this.thenAdd = []
    if (state === 'connected' && this.connectedSince === null) {
      const at = call?.connectedAt ? Date.parse(call.connectedAt) : NaN
      this.connectedSince = Number.isFinite(at) ? Math.min(at, this.clock()) : this.clock()
      this.now = this.clock()
    }
    if (state === 'connected' || state === 'reconnecting') this.startTicker()
    else this.stopTicker()

    // "Call ended" (or why it failed) stays a moment after a call that was
    // answered, or that we placed and that failed; a call we declined,
    // cancelled or missed just goes away.
    const worthShowing = this.answered || (this.direction === 'outgoing' && !!error)
    if (state === 'ended' && was !== 'ended' && worthShowing) {
      this.lingering = true
      clearTimeout(this.lingerTimer)
      this.lingerTimer = setTimeout(() => this.finish(), this.lingerMs)
    }
    if (state === 'ended' && !worthShowing) this.finish()
    if (state === 'idle') {
      this.finish()
      this.call = null
    }
  }

  /** The group's legs changed: once the last is gone after the main call ended, the call is over here. */
  groupChanged(): void {
    if (this.heldByGroup && !this.group.hasLegs) this.onState('ended', this.call, null)
    else if (this.heldByGroup) this.useGroupMedia()
  }

  /**
   * The main session's call is gone (its teardown zeroed our flags and
   * dropped the preview) but the group goes on: our mic, camera and
   * preview are the group's from now on.
   */
  private useGroupMedia(): void {
    const local = this.group.local
    if (!local) return
    this.localMedia = local.media
    this.localStream = local.stream
  }

  /** Shows a refusal that does not end the call ("call is full") as the call's error. */
  refuse(err: CallError): void {
    this.showError(err)
  }

  private finish() {
    this.clearLinger()
    this.target = null
    this.connectedSince = null
    this.stats = null
  }

  private clearLinger() {
    clearTimeout(this.lingerTimer)
    this.lingering = false
  }

  private onIncoming(inc: IncomingCall) {
    this.incoming = inc
    this.call = inc.call
    this.target = null
    this.clearLinger()
    if (inc.call.autoAccept) return // both called at once: the session answers by itself
    this.alerts.incoming({ name: this.nameFor(inc.call.peer, inc.call.peerName), video: inc.video, verified: inc.call.verified })
  }

  private onError(err: CallError) {
    // Errors that end a call come with the State event too (shown there,
    // and kept until dismissed); the rest leave the call running and pass
    // as a notice. Outside a call they have nobody to tell.
    if (err.code === 'cancelled') return // the user closed the screen picker
    if (this.error?.message === err.message) return
    if (this.live) this.say(err.message)
  }

  private showError(err: CallError) {
    this.error = err
    if (this.notice === err.message) this.clearNotice()
  }

  /** Shows a passing message. */
  say(message: string): void {
    this.notice = message
    clearTimeout(this.noticeTimer)
    this.noticeTimer = setTimeout(() => this.clearNotice(), this.noticeMs)
  }

  private clearNotice() {
    clearTimeout(this.noticeTimer)
    this.notice = null
  }

  private startTicker() {
    if (this.ticker) return
    this.now = this.clock()
    this.ticker = setInterval(() => (this.now = this.clock()), 1000)
  }

  private stopTicker() {
    clearInterval(this.ticker)
    this.ticker = undefined
  }

  /** Sets the devices the next call starts with (the saved settings). */
  useDevices(devices: Devices): void {
    if (this.inCall) return // in a call, the menu switches devices
    this.chosen = { camera: devices.camera, microphone: devices.microphone, speaker: devices.speaker }
    this.engine.setPreferredDevices?.({ ...this.chosen })
  }

  private usePreferred() {
    if (this.preferred) this.useDevices(this.preferred())
  }

  /** Calls someone. A failure shows in `error`. */
  async placeCall(peerId: string, video: boolean, thenAdd: string[] = []): Promise<void> {
    if (this.live || this.busy) return
    this.thenAdd = thenAdd
    this.error = null
    this.clearNotice()
    this.clearLinger()
    this.call = null
    this.stats = null
    this.connectedSince = null
    this.target = { peerId, video }
    this.usePreferred()
    if (!(await this.run(() => this.engine.placeCall(peerId, { video }), true))) this.thenAdd = []
  }

  /**
   * Calls a group again (a group entry of the history): the first person
   * rings; once they answer, each other one is added, as if picked in the
   * call (each rings; one who declines or is away leaves the rest going).
   * Up to three others, as a call holds four.
   */
  async placeGroupCall(peerIds: string[], video: boolean): Promise<void> {
    const [first, ...rest] = [...new Set(peerIds)]
    if (!first) return
    await this.placeCall(first, video, rest.slice(0, MAX_PARTICIPANTS - 2))
  }

  /** Who to add once the call placed by placeGroupCall is answered. */
  private thenAdd: string[] = []

  private addQueued(): void {
    const queue = this.thenAdd
    this.thenAdd = []
    void (async () => {
      for (const peer of queue) await this.group.add(peer)
    })()
  }

  /**
   * Takes up the call ringing now, for a window opened while it rings (the
   * call window). Resolves whether one rings here now.
   */
  async pickUp(callId: string): Promise<boolean> {
    if (this.incoming?.call.id === callId) return true
    if (!this.engine.pickUp) return false
    await this.engine.pickUp()
    return this.incoming?.call.id === callId
  }

  /** Answers the ringing call, with or without the camera. */
  async accept(video: boolean): Promise<void> {
    if (!this.incoming) return
    this.alerts.stop()
    this.error = null
    this.usePreferred()
    await this.run(() => this.engine.accept({ video }), true)
  }

  async decline(): Promise<void> {
    this.alerts.stop()
    await this.run(() => this.engine.decline())
  }

  /** Withdraws our unanswered call. */
  async cancel(): Promise<void> {
    this.alerts.stop()
    await this.run(() => this.engine.cancel())
  }

  /** Ends the call; in a group call, leaves it (every leg). */
  async hangup(): Promise<void> {
    this.alerts.stop()
    await Promise.all([this.group.leave(), this.run(() => this.engine.hangup())])
  }

  /** Opens or closes the chat panel (data-testid="chat-open"). */
  toggleChat(): void {
    this.chatOpen = !this.chatOpen
    if (this.chatOpen) this.unread = 0
  }

  /** Sends a chat message; false when it could not go (empty, too long, no call). */
  sendChat(text: string): boolean {
    if (!this.inCall) return false
    return this.data.sendChat(text)
  }

  /** Sends each file (data-testid="send-file"). */
  sendFiles(files: Iterable<SourceFile>): void {
    if (!this.inCall) return
    for (const f of files) this.data.sendFile(f)
  }

  cancelTransfer(id: string): void {
    this.data.cancelTransfer(id)
  }

  private onChat(list: ChatMessage[]) {
    const added = list.length - this.chat.length
    if (!this.chatOpen && added > 0) this.unread += list.slice(-added).filter((m) => !m.mine).length
    if (list.length === 0) this.unread = 0
    this.chat = list
  }

  private onTransfers(list: TransferView[]) {
    // A file coming in opens the panel, so the person sees it arrive.
    if (list.some((t) => t.direction === 'in' && !this.transfers.some((x) => x.id === t.id))) this.chatOpen = true
    this.transfers = list
  }

  toggleMute(): void {
    if (!this.live) return
    this.group.setMuted(this.localMedia.micOn)
    this.engine.setMuted(this.localMedia.micOn)
  }

  async toggleCamera(): Promise<void> {
    if (!this.live) return
    const on = !this.localMedia.cameraOn
    // A group engine turns it in every session, the main one's too: one capture, cloned (group.ts).
    if (this.group.runsMedia) await this.run(() => this.group.setCameraOn(on))
    else await this.run(() => this.engine.setCameraOn(on))
  }

  async toggleScreenShare(): Promise<void> {
    if (!this.inCall) return
    const on = !this.localMedia.screenSharing
    // A group engine shares to every leg, and goes on after the main session's call ended.
    if (this.group.runsMedia) await this.run(() => this.group.setScreenShared(on))
    else await this.run(() => (on ? this.engine.startScreenShare() : this.engine.stopScreenShare()))
  }

  async switchCamera(deviceId: string): Promise<void> {
    if (await this.run(() => this.switchDevice('camera', deviceId))) this.chosen = { ...this.chosen, camera: deviceId }
  }

  async switchMicrophone(deviceId: string): Promise<void> {
    if (await this.run(() => this.switchDevice('microphone', deviceId))) this.chosen = { ...this.chosen, microphone: deviceId }
  }

  /** A group engine moves every leg, the main session's too (group.ts); else the main session alone. */
  private switchDevice(kind: 'camera' | 'microphone', deviceId: string): Promise<void> {
    return this.group.runsMedia ? this.group.switchDevice(kind, deviceId) : this.engine.switchDevice(kind, deviceId)
  }

  async setSpeaker(deviceId: string): Promise<void> {
    if (await this.run(() => this.engine.setSpeaker(deviceId))) this.chosen = { ...this.chosen, speaker: deviceId }
  }

  /** Plays remote sound through element on the chosen speaker; returns the release function. */
  registerOutput(element: HTMLMediaElement): () => void {
    return this.engine.registerOutput(element)
  }

  /** A keyboard shortcut; returns whether it did something. */
  shortcut(action: ShortcutAction): boolean {
    switch (action) {
      case 'mute':
        if (!this.live || this.screen === 'incoming') return false
        this.toggleMute()
        return true
      case 'camera':
        if (!this.live || this.screen === 'incoming' || !this.video) return false
        void this.toggleCamera()
        return true
      case 'hangup':
        if (this.screen === 'outgoing') void this.cancel()
        else if (this.screen === 'call') void this.hangup()
        else return false
        return true
    }
  }

  /** Hides the error (the user read it). */
  dismissError(): void {
    this.error = null
  }

  /** Leaves the "Call ended" screen now. */
  close(): void {
    if (this.state === 'ended') this.finish()
  }

  /**
   * Runs an engine action. A call that fails to start (start: true) shows
   * its error; otherwise the failure passes as a notice. Resolves true on
   * success.
   */
  private async run(f: () => Promise<void>, start = false): Promise<boolean> {
    this.busy = true
    try {
      await f()
      return true
    } catch (err) {
      const e = toCallError(err)
      if (e.code === 'cancelled') return false
      if (start && !this.live) {
        this.showError(e)
        this.target = null
      }
      else if (!this.error || this.error.message !== e.message) this.say(e.message)
      return false
    } finally {
      this.busy = false
    }
  }

  dispose(): void {
    for (const off of this.offs.splice(0)) off()
    this.group.dispose()
    this.stopTicker()
    clearTimeout(this.lingerTimer)
    clearTimeout(this.noticeTimer)
    this.alerts.stop()
  }
}

export { CallError }
