import { describe, expect, test } from 'vitest'
import { BackendError } from '../backend/errors'
import { compactId, explainDiagnosis, hueOf, humanError, initials, lengthLabel, outcomeIsProblem, outcomeLabel } from './labels'

describe('labels', () => {
  test.each([
    { name: 'Ada Lovelace', want: 'AL' },
    { name: 'grace', want: 'G' },
    { name: '  ', want: '?' },
    { name: 'Émile Zola Jr', want: 'ÉJ' },
  ])('initials($name) = $want', ({ name, want }) => expect(initials(name)).toBe(want))

  test.each([
    { ms: 4_200, want: '4 s' },
    { ms: 180_000, want: '3 min' },
    { ms: 3_900_000, want: '1 h 5 min' },
    { ms: 7_200_000, want: '2 h' },
  ])('lengthLabel($ms) = $want', ({ ms, want }) => expect(lengthLabel(ms)).toBe(want))

  test.each([
    { e: { outcome: 'completed', direction: 'incoming' }, label: 'Incoming call', problem: false },
    { e: { outcome: 'missed', direction: 'incoming' }, label: 'Missed call', problem: true },
    { e: { outcome: 'declined', direction: 'outgoing' }, label: 'They declined', problem: true },
    { e: { outcome: 'declined', direction: 'incoming' }, label: 'Declined', problem: false },
    { e: { outcome: 'cancelled', direction: 'outgoing' }, label: 'Cancelled', problem: false },
    { e: { outcome: 'timeout', direction: 'outgoing' }, label: 'No answer', problem: true },
    { e: { outcome: 'unavailable', direction: 'outgoing' }, label: 'Could not reach them', problem: true },
    { e: { outcome: 'busy', direction: 'outgoing' }, label: 'They were busy', problem: true },
  ])('outcome $e.outcome/$e.direction', ({ e, label, problem }) => {
    expect(outcomeLabel(e)).toBe(label)
    expect(outcomeIsProblem(e)).toBe(problem)
  })

  test('every discovery reason has words', () => {
    for (const reason of ['ok', 'not_running', 'no_interface', 'advertise_failed', 'browse_failed', 'multicast_blocked', 'peers_unreachable', 'no_peers'] as const) {
      const x = explainDiagnosis({ lan: { reason, detail: '', interfaces: [], heardSelf: false, announced: 0, unreachable: 0, online: 0 }, servers: {} })
      expect(x?.title).toBeTruthy()
      expect(x?.detail).toBeTruthy()
    }
    expect(explainDiagnosis(null)).toBeNull()
    expect(explainDiagnosis({ lan: null, servers: {} })?.title).toBe('Network discovery is off')
    expect(explainDiagnosis({ lan: null, servers: { 'wss://x': { connected: false } } })?.title).toMatch(/Not connected/)
  })

  test.each([
    { in: new Error('store: put settings: invalid: display name: too long'), want: 'Display name: too long.' },
    { in: new BackendError('own_id', 'that is your own id'), want: 'That is your own ID.' },
    { in: new BackendError('bad_peer_id', 'not a peer id: x'), want: 'That does not look like a Peerline ID. It has 8 groups of 7 letters and digits; copy it from their app.' },
    { in: new BackendError('disconnected', 'Contacts.Add: the connection to the app was lost'), want: 'Contacts.Add: the connection to the app was lost' },
    // Text alone decides nothing: no code, no special words.
    { in: 'not a peer id', want: 'Not a peer id.' },
    { in: new Error(''), want: 'Something went wrong.' },
  ])('humanError($in)', ({ in: err, want }) => expect(humanError(err)).toBe(want))

  test('ids', () => {
    expect(compactId('abc-def g')).toBe('ABCDEFG')
    expect(hueOf('x')).toBe(hueOf('x'))
    expect(hueOf('x')).toBeGreaterThanOrEqual(0)
  })
})
