import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CLOSE_AFTER_MS, RINGTONE, TonePlayer } from './tones'

/** Just enough WebAudio for TonePlayer: records what is connected and closed. */
class FakeNode {
  connected: unknown[] = []
  disconnected = false
  gain = { value: 1, setValueAtTime() {}, linearRampToValueAtTime() {}, exponentialRampToValueAtTime() {} }
  frequency = { value: 0 }
  type = ''
  connect<T>(n: T): T {
    this.connected.push(n)
    return n
  }
  disconnect() {
    this.disconnected = true
  }
  start() {}
  stop() {}
}

class FakeAudioContext {
  static all: FakeAudioContext[] = []
  state = 'running'
  currentTime = 0
  readonly destination = new FakeNode()
  readonly nodes: FakeNode[] = []
  closed = false
  constructor() {
    FakeAudioContext.all.push(this)
  }
  private node() {
    const n = new FakeNode()
    this.nodes.push(n)
    return n
  }
  createGain() {
    return this.node()
  }
  createOscillator() {
    return this.node()
  }
  async resume() {}
  async close() {
    this.closed = true
  }
}

describe('TonePlayer', () => {
  beforeEach(() => {
    FakeAudioContext.all = []
    vi.useFakeTimers()
    vi.stubGlobal('AudioContext', FakeAudioContext)
  })
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.useRealTimers()
  })

  it('goes silent on stop at once but closes its AudioContext only after the call has started', () => {
    const t = new TonePlayer()
    t.play(RINGTONE)
    const [ctx] = FakeAudioContext.all
    // The one node on the speakers carries every note.
    const onSpeakers = ctx.nodes.filter((n) => n.connected.includes(ctx.destination))
    expect(onSpeakers).toHaveLength(1)
    t.stop()
    expect(onSpeakers[0].disconnected).toBe(true)
    // Closing costs the page milliseconds just when Accept's first frames need it (docs/performance.md, "Calls").
    expect(ctx.closed).toBe(false)
    vi.advanceTimersByTime(CLOSE_AFTER_MS)
    expect(ctx.closed).toBe(true)
  })

  it('plays again after a stop in a fresh context', () => {
    const t = new TonePlayer()
    t.play(RINGTONE)
    t.stop()
    t.play(RINGTONE)
    expect(FakeAudioContext.all).toHaveLength(2)
    t.stop()
    vi.advanceTimersByTime(CLOSE_AFTER_MS)
    expect(FakeAudioContext.all.every((c) => c.closed)).toBe(true)
  })
})
