/**
 * CallControls: the in-call media controls of a CallSession — mute,
 * camera, screen share, devices, speakers and a group call's video cap.
 * Each acts on the live call's media through CallMedia (callmedia.ts) and
 * SpeakerOutputs (speaker.ts); the call flow itself (placing, answering,
 * ending, Go's events) is CallSession's (session.ts), which extends this
 * class and says which call is live.
 */
import type { Attempt } from './attempt'
import type { CallMedia } from './callmedia'
import type { SpeakerOutputs } from './speaker'

export abstract class CallControls {
  protected abstract readonly media: CallMedia
  protected abstract readonly speakers: SpeakerOutputs

  /** The live call that has media (or is getting it); null otherwise. */
  protected abstract live(): Attempt | null

  /** Mutes or unmutes the microphone (the track stays open, sending silence). */
  setMuted(muted: boolean): void {
    const a = this.live()
    if (a) this.media.setMuted(a, muted)
  }

  /**
   * Turns the camera on or off. Off stops the camera (its light goes out)
   * and sends no video (replaceTrack(null), no renegotiation); on opens it
   * again. In an audio call, turning it on adds video (a renegotiation).
   * While the screen is shared, the camera resumes when sharing stops.
   */
  async setCameraOn(on: boolean): Promise<void> {
    const a = this.live()
    if (a) return this.media.setCameraOn(a, on)
  }

  /**
   * Shares a screen or window (the system picker asks which) in place of
   * the camera picture: replaceTrack on the video sender, or a new video
   * sender and a renegotiation in an audio call. The browser's own "stop
   * sharing" button ends it as stopScreenShare does.
   *
   * given: a screen captured already (a group call captures it once and
   * gives each leg a clone, group.ts): no picker; the call owns the track
   * from now on (stops it when sharing or the call ends), and onEnded
   * runs in place of stopScreenShare when the track ends.
   */
  async startScreenShare(given?: { track: MediaStreamTrack; onEnded: () => void }): Promise<void> {
    const a = this.live()
    if (!a) return given?.track.stop()
    const onEnded = given?.onEnded ?? (() => void this.stopScreenShare())
    return this.media.startScreenShare(a, onEnded, given?.track)
  }

  /** Stops sharing; the camera comes back if it was on (camera: if that, a group call's word on it). */
  async stopScreenShare(camera?: boolean): Promise<void> {
    const a = this.live()
    if (a) return this.media.stopScreenShare(a, camera)
  }

  /** The live call's own microphone and camera tracks (a group call clones them for its other legs; never the screen). */
  get localTracks(): { mic: MediaStreamTrack | null; camera: MediaStreamTrack | null } {
    const m = this.live()?.media
    return { mic: m?.mic ?? null, camera: m?.camera ?? null }
  }

  /**
   * Moves the call to another camera or microphone (replaceTrack, no
   * renegotiation). Outside a call it sets the device for the next calls.
   */
  async switchDevice(kind: 'camera' | 'microphone', deviceId: string): Promise<void> {
    this.media.prefer(kind, deviceId, 'exact')
    const a = this.live()
    if (a) return this.media.switchDevice(a, kind)
  }

  /**
   * Plays the call on another speaker ("" = system default), on every
   * element given to registerOutput. Reports `unsupported` where the
   * webview cannot choose (setSinkId missing).
   */
  async setSpeaker(deviceId: string): Promise<void> {
    await this.speakers.set(deviceId)
  }

  /**
   * Registers an element that plays the other side (the remote <video>),
   * so setSpeaker reaches it. Returns the function that unregisters it.
   * Usable as a Svelte attachment: {@attach (el) => session.registerOutput(el)}.
   */
  registerOutput(element: HTMLMediaElement): () => void {
    return this.speakers.register(element)
  }

  /** The camera and microphone the next capture asks for (the saved choice, or the one picked in the call). */
  get preferredDevices(): { camera?: string; microphone?: string } {
    return this.media.preferredIds
  }

  /** Updates the saved device choices (Settings camera/microphone/speaker) used from the next capture on. */
  setPreferredDevices(devices: { camera?: string; microphone?: string; speaker?: string }): void {
    this.media.prefer('camera', devices.camera, 'preferred')
    this.media.prefer('microphone', devices.microphone, 'preferred')
    if (devices.speaker !== undefined && devices.speaker !== this.speakers.current) void this.setSpeaker(devices.speaker)
  }

  /** Limits the video sender (a group call's share of the uplink, group.ts videoCap): bitrate (null: none), and the camera scaled down by at least scale. */
  async capVideo(cap: { maxBitrate: number | null; scale: number }): Promise<void> {
    await this.live()?.link?.limitVideo(cap.maxBitrate, cap.scale)
  }}
