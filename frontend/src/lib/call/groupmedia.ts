/**
 * A group call's own media across its legs (group.ts), so that the camera
 * and the screen open once however many people are in the call, and go
 * on opening once when the person the call began with has left:
 *
 *   GroupCapture  a leg's getUserMedia: clones of the microphone and
 *                 camera a session of the call has open, else one real
 *                 capture that requests made meanwhile share (cloned)
 *   GroupScreen   the screen, captured once, a clone on every answered
 *                 leg (a leg answered later gets one too); stopping gives
 *                 each leg its camera back as it was (off stays off)
 *   inTurn        the first session alone, then the rest: the first
 *                 opens the device, the others clone it
 *
 * Each session owns the tracks it was given and stops them (camera off,
 * hang-up); the group owns only the screen's original, which it stops
 * when sharing stops. So with the camera off no camera track is live and
 * the camera's light goes out.
 */
import { captureScreen, type MediaSource } from '../media'
import type { CallSession } from './session'

/** Runs fn on the first session, then on the rest at once (each clones what the first opened). */
export async function inTurn(sessions: CallSession[], fn: (s: CallSession) => Promise<void>): Promise<void> {
  const [first, ...rest] = sessions
  if (!first) return
  await fn(first)
  await Promise.all(rest.map(fn))
}

export interface GroupCaptureOptions {
  /** Every session of the call, whose open tracks are cloned. */
  sessions: () => CallSession[]
  /** The real getUserMedia. */
  getUserMedia: (c: MediaStreamConstraints) => Promise<MediaStream>
  createStream: (tracks: MediaStreamTrack[]) => MediaStream
  /** Our mute: a leg's microphone starts as it says. */
  muted: () => boolean
}

/** A leg's getUserMedia: one capture of each device for the whole call. */
export class GroupCapture {
  private capturing: Promise<MediaStream> | null = null
  /** The last real capture: its tracks belong to the session that asked, and are cloned for the others. */
  private last: MediaStream | null = null

  constructor(private readonly o: GroupCaptureOptions) {}

  async get(c: MediaStreamConstraints): Promise<MediaStream> {
    let waited: Promise<MediaStream> | null = null
    for (;;) {
      const audio = c.audio ? this.pick('audio', c.audio) : undefined
      const video = c.video ? this.pick('video', c.video) : undefined
      if ((!c.audio || audio) && (!c.video || video)) {
        return this.muteAudio(this.o.createStream([audio, video].filter((t): t is MediaStreamTrack => !!t).map((t) => t.clone())))
      }
      // Someone is opening the device now: clone theirs once it is open.
      if (!this.capturing || this.capturing === waited) break
      waited = this.capturing
      await waited.catch(() => {})
    }
    const job = this.o.getUserMedia(c).then((st) => (this.last = st))
    this.capturing = job
    try {
      return this.muteAudio(await job)
    } finally {
      if (this.capturing === job) this.capturing = null
    }
  }

  /**
   * A live microphone or camera track of the call (never a screen), of
   * the device the constraint asks for: exact, only that one (the user
   * just picked it: a clone of the old device would undo the switch);
   * ideal, that one first, else any.
   */
  private pick(kind: 'audio' | 'video', want: boolean | MediaTrackConstraints): MediaStreamTrack | undefined {
    const held = this.o.sessions().map((s) => (kind === 'audio' ? s.localTracks.mic : s.localTracks.camera))
    const last = this.last?.getTracks().filter((t) => t.kind === kind) ?? []
    const all = [...held, ...last].filter((t): t is MediaStreamTrack => !!t && t.readyState === 'live')
    const { id, exact } = wantedDevice(want)
    if (!id) return all[0]
    const same = all.find((t) => t.getSettings().deviceId === id)
    return same ?? (exact ? undefined : all[0])
  }

  /** A clone keeps the source's enabled flag; set it to our mute either way. */
  private muteAudio(st: MediaStream): MediaStream {
    for (const t of st.getAudioTracks()) t.enabled = !this.o.muted()
    return st
  }
}

export interface GroupScreenOptions {
  /** getDisplayMedia; undefined: the browser's. */
  source?: MediaSource
  /** The sessions to share to: the answered ones, the main session first. */
  sessions: () => CallSession[]
  /** Whether the camera comes back when sharing stops (the group's camera flag). */
  cameraOn: () => boolean
  /** Sharing began or ended. */
  changed: () => void
}

/** The screen, shared to every leg of the call. */
export class GroupScreen {
  private track: MediaStreamTrack | null = null
  private starting = false
  private readonly given = new Set<CallSession>()

  constructor(private readonly o: GroupScreenOptions) {}

  get sharing(): boolean {
    return this.track !== null
  }

  /**
   * Asks for a screen (the system picker) and shares it on every answered
   * leg. Rejects with the capture's error (code cancelled when the person
   * closed the picker).
   */
  async start(): Promise<void> {
    if (this.track || this.starting) return
    this.starting = true
    let stream: MediaStream
    try {
      stream = await captureScreen(this.o.source)
    } finally {
      this.starting = false
    }
    const track = stream.getVideoTracks()[0]
    for (const t of stream.getTracks()) if (t !== track) t.stop()
    if (!track) return
    const to = this.o.sessions()
    if (this.track || to.length === 0) {
      track.stop() // the call ended while the picker was open
      return
    }
    this.track = track
    // The browser's own "stop sharing" ends the original (and its clones).
    track.addEventListener('ended', () => {
      if (this.track === track) void this.stop()
    })
    await Promise.all(to.map((s) => this.give(s)))
    this.o.changed()
  }

  /** Shares the screen to s (a leg answered while sharing), once. */
  async give(s: CallSession): Promise<void> {
    const t = this.track
    if (!t || this.given.has(s)) return
    this.given.add(s)
    await s.startScreenShare({
      track: t.clone(),
      onEnded: () => {
        if (this.track === t) void this.stop()
      },
    })
  }

  /** Stops sharing on every leg; each gets its camera back if the camera is on, one capture cloned for the rest. */
  async stop(): Promise<void> {
    const t = this.track
    if (!t) return
    this.track = null
    const to = this.o.sessions().filter((s) => this.given.has(s))
    this.given.clear()
    t.stop()
    const camera = this.o.cameraOn()
    await inTurn(to, (s) => s.stopScreenShare(camera))
    this.o.changed()
  }

  /** A leg is gone. */
  forget(s: CallSession): void {
    this.given.delete(s)
  }

  /** Ends the share without restoring anything (the call is over). */
  dispose(): void {
    this.track?.stop()
    this.track = null
    this.given.clear()
  }
}

/** The device id a getUserMedia constraint names, and whether it must be that one. */
function wantedDevice(c: boolean | MediaTrackConstraints): { id?: string; exact: boolean } {
  const d = typeof c === 'object' ? c.deviceId : undefined
  if (typeof d === 'string') return { id: d, exact: false }
  if (!d || Array.isArray(d)) return { exact: false }
  if (typeof d.exact === 'string') return { id: d.exact, exact: true }
  if (typeof d.ideal === 'string') return { id: d.ideal, exact: false }
  return { exact: false }
}
