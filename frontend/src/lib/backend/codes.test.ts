import { describe, expect, it } from 'vitest'
import { ClientCode, ErrorCode, isClientCode, isErrorCode } from './codes'
import { BackendError } from './errors'

describe('codes', () => {
  it('keeps the Go table and the client codes apart', () => {
    const go = Object.values(ErrorCode) as string[]
    const client = Object.values(ClientCode) as string[]
    expect(new Set(go).size).toBe(go.length)
    expect(go.filter((c) => client.includes(c))).toEqual([])
    for (const c of go) expect(c).toMatch(/^[a-z][a-z0-9_]*$/)
  })

  it.each([
    ['busy', true, false],
    ['bad_peer_id', true, false],
    ['disconnected', false, true],
    ['already in a call', false, false],
    [undefined, false, false],
  ])('%s: table %s, client %s', (v, table, client) => {
    expect(isErrorCode(v)).toBe(table)
    expect(isClientCode(v)).toBe(client)
  })
})

describe('BackendError.from', () => {
  it.each([
    ['a Wails payload', { code: 'offline', message: 'no route' }, 'offline', 'no route'],
    ['a payload with an unknown code', { code: 'teleported', message: 'x' }, 'failed', 'x'],
    ['a payload with no message', { code: 'busy', message: '' }, 'busy', 'Calls.Start failed'],
    ["Wails' own string", 'error parsing arguments', 'bad_request', 'error parsing arguments'],
    ['an Error', new Error('boom'), 'failed', 'boom'],
  ])('%s', (_name, err, code, message) => {
    expect(BackendError.from(err, 'Calls.Start')).toMatchObject({ code, message, method: 'Calls.Start' })
  })

  it('passes a BackendError through', () => {
    const e = new BackendError('no_call', 'gone', 'Calls.Hangup')
    expect(BackendError.from(e, 'x')).toBe(e)
  })
})
