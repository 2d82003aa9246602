/**
 * Whether a stream's sound is speech-loud, sampled a few times a second
 * (the group call's speaking indicator). One AudioContext for the page: a
 * tile's analyser is a node on it, dropped with the tile.
 */

/** RMS of the samples (0..1) above which a participant counts as speaking. */
export const SPEAKING_LEVEL = 0.02
const SAMPLE_MS = 100
/** How long "speaking" stays after the last loud sample: no flicker between words. */
const HOLD_MS = 600

let shared: AudioContext | null = null

/** Level of a block of float samples: their root mean square. */
export function rms(samples: Float32Array): number {
  let sum = 0
  for (const s of samples) sum += s * s
  return samples.length ? Math.sqrt(sum / samples.length) : 0
}

/**
 * Calls onChange(true/false) as stream's audio crosses SPEAKING_LEVEL.
 * Returns the function that stops watching. Where Web Audio is missing,
 * it never reports speaking.
 */
export function watchSpeaking(stream: MediaStream | null, onChange: (speaking: boolean) => void): () => void {
  if (!stream || stream.getAudioTracks().length === 0 || typeof AudioContext !== 'function') return () => {}
  shared ??= new AudioContext()
  const ctx = shared
  void ctx.resume().catch(() => {})
  const source = ctx.createMediaStreamSource(stream)
  const analyser = ctx.createAnalyser()
  analyser.fftSize = 2048 // ~43 ms at 48 kHz
  source.connect(analyser)
  const buf = new Float32Array(analyser.fftSize)
  let last = false
  let loudAt = -Infinity
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(buf)
    const t = performance.now()
    if (rms(buf) > SPEAKING_LEVEL) loudAt = t
    const now = t - loudAt < HOLD_MS
    if (now !== last) onChange((last = now))
  }, SAMPLE_MS)
  return () => {
    clearInterval(timer)
    source.disconnect()
    if (last) onChange(false)
  }
}
