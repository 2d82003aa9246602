import { describe, expect, test } from 'vitest'
import { AppState } from './app.svelte'
import { FakeBackend, FakeEngine, callInfo, flush, peerView } from './fakes'

function setup() {
  const backend = new FakeBackend()
  backend.peerList = [peerView({ id: 'BBBBBBB-CCCCCCC', name: 'Grace Hopper', online: true, contact: true, verified: true })]
  backend.settingsValue = { ...backend.settingsValue, camera: 'cam1', microphone: 'mic1' }
  const engine = new FakeEngine()
  const app = new AppState({ backend, engine, clipboard: null, devices: { devices: null, media: null, speakerChoice: false } })
  return { backend, engine, app }
}

describe('AppState', () => {
  test('load fills every part and hands the saved devices to calls', async () => {
    const { app } = setup()
    await app.load()
    expect(app.ready).toBe(true)
    expect(app.me.name).toBe('Ada')
    expect(app.people.list).toHaveLength(1)
    expect(app.call.chosen).toMatchObject({ camera: 'cam1', microphone: 'mic1' })
  })

  test('navigation: selecting a person shows the people tab; history marks missed calls seen', async () => {
    const { app } = setup()
    await app.load()
    app.show('settings')
    app.select('BBBBBBB-CCCCCCC')
    expect(app.tab).toBe('people')
    expect(app.selected?.name).toBe('Grace Hopper')
    app.history.unseenMissed = 2
    app.show('history')
    expect(app.history.unseenMissed).toBe(0)
  })

  test('the call uses the people list for names and verification', async () => {
    const { app, engine } = setup()
    await app.load()
    await app.callPerson('BBBBBBB-CCCCCCC', true)
    engine.to('calling', callInfo({ peerName: '' }))
    expect(app.call.peerName).toBe('Grace Hopper')
    expect(app.call.verified).toBe(true)
  })

  test('keyboard shortcuts reach the call', async () => {
    const { app, engine } = setup()
    engine.to('connected', callInfo())
    expect(app.key({ key: 'm', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false })).toBe(true)
    expect(engine.called('setMuted')).toEqual([[true]])
    expect(app.key({ key: 'x', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false })).toBe(false)
  })

  test('reloads when the link to the app comes back', async () => {
    const { app, backend } = setup()
    backend.setConnected(false)
    expect(app.connected).toBe(false)
    const before = backend.callsTo('peers.list').length
    backend.setConnected(true)
    await flush()
    expect(app.connected).toBe(true)
    expect(backend.callsTo('peers.list').length).toBeGreaterThan(before)
  })

  test('while the link to the app is down, nobody shows online', async () => {
    const { app, backend } = setup()
    await app.load()
    expect(app.people.get('BBBBBBB-CCCCCCC')?.online).toBe(true)
    backend.setConnected(false)
    expect(app.people.presenceKnown).toBe(false)
    expect(app.people.get('BBBBBBB-CCCCCCC')?.online).toBe(false)
    expect(app.people.onlineCount).toBe(0)
    backend.setConnected(true)
    await flush()
    expect(app.people.presenceKnown).toBe(true)
    expect(app.people.get('BBBBBBB-CCCCCCC')?.online).toBe(true)
  })

  test('dispose releases every subscription', () => {
    const { app, backend } = setup()
    app.dispose()
    for (const ev of ['peer:online', 'contact:changed', 'history:changed', 'settings:changed'] as const) expect(backend.listeners(ev)).toBe(0)
  })
})
