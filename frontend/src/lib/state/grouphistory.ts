/**
 * How the history shows a group call: Go folds its legs (one per other
 * person) into one entry with `group` and `participants` (app/api
 * ParticipantView; docs/decisions.md "Group calls in history"). Pure
 * functions, so the view stays thin and tests need no DOM. A 1:1 entry
 * has neither field, and none of this applies to it.
 */
import type { HistoryEntry, HistoryMessage, HistoryParticipant } from '../backend'

/** The best name for a peer: a contact's or the one Go recorded (fallback). */
export type NameOf = (peer: string, fallback: string) => string

/** Whether e is a group call's entry. */
export function isGroupEntry(e: Pick<HistoryEntry, 'group'>): boolean {
  return !!e.group
}

/** Whether p was in the call with us (answered, or still in it). */
export function tookPart(p: Pick<HistoryParticipant, 'outcome' | 'answeredAt'>): boolean {
  return p.outcome === 'completed' || p.outcome === 'ongoing' || (p.answeredAt ?? 0) > 0
}

/**
 * "Group call · Ana, Ben, Cy": the people who took part; when nobody did
 * (an invite we missed or declined), everyone the entry names, the others
 * its invite said were in the call too.
 */
export function groupTitle(e: Pick<HistoryEntry, 'participants' | 'members'>, nameOf: NameOf): string {
  const all = e.participants ?? []
  const took = all.some(tookPart)
  const shown = took ? all.filter(tookPart) : all
  const names = shown.map((p) => nameOf(p.peer, p.peerName))
  if (!took) names.push(...(e.members ?? []).map((m) => nameOf(m, '')))
  return names.length > 0 ? `Group call · ${names.join(', ')}` : 'Group call'
}

/** Who calling a group entry again calls: those who took part first, then the others it names, each once. */
export function groupPeers(e: Pick<HistoryEntry, 'participants' | 'members'>): string[] {
  const ps = e.participants ?? []
  const order = [...ps.filter(tookPart).map((p) => p.peer), ...ps.filter((p) => !tookPart(p)).map((p) => p.peer), ...(e.members ?? [])]
  return [...new Set(order)]
}

/** What became of one person of a group call, from this side. */
export function participantLabel(p: Pick<HistoryParticipant, 'outcome' | 'direction' | 'cause' | 'answeredAt'>): string {
  const incoming = p.direction === 'incoming'
  if (p.cause === 'call_full') return 'Call was full'
  switch (p.outcome) {
    case 'completed':
      return 'In the call'
    case 'ongoing':
      return 'In the call now'
    case 'declined':
      return incoming ? 'You declined' : 'Declined'
    case 'missed':
      return 'Missed'
    case 'busy':
      return incoming ? 'Missed (you were busy)' : 'Busy'
    case 'cancelled':
      return incoming ? 'Missed' : 'Cancelled'
    case 'timeout':
    case 'no_answer':
      return incoming ? 'Missed' : 'No answer'
    case 'unavailable':
      return incoming ? 'Missed' : 'Could not reach them'
    case 'failed':
      return (p.answeredAt ?? 0) > 0 ? 'Connection failed' : 'Could not connect'
    case 'interrupted':
      return 'Interrupted'
    default:
      return incoming ? 'Incoming' : 'Outgoing'
  }
}

/** Who wrote a message kept with e: one of its people by id, else us. */
export function senderName(m: Pick<HistoryMessage, 'from'>, e: Pick<HistoryEntry, 'peer' | 'peerName' | 'participants'>, nameOf: NameOf): string {
  const p = e.participants?.find((x) => x.peer === m.from)
  if (p) return nameOf(p.peer, p.peerName)
  if (m.from === e.peer) return nameOf(e.peer, e.peerName)
  return 'You'
}

/** Whether peer is in e: its other side, or one of a group call's people. */
export function entryInvolves(e: Pick<HistoryEntry, 'peer' | 'participants'>, peer: string): boolean {
  return e.peer === peer || !!e.participants?.some((p) => p.peer === peer)
}

/** One entry as a person's page lists it (PersonView "Recent calls"). */
export interface PersonLine {
  label: string
  problem: boolean
  direction: string
  durationMs: number
}

/**
 * Entry e as seen from one person in it: a 1:1 call as it is; a group
 * call with what became of that person ("Group call · Declined"), not of
 * the call as a whole, whose outcome is anyone's (completed when others
 * talked while this person declined or was refused as full).
 */
export function personLine(e: HistoryEntry, peer: string, wholeLabel: (e: HistoryEntry) => string, wholeProblem: (e: HistoryEntry) => boolean): PersonLine {
  const p = isGroupEntry(e) ? e.participants?.find((x) => x.peer === peer) : undefined
  if (!p) {
    const label = isGroupEntry(e) ? `Group call · ${wholeLabel(e)}` : wholeLabel(e)
    return { label, problem: wholeProblem(e), direction: e.direction, durationMs: e.durationMs }
  }
  const problem = p.cause === 'call_full' || (!tookPart(p) && wholeProblem({ ...e, outcome: p.outcome, direction: p.direction }))
  return { label: `Group call · ${participantLabel(p)}`, problem, direction: p.direction, durationMs: p.durationMs }
}
