import { describe, expect, test } from 'vitest'
import type { HistoryEntry } from '../backend'
import { HistoryState, groupByDay } from './history.svelte'
import { FakeBackend, flush } from './fakes'

const day = 86_400_000
const now = new Date(2025, 0, 10, 12, 0).getTime()

function entry(id: string, startedAt: number, e: Partial<HistoryEntry> = {}): HistoryEntry {
  return { callId: id, peer: 'P', peerName: 'Grace', direction: 'outgoing', media: 'video', outcome: 'completed', startedAt, durationMs: 1000, ...e }
}

describe('groupByDay', () => {
  test('groups consecutive entries under Today, Yesterday, …', () => {
    const days = groupByDay([entry('a', now - 1000), entry('b', now - 2000), entry('c', now - day), entry('d', now - 30 * day)], now)
    expect(days.map((d) => [d.label, d.entries.length])).toEqual([
      ['Today', 2],
      ['Yesterday', 1],
      [expect.any(String), 1],
    ])
  })
})

describe('HistoryState', () => {
  test('loads the newest page and more on demand', async () => {
    const backend = new FakeBackend()
    backend.impl('history.list', (_limit: number, before: string) =>
      before === '' ? { entries: [entry('a', now), entry('b', now - 1)], next: 'cur1' } : { entries: [entry('b', now - 1), entry('c', now - 2)] },
    )
    const h = new HistoryState(backend)
    await h.refresh()
    expect(h.entries.map((e) => e.callId)).toEqual(['a', 'b'])
    expect(h.next).toBe('cur1')
    await h.loadMore()
    expect(h.entries.map((e) => e.callId)).toEqual(['a', 'b', 'c']) // no duplicates
    expect(h.next).toBe('')
    await h.loadMore() // at the end: no request
    expect(backend.callsTo('history.list')).toHaveLength(2)
  })

  test('history:changed reloads and counts missed calls until seen', async () => {
    const backend = new FakeBackend()
    const h = new HistoryState(backend)
    backend.emit('history:changed', entry('m', now, { direction: 'incoming', outcome: 'missed' }))
    backend.emit('history:changed', null)
    await flush()
    expect(h.unseenMissed).toBe(1)
    expect(backend.callsTo('history.list').length).toBeGreaterThanOrEqual(1)
    h.markSeen()
    expect(h.unseenMissed).toBe(0)
  })

  test('delete is optimistic and rolls back on failure', async () => {
    const backend = new FakeBackend()
    backend.impl('history.list', () => ({ entries: [entry('a', now), entry('b', now - 1)] }))
    const h = new HistoryState(backend)
    await h.refresh()
    await h.remove('a')
    expect(h.entries.map((e) => e.callId)).toEqual(['b'])
    backend.impl('history.delete', () => {
      throw new Error('store: delete history: disk full')
    })
    await h.remove('b')
    expect(h.entries.map((e) => e.callId)).toEqual(['b'])
    expect(h.error).toBe('Delete history: disk full.')
  })

  test('clear empties the list', async () => {
    const backend = new FakeBackend()
    backend.impl('history.list', () => ({ entries: [entry('a', now)], next: 'x' }))
    const h = new HistoryState(backend)
    await h.refresh()
    await h.clear()
    expect(h.entries).toEqual([])
    expect(h.next).toBe('')
    expect(backend.callsTo('history.clear')).toHaveLength(1)
  })
})
