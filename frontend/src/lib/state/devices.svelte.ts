/**
 * Cameras, microphones and speakers, and the settings page's live test:
 * a camera preview and a microphone level meter. Calls get their media
 * from the call engine, not from here.
 */
import {
  LevelMeter,
  canChooseSpeaker,
  captureMedia,
  mediaError,
  stopStream,
  watchDevices,
  type Device,
  type DeviceList,
  type DeviceSource,
  type MediaSource,
} from '../media'

/** A level reader for a stream (LevelMeter by default; tests pass a fake). */
export interface Meter {
  watch(handler: (level: number) => void, intervalMs?: number): () => void
  close(): void
}

/** The browser entry points DevicesState uses; each defaults to the real one. */
export interface DevicesEnv {
  devices?: DeviceSource | null
  media?: MediaSource | null
  meter?: (stream: MediaStream) => Meter
  speakerChoice?: boolean
}

export class DevicesState {
  cameras = $state<Device[]>([])
  microphones = $state<Device[]>([])
  speakers = $state<Device[]>([])
  /** The settings preview: camera and microphone, or null when off. */
  preview = $state<MediaStream | null>(null)
  /** Microphone level in the preview, 0..1. */
  level = $state(0)
  /** Why the preview could not start, in words. */
  previewError = $state<string | null>(null)
  starting = $state(false)
  /** Whether a speaker can be chosen here (setSinkId). */
  readonly speakerChoice: boolean

  /** Labels are hidden until media access was granted once. */
  readonly labelled = $derived([...this.cameras, ...this.microphones].some((d) => !/^(Camera|Microphone) \d+$/.test(d.label)))

  private readonly env: DevicesEnv
  private stopWatch: (() => void) | null = null
  private meter: Meter | null = null
  private stopLevel: (() => void) | null = null
  private previewSeq = 0

  constructor(env: DevicesEnv = {}) {
    this.env = env
    this.speakerChoice = env.speakerChoice ?? canChooseSpeaker()
  }

  /** Starts following device changes (idempotent). */
  watch(): void {
    if (this.stopWatch) return
    const apply = (list: DeviceList) => {
      this.cameras = list.cameras
      this.microphones = list.microphones
      this.speakers = list.speakers
    }
    this.stopWatch = this.env.devices === undefined ? watchDevices(apply) : watchDevices(apply, this.env.devices)
  }

  /** A device's label by id ("" = the system default). */
  label(kind: 'camera' | 'microphone' | 'speaker', id: string): string {
    const list = kind === 'camera' ? this.cameras : kind === 'microphone' ? this.microphones : this.speakers
    if (!id) return 'System default'
    return list.find((d) => d.id === id)?.label ?? 'Unavailable device'
  }

  /**
   * Opens the chosen camera (when video) and microphone for the preview,
   * replacing any running one.
   */
  async startPreview(choice: { camera: string; microphone: string; video: boolean }): Promise<void> {
    const mine = ++this.previewSeq
    this.stopPreview(false)
    this.starting = true
    this.previewError = null
    try {
      const req = { audio: true, video: choice.video, camera: choice.camera, microphone: choice.microphone }
      const stream = this.env.media === undefined ? await captureMedia(req) : await captureMedia(req, this.env.media)
      if (mine !== this.previewSeq) {
        stopStream(stream)
        return
      }
      this.preview = stream
      if (stream.getAudioTracks().length > 0) {
        try {
          this.meter = this.env.meter ? this.env.meter(stream) : new LevelMeter(stream)
          this.stopLevel = this.meter.watch((l) => (this.level = l), 80)
        } catch {
          // No AudioContext: the preview works without a meter.
        }
      }
    } catch (err) {
      if (mine === this.previewSeq) this.previewError = mediaError(err).message
    } finally {
      if (mine === this.previewSeq) this.starting = false
    }
  }

  /** Stops the preview and frees the camera and microphone. */
  stopPreview(cancelPending = true): void {
    if (cancelPending) {
      this.previewSeq++
      this.starting = false
    }
    this.stopLevel?.()
    this.stopLevel = null
    this.meter?.close()
    this.meter = null
    stopStream(this.preview)
    this.preview = null
    this.level = 0
  }

  dispose(): void {
    this.stopPreview()
    this.stopWatch?.()
    this.stopWatch = null
  }
}
