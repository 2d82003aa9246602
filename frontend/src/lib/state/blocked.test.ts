import { describe, expect, test } from 'vitest'
import { CallEvent } from '../call'
import { AppState } from './app.svelte'
import { outcomeLabel } from './labels'
import { PeopleState } from './people.svelte'
import { FakeBackend, FakeEngine, callInfo, peerView } from './fakes'

function setup() {
  const backend = new FakeBackend()
  backend.peerList = [peerView({ id: 'GGGGGGG-HHHHHHH', name: 'Grace', online: true, contact: true, verified: true })]
  const engine = new FakeEngine()
  const app = new AppState({ backend, engine, clipboard: null, devices: { devices: null, media: null, speakerChoice: false } })
  return { backend, engine, app }
}

describe('blocking', () => {
  test('Block on the incoming-call screen declines, blocks the caller by the name it called with, and lists it', async () => {
    const { app, backend, engine } = setup()
    await app.load()
    const info = callInfo({ peer: 'SSSSSSS-TTTTTTT', peerName: 'Mallory', direction: 'incoming', state: 'ringing', verified: false })
    engine.emit(CallEvent.Incoming, { call: info, video: true })
    engine.to('ringing', info)
    backend.impl('contacts.blocked', () => [{ id: 'SSSSSSS-TTTTTTT', name: 'Mallory', contact: false, blockedAt: 1 }])

    await app.blockCaller()
    expect(engine.called('decline')).toHaveLength(1)
    expect(backend.callsTo('contacts.block')).toEqual([['SSSSSSS-TTTTTTT', 'Mallory']])
    expect(app.blocked.list.map((b) => b.name)).toEqual(['Mallory'])
  })

  test('the blocked list loads with Settings and unblocks', async () => {
    const { app, backend } = setup()
    backend.blockedList = [{ id: 'SSSSSSS-TTTTTTT', name: 'Mallory', contact: false, blockedAt: 1 }]
    app.show('settings')
    await app.blocked.load()
    expect(app.blocked.list).toHaveLength(1)
    await app.blocked.unblock('SSSSSSS-TTTTTTT')
    expect(backend.callsTo('contacts.setBlocked')).toEqual([['SSSSSSS-TTTTTTT', false]])
    expect(app.blocked.list).toEqual([])
  })
})

describe('someone using a contact name', () => {
  test('the incoming call carries the contact it imitates', () => {
    const { app, engine } = setup()
    engine.to('ringing', callInfo({ direction: 'incoming', verified: false, sameNameAs: 'Grace' }))
    expect(app.call.sameNameAs).toBe('Grace')
  })

  test('a stranger with a contact name is named as such; the contact is not', async () => {
    const backend = new FakeBackend()
    backend.peerList = [
      peerView({ id: 'GGGGGGG-HHHHHHH', name: 'Grace', contact: true, verified: true }),
      peerView({ id: 'SSSSSSS-TTTTTTT', name: 'grace', online: true, lan: true, contact: false }),
      peerView({ id: 'OOOOOOO-PPPPPPP', name: 'Otto', online: true, lan: true, contact: false }),
    ]
    const people = new PeopleState(backend)
    await people.refresh()
    expect(people.sameNameAs(people.get('SSSSSSS-TTTTTTT')!)).toBe('Grace')
    expect(people.sameNameAs(people.get('GGGGGGG-HHHHHHH')!)).toBe('')
    expect(people.sameNameAs(people.get('OOOOOOO-PPPPPPP')!)).toBe('')
    expect(people.get('GGGGGGG-HHHHHHH')?.keyChanged).toBe(false)
  })
})

test('a coalesced missed entry says how many times', () => {
  expect(outcomeLabel({ outcome: 'missed', direction: 'incoming', attempts: 59 })).toBe('Missed call · 59 times')
  expect(outcomeLabel({ outcome: 'missed', direction: 'incoming' })).toBe('Missed call')
})
