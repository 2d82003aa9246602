/**
 * Do not disturb: what the sidebar's control shows and does. Go owns the
 * switch (app/dnd): this mirrors it from Settings.DoNotDisturb and the
 * dnd:changed event (another window or the tray may change it), and turns
 * it on for a span or off. The words are dndLabel's.
 */
import { DndSpan, EventName, type Backend, type DoNotDisturb } from '../backend'
import { humanError, timeLabel } from './labels'

/** The choices of the control's menu, in order. */
export const DND_CHOICES: readonly { span: DndSpan; label: string }[] = [
  { span: DndSpan.Hour, label: 'For 1 hour' },
  { span: DndSpan.Tomorrow, label: 'Until tomorrow' },
  { span: DndSpan.UntilOff, label: 'Until I turn it off' },
]

/** The clock and timers the state uses (tests pass their own). */
export interface DndClock {
  now(): number
  setTimeout(f: () => void, ms: number): unknown
  clearTimeout(t: unknown): void
}

const realClock: DndClock = {
  now: () => Date.now(),
  setTimeout: (f, ms) => setTimeout(f, ms),
  clearTimeout: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
}

/** Timers cannot wait longer than this (2^31-1 ms); a longer wait is re-armed. */
const MAX_TIMER_MS = 2_147_483_647

export class DoNotDisturbState {
  /** The switch as Go last said. */
  status = $state<DoNotDisturb>({ on: false })
  /** The choices menu is open. */
  menuOpen = $state(false)
  /** The last failure, in words. */
  error = $state<string | null>(null)

  /** Bumped when the words change with the clock alone (at midnight "tomorrow 08:00" becomes "08:00"). */
  private tick = $state(0)
  private readonly backend: Backend
  private readonly clock: DndClock
  private timer: unknown = null
  private readonly off: () => void

  constructor(backend: Backend, clock: DndClock = realClock) {
    this.backend = backend
    this.clock = clock
    this.off = backend.on(EventName.DoNotDisturbChanged, (s) => this.apply(s))
  }

  /** Incoming calls are refused now. */
  get on(): boolean {
    return this.status.on
  }

  /** The control's words: "Do not disturb until 14:30", or "Available". */
  get label(): string {
    void this.tick
    return dndLabel(this.status, this.clock.now())
  }

  async load(): Promise<void> {
    try {
      this.apply(await this.backend.settings.doNotDisturb())
      this.error = null
    } catch (err) {
      this.error = humanError(err)
    }
  }

  /** Turns do not disturb on for span, and closes the menu. */
  async set(span: DndSpan): Promise<void> {
    this.menuOpen = false
    try {
      this.apply(await this.backend.settings.setDoNotDisturb(span))
      this.error = null
    } catch (err) {
      this.error = humanError(err)
    }
  }

  /** Turns do not disturb off, and closes the menu. */
  async turnOff(): Promise<void> {
    this.menuOpen = false
    try {
      this.apply(await this.backend.settings.endDoNotDisturb())
      this.error = null
    } catch (err) {
      this.error = humanError(err)
    }
  }

  /**
   * Takes Go's status. One that ends by itself is dropped here at its end
   * too, should Go's dnd:changed come late (a window that was asleep); and
   * its words are redone at midnight on the way.
   */
  apply(s: DoNotDisturb): void {
    const now = this.clock.now()
    this.status = normalize(s, now)
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.timer = null
    const until = this.status.until ? Date.parse(this.status.until) : NaN
    if (!this.status.on || Number.isNaN(until)) return
    const d = new Date(now)
    const midnight = new Date(d.getFullYear(), d.getMonth(), d.getDate() + 1).getTime()
    const wait = Math.min(until, midnight) - now
    this.timer = this.clock.setTimeout(() => {
      this.timer = null
      this.tick++
      this.apply(this.status)
    }, Math.min(wait, MAX_TIMER_MS))
  }

  dispose(): void {
    this.off()
    if (this.timer !== null) this.clock.clearTimeout(this.timer)
    this.timer = null
  }
}

/** s as of now: a status whose end has passed is off. */
function normalize(s: DoNotDisturb, now: number): DoNotDisturb {
  if (!s.on) return { on: false }
  if (!s.until) return { on: true }
  const until = Date.parse(s.until)
  if (Number.isNaN(until)) return { on: true }
  return until <= now ? { on: false } : { on: true, until: s.until }
}

/**
 * The words for do not disturb as of now: "Available" when off; "Do not
 * disturb until 14:30" today, "… until tomorrow 08:00", "… until Friday
 * 08:00" later; "Do not disturb is on" until turned off.
 */
export function dndLabel(s: DoNotDisturb, now: number): string {
  const n = normalize(s, now)
  if (!n.on) return 'Available'
  if (!n.until) return 'Do not disturb is on'
  const until = Date.parse(n.until)
  const time = timeLabel(until)
  const day = (t: number) => {
    const d = new Date(t)
    return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()
  }
  const days = Math.round((day(until) - day(now)) / 86_400_000)
  if (days <= 0) return `Do not disturb until ${time}`
  if (days === 1) return `Do not disturb until tomorrow ${time}`
  return `Do not disturb until ${new Date(until).toLocaleDateString(undefined, { weekday: 'long' })} ${time}`
}
