/**
 * Call tones made with WebAudio, no audio files: a soft two-note chime for
 * an incoming call and a gentle ringback while the other side rings.
 */

/** One note: start offset and length in seconds, pitch in Hz. */
export interface Note {
  at: number
  length: number
  freq: number
}

/** A repeating pattern of notes. */
export interface Pattern {
  notes: Note[]
  /** Seconds from one repetition to the next. */
  period: number
  /** Peak gain, 0..1. */
  volume: number
}

/** Incoming: a rising two-note chime, twice, then a pause (E5 → A5). */
export const RINGTONE: Pattern = {
  notes: [
    { at: 0, length: 0.32, freq: 659.25 },
    { at: 0.18, length: 0.5, freq: 880 },
    { at: 0.9, length: 0.32, freq: 659.25 },
    { at: 1.08, length: 0.5, freq: 880 },
  ],
  period: 3.2,
  volume: 0.22,
}

/** Outgoing ringback: one soft low tone every few seconds, like a phone line. */
export const RINGBACK: Pattern = {
  notes: [{ at: 0, length: 1.2, freq: 440 }],
  period: 4,
  volume: 0.07,
}

type AudioContextCtor = new () => AudioContext

/**
 * How long a stopped tone's AudioContext lives on, silent, before it is
 * closed, ms. Closing it takes 4–13 ms of the page's main thread in
 * Chromium (the audio output stream is torn down); a tone stops on Accept
 * and when the other side answers, exactly when the call's first frames
 * need that thread (docs/performance.md, "Calls").
 */
export const CLOSE_AFTER_MS = 3000

/** Plays a Pattern on repeat until stop(). Safe to call where there is no WebAudio (does nothing). */
export class TonePlayer {
  private ctx: AudioContext | null = null
  /** Every note goes through it; disconnected, the tone is silent at once. */
  private out: GainNode | null = null
  private timer?: ReturnType<typeof setInterval>
  private playing: Pattern | null = null

  /** Starts pattern, replacing any tone playing now. */
  play(pattern: Pattern): void {
    if (this.playing === pattern) return
    this.stop()
    const AC = (globalThis as { AudioContext?: AudioContextCtor }).AudioContext
    if (!AC) return
    try {
      this.ctx ??= new AC()
    } catch {
      return
    }
    const ctx = this.ctx
    const out = ctx.createGain()
    out.connect(ctx.destination)
    this.out = out
    if (ctx.state === 'suspended') void ctx.resume().catch(() => {})
    this.playing = pattern
    const once = () => {
      const t0 = ctx.currentTime + 0.05
      for (const n of pattern.notes) this.note(ctx, out, t0 + n.at, n, pattern.volume)
    }
    once()
    this.timer = setInterval(once, pattern.period * 1000)
  }

  private note(ctx: AudioContext, out: AudioNode, start: number, n: Note, volume: number) {
    // A sine with a quiet octave above, a quick attack and a bell-like decay.
    const gain = ctx.createGain()
    gain.gain.setValueAtTime(0, start)
    gain.gain.linearRampToValueAtTime(volume, start + 0.015)
    gain.gain.exponentialRampToValueAtTime(0.0001, start + n.length)
    gain.connect(out)
    for (const [mult, level] of [
      [1, 1],
      [2, 0.18],
    ] as const) {
      const osc = ctx.createOscillator()
      osc.type = 'sine'
      osc.frequency.value = n.freq * mult
      const g = ctx.createGain()
      g.gain.value = level
      osc.connect(g).connect(gain)
      osc.start(start)
      osc.stop(start + n.length + 0.05)
    }
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.playing = null
    // Disconnecting the output cuts the notes already scheduled; the
    // context is closed once the call has had its first moments.
    this.out?.disconnect()
    this.out = null
    if (this.ctx) {
      const ctx = this.ctx
      this.ctx = null
      setTimeout(() => void ctx.close().catch(() => {}), CLOSE_AFTER_MS)
    }
  }
}
