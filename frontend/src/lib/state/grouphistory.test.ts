import { describe, expect, it } from 'vitest'
import type { HistoryEntry, HistoryParticipant } from '../backend'
import { entryInvolves, groupPeers, groupTitle, isGroupEntry, participantLabel, personLine, senderName, tookPart, type NameOf } from './grouphistory'

const person = (peer: string, outcome: string, more: Partial<HistoryParticipant> = {}): HistoryParticipant => ({
  peer,
  peerName: peer.toUpperCase(),
  direction: 'outgoing',
  outcome,
  startedAt: 1,
  durationMs: 0,
  ...more,
})

const entry = (participants?: HistoryParticipant[]): HistoryEntry => ({
  callId: 'x',
  peer: 'ana',
  peerName: 'Ana (recorded)',
  direction: 'outgoing',
  media: 'video',
  outcome: 'completed',
  startedAt: 1,
  durationMs: 0,
  ...(participants ? { group: 'x', participants } : {}),
})

/** Contacts' names win over the recorded ones, as in the view. */
const contacts: Record<string, string> = { ana: 'Ana', ben: 'Ben' }
const nameOf: NameOf = (peer, fallback) => contacts[peer] || fallback || peer

describe('group history', () => {
  it('tells group entries from 1:1 ones', () => {
    expect(isGroupEntry(entry())).toBe(false)
    expect(isGroupEntry(entry([person('ana', 'completed')]))).toBe(true)
  })

  it.each([
    ['everyone who took part', [person('ana', 'completed'), person('ben', 'completed'), person('cy', 'completed')], 'Group call · Ana, Ben, CY'],
    ['not those who declined or were refused', [person('ana', 'completed'), person('ben', 'declined'), person('cy', 'busy', { cause: 'call_full' })], 'Group call · Ana'],
    ['an invite nobody answered: who asked', [person('ana', 'missed', { direction: 'incoming' })], 'Group call · Ana'],
    ['a failed leg that was answered took part', [person('ana', 'completed'), person('ben', 'failed', { answeredAt: 5 })], 'Group call · Ana, Ben'],
    ['no people at all', [], 'Group call'],
  ])('titles %s', (_name, ps, want) => {
    expect(groupTitle(entry(ps), nameOf)).toBe(want)
  })

  it('names the others a missed invite said were in the call, only when nobody took part', () => {
    const missed = { ...entry([person('ana', 'missed', { direction: 'incoming' })]), members: ['ben', 'cy'] }
    expect(groupTitle(missed, nameOf)).toBe('Group call · Ana, Ben, cy')
    const joined = { ...entry([person('ana', 'completed')]), members: ['cy'] }
    expect(groupTitle(joined, nameOf)).toBe('Group call · Ana')
  })

  it('calls again those who took part first, then the rest it names, each once', () => {
    const e = { ...entry([person('ana', 'declined'), person('ben', 'completed')]), members: ['cy', 'ben'] }
    expect(groupPeers(e)).toEqual(['ben', 'ana', 'cy'])
    expect(groupPeers(entry([]))).toEqual([])
  })

  it.each([
    [person('a', 'completed'), 'In the call'],
    [person('a', 'ongoing'), 'In the call now'],
    [person('a', 'declined'), 'Declined'],
    [person('a', 'declined', { direction: 'incoming' }), 'You declined'],
    [person('a', 'missed', { direction: 'incoming' }), 'Missed'],
    [person('a', 'busy', { cause: 'call_full' }), 'Call was full'],
    [person('a', 'busy', { direction: 'incoming', cause: 'call_full' }), 'Call was full'],
    [person('a', 'busy'), 'Busy'],
    [person('a', 'no_answer'), 'No answer'],
    [person('a', 'unavailable'), 'Could not reach them'],
    [person('a', 'failed'), 'Could not connect'],
    [person('a', 'failed', { answeredAt: 3 }), 'Connection failed'],
    [person('a', 'something_new'), 'Outgoing'],
  ])('labels %j as %s', (p, want) => {
    expect(participantLabel(p)).toBe(want)
  })

  it('knows who took part', () => {
    expect(tookPart(person('a', 'completed'))).toBe(true)
    expect(tookPart(person('a', 'declined'))).toBe(false)
    expect(tookPart(person('a', 'failed', { answeredAt: 2 }))).toBe(true)
  })

  it('names the senders of a group chat, and of a 1:1 chat as before', () => {
    const g = entry([person('ana', 'completed'), person('cy', 'completed')])
    expect(senderName({ from: 'cy' }, g, nameOf)).toBe('CY')
    expect(senderName({ from: 'ana' }, g, nameOf)).toBe('Ana')
    expect(senderName({ from: 'me' }, g, nameOf)).toBe('You')
    const one = entry()
    expect(senderName({ from: 'ana' }, one, nameOf)).toBe('Ana')
    expect(senderName({ from: 'me' }, one, nameOf)).toBe('You')
  })

  it('finds a person in a group entry', () => {
    const g = entry([person('ana', 'completed'), person('cy', 'declined')])
    expect(entryInvolves(g, 'cy')).toBe(true)
    expect(entryInvolves(g, 'zed')).toBe(false)
    expect(entryInvolves(entry(), 'ana')).toBe(true)
  })
})

describe('personLine', () => {
  const label = (e: HistoryEntry) => `whole ${e.outcome}`
  const problem = (e: HistoryEntry) => e.outcome !== 'completed' && !(e.outcome === 'declined' && e.direction === 'incoming')
  const g = entry([
    person('ana', 'completed', { answeredAt: 2, durationMs: 60_000 }),
    person('ben', 'declined'),
    person('cy', 'busy', { cause: 'call_full' }),
  ])
  it('says what became of that person, not of the whole call', () => {
    expect(personLine(g, 'ana', label, problem)).toEqual({ label: 'Group call · In the call', problem: false, direction: 'outgoing', durationMs: 60_000 })
    expect(personLine(g, 'ben', label, problem)).toEqual({ label: 'Group call · Declined', problem: true, direction: 'outgoing', durationMs: 0 })
    expect(personLine(g, 'cy', label, problem)).toMatchObject({ label: 'Group call · Call was full', problem: true })
  })
  it('leaves a 1:1 call as it is', () => {
    const one = entry()
    expect(personLine(one, 'ana', label, problem)).toEqual({ label: 'whole completed', problem: false, direction: 'outgoing', durationMs: 0 })
  })
})
