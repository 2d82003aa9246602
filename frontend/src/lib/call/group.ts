/**
 * GroupCall: a group call of up to four, a full mesh of 1:1 calls (Go's
 * app/calls/group.go and signaling/group.go say the protocol). The main
 * CallSession (the window's) runs the call the group grew from, or the
 * leg this install was added by; GroupCall runs one more CallSession per
 * further person, each with its own peer connection, signed offer and
 * answer and safety code, exactly like a 1:1 call:
 *
 *   add(peer)            someone in the call adds a person: a leg placed
 *                        with Calls.Add (it rings there)
 *   answered an add      the invite named the others (CallInfo.members):
 *                        one leg to each, placed with Calls.Join
 *   a join arrives       Go marks it autoAccept with our group id: a leg
 *                        that answers at once (claims() keeps it off the
 *                        main session)
 *   a join answered      its answer names the member's others: we join
 *                        any we were not told of (two added at once)
 *
 * Every leg sends the same capture: a leg's getUserMedia hands out clones
 * of the tracks already open (one camera, one microphone), so the camera
 * opens once; the screen is shared to every leg at once, also captured
 * once (groupmedia.ts), whoever of the call has left. Each video sender's bitrate is capped by the number of
 * others (videoCap), so four on a LAN share the uplink; Chromium's encoder
 * lowers the resolution to fit the cap.
 */
import { ErrorCode, EventName, type Backend, type CallInfo, type IncomingCallEvent } from '../backend'
import { TypedEmitter } from '../emitter'
import { CallError } from './errors'
import { GroupData } from './groupdata'
import { GroupCapture, GroupScreen, inTurn } from './groupmedia'
import { CallSession } from './session'
import { ANSWERED_STATES, CallEvent, LIVE_STATES, type CallSessionOptions, type CallState, type MediaFlags } from './types'
import type { RtcEnvironment } from './rtc'

/** The most people in one group call, us included (Go's MaxParticipants). */
export const MAX_PARTICIPANTS = 4

/** A sender's video limit: its bitrate cap (null: none) and the camera's least scale-down (1: full size). */
export interface VideoCap {
  maxBitrate: number | null
  scale: number
}

/**
 * Each video sender's limit with `others` other people in the call: none
 * in a 1:1 call; a 1280x720 camera goes at 853x480 and 900 kbit/s to each
 * of two, at 640x360 and 600 kbit/s to each of three, so four on a 2-core
 * machine keep their frame rate (docs/performance.md "Group calls").
 */
export function videoCap(others: number): VideoCap {
  if (others <= 1) return { maxBitrate: null, scale: 1 }
  return others === 2 ? { maxBitrate: 900_000, scale: 1.5 } : { maxBitrate: 600_000, scale: 2 }
}

/** One other person in the call, as the grid shows them. */
export interface Participant {
  peerId: string
  name: string
  callId: string | null
  state: CallState
  stream: MediaStream | null
  remoteMedia: MediaFlags
  safetyCode: string
  /** Their key was pinned before this call (a known contact), as Go says; false: a new ID, compare the safety code. */
  verified: boolean
  /** Whether this is the main session's call (the UI's own controls act on it). */
  main: boolean
}

export interface GroupCallOptions {
  backend: Backend
  main: CallSession
  rtc?: Partial<RtcEnvironment>
  /** Makes a leg's session (tests pass fakes). Default: a CallSession. */
  makeSession?: (opts: CallSessionOptions) => CallSession
}

interface GroupEvents {
  /** The participants, their streams or states changed. */
  change: Participant[]
  /**
   * A person we added could not be (call_full when the group filled
   * meanwhile, busy, offline…); or a join of ours was refused call_full,
   * and we left the call (all or nothing). Other failed joins pass quietly.
   */
  error: CallError
}

const live = (s: CallState) => LIVE_STATES.includes(s)

/** A join leg of a group call (Go marks it autoAccept and names the group): never a call that rings. */
export function isGroupJoin(call: CallInfo): boolean {
  return !!call.autoAccept && !!call.group
}
const answered = (s: CallState) => ANSWERED_STATES.includes(s)

export class GroupCall {
  private readonly backend: Backend
  private readonly main: CallSession
  private readonly legs = new Map<string, CallSession>() // by peer id
  private readonly caps = new Map<string, number>() // by call id: the others count its limit is for
  private readonly offs: (() => void)[] = []
  private readonly joined = new Set<string>() // incoming add legs whose members we joined
  private readonly make: (opts: CallSessionOptions) => CallSession
  private readonly rtc: Partial<RtcEnvironment>
  readonly events = new TypedEmitter<GroupEvents>('group call')
  /** Chat and files across every leg (groupdata.ts): what the UI sends and shows. */
  readonly data: GroupData
  /**
   * Our own media across the legs, kept here because it outlives the main
   * session's call: when the person the call began with leaves, that
   * session clears its media (all off, no stream) while the group goes on.
   */
  private muted = false
  private cameraOn = true
  /** A leg's getUserMedia: clones of what the call has open, else one capture for all (groupmedia.ts). */
  private readonly capture: GroupCapture
  /** The screen, shared to every answered leg. */
  private readonly screen: GroupScreen

  constructor(opts: GroupCallOptions) {
    this.backend = opts.backend
    this.main = opts.main
    this.rtc = opts.rtc ?? {}
    this.make = opts.makeSession ?? ((o) => new CallSession(o))
    this.data = new GroupData(this.main, () => [this.main, ...this.legs.values()], () => this.hasLegs)
    this.capture = new GroupCapture({
      sessions: () => [this.main, ...this.legs.values()],
      getUserMedia: this.rtc.getUserMedia ?? ((x) => navigator.mediaDevices.getUserMedia(x)),
      createStream: this.rtc.createStream ?? ((t) => new MediaStream(t)),
      muted: () => this.muted,
    })
    this.screen = new GroupScreen({
      source: this.rtc.getDisplayMedia && { getUserMedia: (c) => this.capture.get(c), getDisplayMedia: this.rtc.getDisplayMedia },
      sessions: () => this.answeredSessions(),
      cameraOn: () => this.cameraOn,
      changed: () => this.changed(),
    })
    this.offs.push(
      opts.backend.on(EventName.CallIncoming, (ev) => this.onIncoming(ev)),
      this.main.on(CallEvent.State, () => this.onMainState()),
      this.main.on(CallEvent.RemoteStream, () => this.changed()),
      // Their flags (mic, camera, a shared screen) arrive on their own, over the state channel: the tile shows them.
      this.main.on(CallEvent.RemoteMedia, () => this.changed()),
      // The flags of a session with media. Its teardown drops the stream first, then zeroes the flags (not a choice of ours);
      // opening sets the flags first, then the preview, so both events read them.
      this.main.on(CallEvent.LocalMedia, (m) => this.takeMainMedia(m)),
      this.main.on(CallEvent.LocalStream, () => {
        this.takeMainMedia()
        this.changed()
      }),
    )
    this.takeMainMedia()
  }

  private takeMainMedia(m: MediaFlags = this.main.localMedia): void {
    if (!this.main.localStream) return
    this.muted = !m.micOn
    this.cameraOn = m.cameraOn // kept as it was while the screen is shared
  }

  /** Our mic and camera as the controls show them, the main session's call gone or not. */
  get localMedia(): MediaFlags {
    const m = this.main.localStream ? this.main.localMedia : null
    return { micOn: !this.muted, cameraOn: this.cameraOn, screenSharing: this.screen.sharing || (m?.screenSharing ?? false) }
  }

  /** Our preview: the main session's, else a live leg's (the same camera, cloned). */
  get localStream(): MediaStream | null {
    if (this.main.localStream) return this.main.localStream
    return this.liveLegs().find((s) => s.localStream)?.localStream ?? null
  }

  /** Whether an incoming call is a further leg of our group call (not the main session's). */
  claims(call: CallInfo): boolean {
    // Only once we are in the call (answered): Go refuses an early join too, but a join that slipped by must not ring or answer here.
    return isGroupJoin(call) && (answered(this.main.state) || this.liveLegs().some((s) => answered(s.state)))
  }

  /** Anyone in the call but us: the main session's peer (while live) and every leg's. */
  get participants(): Participant[] {
    const out: Participant[] = []
    const m = this.main
    if (m.call && live(m.state)) out.push(this.view(m, true))
    for (const s of this.legs.values()) if (s.call && live(s.state)) out.push(this.view(s, false))
    return out
  }

  /** Some leg besides the main session's is live: leaving the main call keeps the group going. */
  get hasLegs(): boolean {
    return this.liveLegs().length > 0
  }

  /** Whether another person may be added now (fewer than four of us, and an answered call). */
  get canAdd(): boolean {
    return this.participants.length > 0 && this.participants.length < MAX_PARTICIPANTS - 1
  }

  /**
   * Adds peerId to the call (Calls.Add: it rings there). Resolves with
   * the reason it cannot even try, or null; a refusal from the other side
   * or from Go arrives as the 'error' event.
   */
  async add(peerId: string, video: boolean): Promise<string | null> {
    if (this.participants.some((p) => p.peerId === peerId)) return 'That person is in the call already.'
    if (!this.canAdd) return 'The call is full: four people at most.'
    await this.placeLeg(peerId, video, (p, v, o) => this.backend.calls.add(p, v, o), 'add')
    return null
  }

  /** Hangs up every leg (leaving the call); the main session is the UI's to hang up. */
  async leave(): Promise<void> {
    await Promise.all([...this.legs.values()].map((s) => s.hangup()))
  }

  setMuted(muted: boolean): void {
    this.muted = muted
    for (const s of this.legs.values()) s.setMuted(muted)
    this.changed()
  }

  /**
   * Turns our camera on or off in every session, the main one's too (the
   * UI asks only us). On: the first answered session opens the camera and
   * the others clone it, one capture as at the start of the call.
   */
  async setCameraOn(on: boolean): Promise<void> {
    this.cameraOn = on
    const all = [this.main, ...this.legs.values()]
    const first = this.answeredSessions()
    const order = [...first, ...all.filter((s) => !first.includes(s))]
    if (on) await inTurn(order, (s) => s.setCameraOn(true))
    else await Promise.all(order.map((s) => s.setCameraOn(false)))
    this.changed()
  }

  /**
   * Moves every session to another camera or microphone (the UI's device
   * menu asks only us), the main session first: it keeps the choice for
   * legs placed later even once its own call has ended. One capture: the
   * first live session opens the device, the others clone it (the group's
   * capture hands out only a track of the device asked for).
   */
  async switchDevice(kind: 'camera' | 'microphone', deviceId: string): Promise<void> {
    const first = this.answeredSessions()
    const order = [this.main, ...first.filter((s) => s !== this.main), ...[...this.legs.values()].filter((s) => !first.includes(s))]
    await inTurn(order, (s) => s.switchDevice(kind, deviceId))
    this.changed()
  }

  /**
   * Shares a screen (the picker asks which) to everyone in the call: one
   * capture, a clone on each answered leg; a leg answered later gets one
   * too. Rejects with the capture's error (cancelled: the picker closed).
   */
  startScreenShare(): Promise<void> {
    return this.screen.start()
  }

  /** Stops sharing on every leg; the camera comes back as it was (off stays off). */
  stopScreenShare(): Promise<void> {
    return this.screen.stop()
  }

  dispose(): void {
    for (const off of this.offs.splice(0)) off()
    this.data.dispose()
    this.screen.dispose()
    for (const s of this.legs.values()) s.dispose()
    this.legs.clear()
    this.events.clear()
  }

  // ---- legs -----------------------------------------------------------------

  private liveLegs(): CallSession[] {
    return [...this.legs.values()].filter((s) => live(s.state))
  }

  /** The sessions in the call with us (answered), the main one first. */
  private answeredSessions(): CallSession[] {
    return [this.main, ...this.legs.values()].filter((s) => answered(s.state))
  }

  private newLeg(peerId: string, opts: Partial<CallSessionOptions>): CallSession {
    this.legs.get(peerId)?.dispose()
    // A placed leg takes no incoming call (a finished but undisposed one must not answer someone else's).
    // The main session holds the device choice (the saved one, or the one picked in this call): a leg
    // that has to open a device itself (nothing live to clone) opens that one, not the system default.
    const devices = this.main.preferredDevices
    const s = this.make({ backend: this.backend, rtc: { ...this.rtc, getUserMedia: (c) => this.capture.get(c) }, takes: () => false, devices, ...opts })
    this.legs.set(peerId, s)
    this.data.watch(s)
    s.on(CallEvent.State, (st) => {
      if (s.call?.direction === 'outgoing' && (st.state === 'connecting' || st.state === 'connected')) this.joinMembers(s.call)
      if (answered(st.state)) void this.screen.give(s) // answered while we share the screen
      if (st.state === 'ended') {
        setTimeout(() => {
          if (this.legs.get(peerId) === s && s.state === 'ended') {
            this.legs.delete(peerId)
            if (s.call) this.caps.delete(s.call.id)
            this.screen.forget(s)
            s.dispose()
            this.changed()
          }
        }, 0)
      }
      this.changed()
    })
    s.on(CallEvent.RemoteStream, () => this.changed())
    s.on(CallEvent.RemoteMedia, () => this.changed())
    s.on(CallEvent.LocalStream, () => this.changed())
    s.on(CallEvent.LocalMedia, (m) => {
      // The mic opens after the leg is placed or answered: a mute made before holds.
      if (this.muted && m.micOn) s.setMuted(true)
    })
    return s
  }

  /** Places a leg with our camera as it is now (off stays off; and off while the screen is shared, which it gets once answered) and our mute. */
  private async placeLeg(peerId: string, video: boolean, place: CallSessionOptions['place'], kind: 'add' | 'join'): Promise<void> {
    const s = this.newLeg(peerId, { place })
    s.on(CallEvent.Error, (e) => {
      if (kind === 'add') this.events.emit('error', e)
      else if (e.code === 'call_full') void this.full()
    })
    await s.placeCall(peerId, { video: video && this.cameraOn && !this.screen.sharing })
    if (this.muted) s.setMuted(true)
    this.changed()
  }

  /**
   * A join of ours was refused: the group is full (someone else filled it
   * first). Joining is all or nothing, so we leave every leg, the main
   * session's too, and say why.
   */
  private async full(): Promise<void> {
    if (this.leaving) return
    this.leaving = true
    try {
      this.events.emit('error', new CallError('call_full'))
      await Promise.all([this.leave(), this.main.hangup()])
    } finally {
      this.leaving = false
    }
  }
  private leaving = false

  private onIncoming(ev: IncomingCallEvent): void {
    if (!this.claims(ev.call) || this.legs.get(ev.call.peer)?.call?.id === ev.call.id) return
    const id = ev.call.id
    const s = this.newLeg(ev.call.peer, { takes: (c) => c.id === id })
    void s.pickUp(ev).then((ok) => {
      if (!ok) return
      void s.accept({ video: ev.call.media.includes('video') && this.cameraOn && !this.screen.sharing }).then(() => {
        if (this.muted) s.setMuted(true)
      })
    })
  }

  /** The main session answered an add: connect to each member its invite named. */
  private onMainState(): void {
    const call = this.main.call
    const st = this.main.state
    if (call && call.direction === 'incoming' && (st === 'connecting' || st === 'connected')) this.joinMembers(call)
    // The member who added us gave our place to a newcomer who raced us
    // for it (protocol.md §7.6.1): joining is all or nothing, so the legs
    // go too. The main session shows the call_full itself.
    if (st === 'ended' && call?.cause === ErrorCode.CallFull && this.hasLegs) void this.leave()
    this.changed()
  }

  /** Joins each member call names (an add's invite, a join's answer) that we have no call with yet; once per call. */
  private joinMembers(call: CallInfo): void {
    if (!call.members?.length || this.joined.has(call.id)) return
    this.joined.add(call.id)
    const video = call.media.includes('video')
    for (const member of call.members) {
      if (member === this.main.call?.peer && live(this.main.state)) continue
      if (this.legs.has(member) && live(this.legs.get(member)!.state)) continue
      void this.placeLeg(member, video, (p, v, o) => this.backend.calls.join(p, v, o), 'join')
    }
  }

  private changed(): void {
    // Nobody left to share with (the call is over): the screen's capture ends too.
    if (this.screen.sharing && this.answeredSessions().length === 0) this.screen.dispose()
    this.applyCaps()
    this.events.emit('change', this.participants)
  }

  /** Caps each connected sender's video by how many others there are. */
  private applyCaps(): void {
    const sessions = [this.main, ...this.legs.values()].filter((s) => live(s.state))
    const n = sessions.length
    for (const s of sessions) {
      const id = s.call?.id
      if (!id || (s.state !== 'connected' && s.state !== 'reconnecting') || this.caps.get(id) === n) continue
      this.caps.set(id, n)
      void s.capVideo(videoCap(n))
    }
  }

  private view(s: CallSession, main: boolean): Participant {
    const c = s.call!
    return {
      peerId: c.peer,
      name: c.peerName,
      callId: c.id,
      state: s.state,
      stream: s.remoteStream,
      remoteMedia: s.remoteMedia,
      safetyCode: c.safetyCode ?? '',
      verified: c.verified,
      main,
    }
  }
}
