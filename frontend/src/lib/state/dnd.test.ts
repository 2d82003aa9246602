import { describe, expect, test } from 'vitest'
import { EventName } from '../backend'
import { DoNotDisturbState, dndLabel, type DndClock } from './dnd.svelte'
import { timeLabel } from './labels'
import { FakeBackend } from './fakes'

/** A clock the test moves; its one timer fires when the time passes it. */
class TestClock implements DndClock {
  t: number
  timers = new Map<number, { at: number; f: () => void }>()
  private next = 1
  constructor(t: number) {
    this.t = t
  }
  now() {
    return this.t
  }
  setTimeout(f: () => void, ms: number) {
    const id = this.next++
    this.timers.set(id, { at: this.t + ms, f })
    return id
  }
  clearTimeout(id: unknown) {
    this.timers.delete(id as number)
  }
  advance(ms: number) {
    this.t += ms
    for (const [id, tm] of [...this.timers]) {
      if (tm.at <= this.t) {
        this.timers.delete(id)
        tm.f()
      }
    }
  }
}

const at = (y: number, mo: number, d: number, h: number, mi = 0) => new Date(y, mo - 1, d, h, mi).getTime()
const iso = (ms: number) => new Date(ms).toISOString()

describe('dndLabel', () => {
  const now = at(2026, 12, 3, 13, 30)
  test.each([
    ['off', { on: false }, 'Available'],
    ['until turned off', { on: true }, 'Do not disturb is on'],
    ['later today', { on: true, until: iso(at(2026, 12, 3, 14, 30)) }, `Do not disturb until ${timeLabel(at(2026, 12, 3, 14, 30))}`],
    ['tomorrow morning', { on: true, until: iso(at(2026, 12, 4, 8)) }, `Do not disturb until tomorrow ${timeLabel(at(2026, 12, 4, 8))}`],
    ['ended', { on: true, until: iso(at(2026, 12, 3, 13, 0)) }, 'Available'],
    ['an unreadable time', { on: true, until: 'soon' }, 'Do not disturb is on'],
  ])('%s', (_name, s, want) => {
    expect(dndLabel(s, now)).toBe(want)
  })
})

describe('DoNotDisturbState', () => {
  function setup() {
    const backend = new FakeBackend()
    const clock = new TestClock(at(2026, 12, 3, 13, 30))
    const dnd = new DoNotDisturbState(backend, clock)
    return { backend, clock, dnd }
  }

  test('loads, turns on for a span and off through Go', async () => {
    const { backend, dnd } = setup()
    await dnd.load()
    expect(dnd.on).toBe(false)
    dnd.menuOpen = true
    await dnd.set('until_off')
    expect(backend.callsTo('settings.setDoNotDisturb')).toEqual([['until_off']])
    expect(dnd.on).toBe(true)
    expect(dnd.menuOpen).toBe(false)
    expect(dnd.label).toBe('Do not disturb is on')
    await dnd.turnOff()
    expect(backend.callsTo('settings.endDoNotDisturb')).toHaveLength(1)
    expect(dnd.on).toBe(false)
  })

  test('follows dnd:changed from other windows and the tray', () => {
    const { backend, clock, dnd } = setup()
    const until = clock.now() + 3600_000
    backend.emit(EventName.DoNotDisturbChanged, { on: true, until: iso(until) })
    expect(dnd.on).toBe(true)
    expect(dnd.label).toBe(`Do not disturb until ${timeLabel(until)}`)
    backend.emit(EventName.DoNotDisturbChanged, { on: false })
    expect(dnd.on).toBe(false)
    expect(clock.timers.size).toBe(0)
  })

  test('ends by itself at its time, should the event not come', () => {
    const { backend, clock, dnd } = setup()
    backend.emit(EventName.DoNotDisturbChanged, { on: true, until: iso(clock.now() + 3600_000) })
    clock.advance(3599_000)
    expect(dnd.on).toBe(true)
    clock.advance(1000)
    expect(dnd.on).toBe(false)
    expect(dnd.label).toBe('Available')
  })

  test('at midnight "tomorrow 08:00" becomes "08:00"', () => {
    const { backend, clock, dnd } = setup()
    clock.t = at(2026, 12, 3, 22, 0)
    const until = at(2026, 12, 4, 8)
    backend.emit(EventName.DoNotDisturbChanged, { on: true, until: iso(until) })
    expect(dnd.label).toBe(`Do not disturb until tomorrow ${timeLabel(until)}`)
    // The words are redrawn at midnight (the one timer), then at the end.
    expect([...clock.timers.values()].map((tm) => tm.at)).toEqual([at(2026, 12, 4, 0)])
    clock.advance(2 * 3600_000)
    expect([...clock.timers.values()].map((tm) => tm.at)).toEqual([until])
    expect(dnd.label).toBe(`Do not disturb until ${timeLabel(until)}`)
    expect(dnd.on).toBe(true)
    clock.advance(8 * 3600_000)
    expect(dnd.on).toBe(false)
  })

  test('a failure is shown in words and changes nothing', async () => {
    const { backend, dnd } = setup()
    backend.failures['settings.setDoNotDisturb'] = Object.assign(new Error('dnd: save: disk full'), { code: 'failed' })
    await dnd.set('hour')
    expect(dnd.on).toBe(false)
    expect(dnd.error).toMatch(/disk full/)
  })
})
