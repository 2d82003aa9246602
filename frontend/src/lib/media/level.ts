/**
 * A microphone level meter: an AudioContext analyser on a stream, read as
 * 0..1 (RMS of the waveform, scaled so speech sits around the middle).
 */

/** The parts of AudioContext used here; tests pass a fake. */
export interface AudioContextLike {
  createMediaStreamSource(stream: MediaStream): { connect(node: AnalyserLike): unknown; disconnect(): void }
  createAnalyser(): AnalyserLike
  close(): Promise<void>
  resume?(): Promise<void>
  readonly state?: string
}

export interface AnalyserLike {
  fftSize: number
  smoothingTimeConstant: number
  getFloatTimeDomainData(array: Float32Array<ArrayBuffer>): void
}

export interface LevelMeterOptions {
  /** Builds the AudioContext. Default: the browser's AudioContext. */
  createContext?: () => AudioContextLike
}

/** RMS → 0..1: -60 dBFS and below is 0, 0 dBFS is 1. */
export function levelOf(samples: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i]
  const rms = Math.sqrt(sum / Math.max(1, samples.length))
  if (rms <= 0) return 0
  const db = 20 * Math.log10(rms)
  return Math.min(1, Math.max(0, (db + 60) / 60))
}

/** Measures one stream's sound level. Call close() when done: it frees the AudioContext. */
export class LevelMeter {
  private ctx: AudioContextLike | null
  private readonly source: { disconnect(): void }
  private readonly analyser: AnalyserLike
  private readonly buf: Float32Array<ArrayBuffer>
  private timer?: ReturnType<typeof setInterval>

  constructor(stream: MediaStream, options: LevelMeterOptions = {}) {
    const create =
      options.createContext ??
      (() => {
        const AC = (globalThis as { AudioContext?: new () => AudioContext }).AudioContext
        if (!AC) throw new Error('LevelMeter: no AudioContext here')
        return new AC() as unknown as AudioContextLike
      })
    this.ctx = create()
    this.analyser = this.ctx.createAnalyser()
    this.analyser.fftSize = 1024
    this.analyser.smoothingTimeConstant = 0.3
    const src = this.ctx.createMediaStreamSource(stream)
    src.connect(this.analyser)
    this.source = src
    this.buf = new Float32Array(this.analyser.fftSize)
    // A context made without a user gesture may start suspended.
    if (this.ctx.state === 'suspended') void this.ctx.resume?.().catch(() => {})
  }

  /** The level now, 0..1 (0 after close). */
  read(): number {
    if (!this.ctx) return 0
    this.analyser.getFloatTimeDomainData(this.buf)
    return levelOf(this.buf)
  }

  /** Calls handler with the level every intervalMs (default 100) until close; returns a function that stops it. */
  watch(handler: (level: number) => void, intervalMs = 100): () => void {
    clearInterval(this.timer)
    const timer = setInterval(() => handler(this.read()), intervalMs)
    this.timer = timer
    return () => {
      clearInterval(timer)
      if (this.timer === timer) this.timer = undefined
    }
  }

  /** Stops measuring and frees the AudioContext. The stream's tracks are left alone. */
  close(): void {
    clearInterval(this.timer)
    const ctx = this.ctx
    if (!ctx) return
    this.ctx = null
    this.source.disconnect()
    void ctx.close().catch(() => {})
  }
}
