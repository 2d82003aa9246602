import { describe, expect, it } from 'vitest'
import { BackendError, type CallInfo } from '../backend'
import { MediaError, MediaErrorCode } from '../media'
import { CallError, CallErrorCode, endError, toCallError } from './errors'

const info = (o: Partial<CallInfo>): CallInfo => ({
  id: 'c',
  peer: 'p',
  peerName: '',
  direction: 'outgoing',
  media: ['audio'],
  state: 'ended',
  verified: false,
  startedAt: '',
  ...o,
})

describe('endError', () => {
  it.each([
    ['completed', 'outgoing', 'you hung up', undefined, null],
    ['cancelled', 'outgoing', 'you cancelled', undefined, null],
    ['missed', 'incoming', 'the caller hung up', undefined, null],
    ['declined', 'incoming', 'you declined', undefined, null],
    ['declined', 'outgoing', 'the call was declined', undefined, 'declined'],
    ['busy', 'outgoing', 'busy in another call', undefined, 'busy'],
    ['busy', 'outgoing', 'the call is full (four people at most)', 'call_full', 'call_full'],
    ['no_answer', 'outgoing', 'no answer', undefined, 'no_answer'],
    ['unavailable', 'outgoing', 'peer is offline', 'offline', 'offline'],
    ['unavailable', 'outgoing', 'this contact is blocked', undefined, 'unavailable'],
    ['unavailable', 'outgoing', 'unavailable', undefined, 'unavailable'],
    ['unavailable', 'outgoing', 'not taking calls right now (do not disturb)', 'do_not_disturb', 'do_not_disturb'],
    ['failed', 'outgoing', 'could not reach the peer: dial tcp: refused', 'offline', 'offline'],
    ['failed', 'incoming', 'the caller can no longer be reached', 'offline', 'offline'],
    ['failed', 'outgoing', 'lost the connection to the peer before the call connected', 'offline', 'offline'],
    ['failed', 'outgoing', 'you hung up', undefined, null],
    ['failed', 'outgoing', 'the other side hung up', undefined, null],
    ['failed', 'outgoing', 'something broke', 'failed', 'connection_failed'],
    ['failed', 'incoming', 'no network path between you worked (ICE failed: no route)', 'connection_failed', 'connection_failed'],
    // The words decide nothing: the same reason without its cause is a hang-up.
    ['unavailable', 'outgoing', 'peer is offline', undefined, 'unavailable'],
    ['failed', 'outgoing', 'could not reach the peer', undefined, null],
  ] as const)('%s (%s, "%s", cause %s) → %s', (outcome, direction, reason, cause, code) => {
    const e = endError(info({ outcome, direction, reason, cause }))
    expect(e?.code ?? null).toBe(code)
    if (e) expect(e.message).toMatch(/^[A-Z].*\.$/) // a sentence for data-testid="call-error"
  })

  it('uses Go’s reason as the message where it says more', () => {
    expect(endError(info({ outcome: 'unavailable', reason: 'this contact is blocked' }))?.message).toBe('This contact is blocked.')
    expect(endError(info({ outcome: 'busy', reason: 'busy in another call' }))?.message).toBe('They are in another call.')
  })
})

describe('toCallError', () => {
  it('keeps media error codes and messages', () => {
    const e = toCallError(new MediaError('permission_denied'))
    expect(e).toBeInstanceOf(CallError)
    expect(e.code).toBe('permission_denied')
    expect(e.message).toBe(MediaError.message('permission_denied'))
  })

  it.each([
    [new BackendError('busy', 'calls: already in a call'), 'busy'],
    [new BackendError('no_call', 'calls: no such call'), 'wrong_state'],
    [new BackendError('wrong_state', 'calls: not possible in this call state'), 'wrong_state'],
    [new BackendError('offline', 'calls: send invite to K3F: peer is offline'), 'offline'],
    [new BackendError('disconnected', 'Calls.Start: the connection to the app was lost'), 'backend'],
    [new BackendError('unavailable', 'Calls.Start: no connection to the app'), 'backend'],
    [new BackendError('bad_peer_id', 'not a peer id: bad check digit'), 'backend'],
    [new BackendError('own_id', 'calls: that is your own id'), 'backend'],
    [{ code: 'busy', message: 'calls: already in a call' }, 'busy'],
    [new Error('boom'), 'backend'],
    ['boom', 'backend'],
  ] as const)('%s → %s', (err, code) => {
    const e = toCallError(err)
    expect(e.code).toBe(code)
    expect(e.message.length).toBeGreaterThan(0)
    expect(e.message).not.toMatch(/^calls: /)
  })

  // The code decides, never the English text: a failure whose message
  // happens to read like another code's stays what its code says.
  it.each([
    [new BackendError('failed', 'calls: already in a call'), 'backend'],
    [new BackendError('failed', 'calls: no such call'), 'backend'],
    [new BackendError('failed', 'peer is offline'), 'backend'],
    [new BackendError('busy', 'something else entirely'), 'busy'],
  ] as const)('%s → %s (by code only)', (err, code) => {
    expect(toCallError(err).code).toBe(code)
  })

  it('says why in words for the codes people meet', () => {
    expect(toCallError(new BackendError('busy', 'x')).message).toBe('You are already in a call.')
    expect(toCallError(new BackendError('disconnected', 'x')).message).toBe('Lost the connection to the Peerline app.')
    expect(toCallError(new BackendError('failed', 'store: database is locked')).message).toBe('Store: database is locked.')
  })

  it('passes CallErrors through', () => {
    const e = new CallError('no_answer')
    expect(toCallError(e)).toBe(e)
    expect(e.message).toBe('No answer.')
  })
})

describe('CallErrorCode', () => {
  it('holds the media codes and the call codes as wire strings, each once', () => {
    const values = Object.values(CallErrorCode)
    expect(new Set(values).size).toBe(values.length)
    for (const v of Object.values(MediaErrorCode)) expect(values).toContain(v)
    expect(CallErrorCode.NoAnswer).toBe('no_answer')
    for (const v of values) expect(CallError.message(v)).toMatch(/\S/)
  })

  it('saysDefault tells a default message from a specific one', () => {
    expect(new CallError(CallErrorCode.Offline).saysDefault).toBe(true)
    expect(new CallError(CallErrorCode.Offline, 'Their server is down.').saysDefault).toBe(false)
  })
})
