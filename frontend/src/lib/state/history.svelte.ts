/** The call history: pages of entries, newest first; delete and clear. */
import { EventName, type Backend, type HistoryEntry, type HistoryMessage } from '../backend'
import { dayLabel, humanError } from './labels'

/** Entries of one day under its heading. */
export interface HistoryDay {
  label: string
  entries: HistoryEntry[]
}

/** Groups entries (newest first) by calendar day. */
export function groupByDay(entries: HistoryEntry[], now = Date.now()): HistoryDay[] {
  const out: HistoryDay[] = []
  for (const e of entries) {
    const label = dayLabel(e.startedAt, now)
    const last = out[out.length - 1]
    if (last && last.label === label) last.entries.push(e)
    else out.push({ label, entries: [e] })
  }
  return out
}

export const HISTORY_PAGE = 50

export class HistoryState {
  entries = $state<HistoryEntry[]>([])
  /** Cursor of the next older page; "" at the end. */
  next = $state('')
  loading = $state(false)
  loaded = $state(false)
  error = $state<string | null>(null)

  readonly days = $derived(groupByDay(this.entries))
  /** Missed calls since the history was last viewed (for the tab badge). */
  unseenMissed = $state(0)
  /** The chat of each call whose chat is open, by call id. */
  chats = $state<Record<string, HistoryMessage[]>>({})

  private readonly backend: Backend
  private readonly off: () => void
  private seq = 0

  constructor(backend: Backend) {
    this.backend = backend
    this.off = backend.on(EventName.HistoryChanged, (entry) => {
      // A stranger's coalesced entry is announced again as its count grows: one missed call for the badge.
      if (entry && entry.direction === 'incoming' && entry.outcome === 'missed' && (entry.attempts ?? 1) <= 1) this.unseenMissed++
      void this.refresh()
    })
  }

  /** Reloads the newest page (keeps as many entries as were shown). */
  async refresh(): Promise<void> {
    const mine = ++this.seq
    this.loading = true
    try {
      const page = await this.backend.history.list(Math.max(HISTORY_PAGE, this.entries.length), '')
      if (mine !== this.seq) return
      this.entries = page.entries ?? []
      this.next = page.next ?? ''
      this.error = null
    } catch (err) {
      if (mine === this.seq) this.error = humanError(err)
    } finally {
      if (mine === this.seq) {
        this.loading = false
        this.loaded = true
      }
    }
  }

  /** Appends the next older page. */
  async loadMore(): Promise<void> {
    if (!this.next || this.loading) return
    const mine = ++this.seq
    this.loading = true
    try {
      const page = await this.backend.history.list(HISTORY_PAGE, this.next)
      if (mine !== this.seq) return
      const have = new Set(this.entries.map((e) => e.callId))
      this.entries = [...this.entries, ...(page.entries ?? []).filter((e) => !have.has(e.callId))]
      this.next = page.next ?? ''
    } catch (err) {
      if (mine === this.seq) this.error = humanError(err)
    } finally {
      if (mine === this.seq) this.loading = false
    }
  }

  async remove(callId: string): Promise<void> {
    const before = this.entries
    this.entries = this.entries.filter((e) => e.callId !== callId)
    try {
      await this.backend.history.delete(callId)
    } catch (err) {
      this.entries = before
      this.error = humanError(err)
    }
  }

  async clear(): Promise<void> {
    try {
      await this.backend.history.clear()
      this.entries = []
      this.next = ''
      this.unseenMissed = 0
    } catch (err) {
      this.error = humanError(err)
    }
  }

  /** Shows or hides the chat kept with a call. */
  async toggleChat(callId: string): Promise<void> {
    if (this.chats[callId]) {
      const { [callId]: _, ...rest } = this.chats
      this.chats = rest
      return
    }
    try {
      const ms = await this.backend.history.messages(callId)
      this.chats = { ...this.chats, [callId]: ms }
    } catch (err) {
      this.error = humanError(err)
    }
  }

  /** The user looked at the history. */
  markSeen(): void {
    this.unseenMissed = 0
  }

  dispose(): void {
    this.off()
  }
}
