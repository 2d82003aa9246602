import { describe, expect, it } from 'vitest'
import { rms, SPEAKING_LEVEL, watchSpeaking } from './speaking'

describe('speaking', () => {
  it('measures the level as RMS', () => {
    expect(rms(new Float32Array([0, 0, 0, 0]))).toBe(0)
    expect(rms(new Float32Array([0.5, -0.5, 0.5, -0.5]))).toBeCloseTo(0.5)
    expect(rms(new Float32Array(0))).toBe(0)
    expect(rms(new Float32Array([0.01, -0.01]))).toBeLessThan(SPEAKING_LEVEL)
  })
  it('watches nothing without a stream or sound', () => {
    const stop = watchSpeaking(null, () => {
      throw new Error('no stream must not report')
    })
    stop()
  })
})
