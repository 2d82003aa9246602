/**
 * CallMedia: the local media of a call — opening the microphone and
 * camera with the saved device choices, and the in-call controls (mute,
 * camera on/off, screen share, device switch) as track changes on the
 * call's PeerLink. It writes our flags and preview into CallOutputs; it
 * does not place, answer or end calls (it asks CallSession to end one
 * through `fail`), and it touches no signaling.
 */
import { captureMedia, captureScreen, stopStream, type DeviceChoice, type MediaSource } from '../media'
import type { Attempt } from './attempt'
import { CallError, toCallError } from './errors'
import type { CallOutputs } from './outputs'
import type { MediaFlags } from './types'

/** What CallMedia needs of the session. */
export interface CallMediaHost {
  /** getUserMedia/getDisplayMedia; null where the window has none. */
  readonly source: MediaSource | null
  readonly outputs: CallOutputs
  /** A non-fatal error. */
  report(error: CallError): void
  /** Ends the call with error. */
  fail(a: Attempt, error: CallError): void
}

/** A device kind that a call captures. */
export const CaptureKind = {
  Camera: 'camera',
  Microphone: 'microphone',
} as const
/** One of CaptureKind's values. */
export type CaptureKind = (typeof CaptureKind)[keyof typeof CaptureKind]

/** The local media of the session's calls. */
export class CallMedia {
  private preferred: { camera?: DeviceChoice; microphone?: DeviceChoice } = {}
  private lastCaptureError: CallError | null = null

  constructor(private readonly host: CallMediaHost) {}

  /** Sets the saved choice of a device ("" = system default); exact when the user picked it in the call. */
  prefer(kind: CaptureKind, deviceId: string | undefined, mode: DeviceChoice['mode']): void {
    if (deviceId === undefined) return
    this.preferred[kind] = deviceId ? { id: deviceId, mode } : undefined
  }

  /** The devices the next capture asks for, by id ("" or absent: the system default). */
  get preferredIds(): { camera?: string; microphone?: string } {
    return { camera: this.preferred.camera?.id, microphone: this.preferred.microphone?.id }
  }

  /**
   * Opens the microphone, and the camera when video. A camera that fails
   * leaves an audio-only start (reported). A microphone that fails ends an
   * outgoing call (needMic) but lets an incoming one be answered
   * listen-only (reported). Resolves false when the call ended instead.
   */
  async open(a: Attempt, video: boolean, needMic: boolean): Promise<boolean> {
    let stream = await this.capture(a, { audio: true, video }, !video && needMic)
    if (!stream && video && !a.ended) {
      const cameraError = this.lastCaptureError
      stream = await this.capture(a, { audio: true, video: false }, needMic)
      if (stream && cameraError) {
        this.host.report(new CallError(cameraError.code, 'Your camera could not be started; continuing with sound only.', { cause: cameraError }))
      }
    }
    if (a.ended) {
      stopStream(stream)
      return false
    }
    if (stream) {
      a.media.mic = stream.getAudioTracks()[0] ?? null
      a.media.camera = stream.getVideoTracks()[0] ?? null
    }
    this.host.outputs.setLocal({ micOn: a.media.mic !== null, cameraOn: a.media.camera !== null, screenSharing: false })
    this.showPreview(a)
    return true
  }

  /** Changes our flags: the other side hears of them over the state channel, the UI by event. */
  update(a: Attempt, change: Partial<MediaFlags>): void {
    if (a.ended) return
    const flags = { ...this.host.outputs.local, ...change }
    a.link?.setLocalFlags(flags)
    this.host.outputs.setLocal(flags)
    this.showPreview(a)
  }

  /** The preview of the current tracks (emitted only when they changed). */
  showPreview(a: Attempt): void {
    if (a.ended) return
    this.host.outputs.setLocalStream(a.media.preview())
  }

  /** Mutes or unmutes the microphone (the track stays open, sending silence). */
  setMuted(a: Attempt, muted: boolean): void {
    if (a.media.mic) a.media.mic.enabled = !muted
    this.update(a, { micOn: !muted && a.media.mic !== null })
  }

  /** See CallSession.setCameraOn. */
  setCameraOn(a: Attempt, on: boolean): Promise<void> {
    return this.serial(a, async () => {
      if (a.media.screen) {
        this.update(a, { cameraOn: on })
        return
      }
      if (!on) {
        if (a.media.camera) {
          a.media.drop(a.media.camera)
          await a.link?.setTrack('video', null)
        }
        this.update(a, { cameraOn: false })
        return
      }
      if (!a.media.camera) {
        const track = await this.openCamera(a)
        if (!track) return
        a.media.camera = track
        await a.link?.setTrack('video', track)
      }
      this.update(a, { cameraOn: true })
    })
  }

  /**
   * See CallSession.startScreenShare; onEnded runs when the browser's own
   * "stop sharing" ends it. given: a screen track captured already (a
   * group call's one capture, cloned per leg), which this call then owns.
   */
  startScreenShare(a: Attempt, onEnded: () => void, given?: MediaStreamTrack): Promise<void> {
    return this.serial(a, async () => {
      if (a.media.screen) {
        given?.stop()
        return
      }
      let stream: MediaStream | null = null
      if (!given) {
        try {
          stream = await captureScreen(this.host.source)
        } catch (err) {
          const e = toCallError(err)
          if (e.code !== 'cancelled') this.host.report(e)
          return
        }
      }
      const track = given ?? stream?.getVideoTracks()[0]
      if (a.ended || !track) {
        stopStream(stream)
        given?.stop()
        return
      }
      for (const t of stream?.getTracks() ?? []) if (t !== track) t.stop()
      track.addEventListener('ended', () => {
        if (a.media.screen === track) onEnded()
      })
      a.media.drop(a.media.camera) // the camera rests while the screen is shown
      a.media.screen = track
      await a.link?.setTrack('video', track)
      this.update(a, { screenSharing: true })
    })
  }

  /** See CallSession.stopScreenShare; camera: whether the camera comes back (default: as our flags say). */
  stopScreenShare(a: Attempt, camera?: boolean): Promise<void> {
    return this.serial(a, async () => {
      if (!a.media.screen) return
      a.media.drop(a.media.screen)
      let next: MediaStreamTrack | null = null
      if (camera ?? this.host.outputs.local.cameraOn) {
        next = await this.openCamera(a)
        if (next) a.media.camera = next
      }
      await a.link?.setTrack('video', next)
      this.update(a, { screenSharing: false, cameraOn: next !== null })
    })
  }

  /** Moves the call to the preferred camera or microphone (replaceTrack, no renegotiation). */
  switchDevice(a: Attempt, kind: CaptureKind): Promise<void> {
    return this.serial(a, async () => {
      if (kind === 'microphone') {
        if (!a.media.mic) return
        const stream = await this.capture(a, { audio: true, video: false })
        const track = stream?.getAudioTracks()[0]
        if (!track) return
        track.enabled = this.host.outputs.local.micOn
        const old = a.media.mic
        a.media.mic = track
        await a.link?.setTrack('audio', track)
        old.stop()
      } else {
        if (!a.media.camera) return
        const track = await this.openCamera(a)
        if (!track) return
        const old = a.media.camera
        a.media.camera = track
        await a.link?.setTrack('video', track)
        old.stop()
      }
      this.showPreview(a)
    })
  }

  /** Runs a media change after the call's earlier ones; a throw is reported. */
  serial(a: Attempt, fn: () => Promise<void>): Promise<void> {
    return a.serial(fn, (err) => this.host.report(toCallError(err)))
  }

  /** getUserMedia with the call constraints; null on failure (ends the call when fatal, else reported for sound-only requests). */
  private async capture(a: Attempt, req: { audio: boolean; video: boolean }, fatal = false): Promise<MediaStream | null> {
    this.lastCaptureError = null
    try {
      const stream = await captureMedia({ ...req, microphone: this.preferred.microphone, camera: this.preferred.camera }, this.host.source)
      if (a.ended) {
        stopStream(stream)
        return null
      }
      return stream
    } catch (err) {
      const e = toCallError(err)
      this.lastCaptureError = e
      if (a.ended) return null
      if (fatal) this.host.fail(a, e)
      else if (!req.video) this.host.report(e)
      return null
    }
  }

  private async openCamera(a: Attempt): Promise<MediaStreamTrack | null> {
    let stream: MediaStream | null = null
    try {
      stream = await captureMedia({ audio: false, video: true, camera: this.preferred.camera }, this.host.source)
    } catch (err) {
      if (!a.ended) this.host.report(toCallError(err))
      return null
    }
    const track = stream.getVideoTracks()[0] ?? null
    if (a.ended || a.media.isStopped) {
      stopStream(stream)
      return null
    }
    return track
  }
}
