import { describe, expect, test } from 'vitest'
import { AppState, CALL_WINDOW_NOTICE_KEY } from './app.svelte'
import { CallWindowEngine } from './callwindow'
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
    for (const ev of ['peer:online', 'contact:changed', 'history:changed', 'settings:changed'] as const) expect(backend.listenerCount(ev)).toBe(0)
  })

  test('start loads, tells Go the window is up with what it can do, then does what the window was opened for', async () => {
    const { app, backend, engine } = setup()
    const caps = { webrtc: true, mediaDevices: true, window: 'browser' as const }
    await app.start(caps, { action: 'call', peer: 'BBBBBBB-CCCCCCC', video: false })
    expect(app.ready).toBe(true)
    expect(backend.callsTo('desktop.ready')).toEqual([[caps]])
    expect(engine.called('placeCall')).toEqual([['BBBBBBB-CCCCCCC', { video: false }]])
  })

  test('the call window answers the call that rings, picked up after the window opened', async () => {
    const { app, engine } = setup()
    engine.ringing = callInfo({ id: 'c42', direction: 'incoming', state: 'ringing' })
    await app.start({ webrtc: true, mediaDevices: true, window: 'browser' }, { action: 'accept', call: 'c42', video: true })
    expect(engine.called('pickUp')).toHaveLength(1)
    expect(engine.called('accept')).toEqual([[{ video: true }]])
  })

  test('a call window opened too late says the call stopped ringing and answers nothing', async () => {
    const { app, engine } = setup()
    engine.ringing = callInfo({ id: 'other', direction: 'incoming', state: 'ringing' })
    await app.runIntent({ action: 'accept', call: 'c42', video: true })
    expect(engine.called('accept')).toEqual([])
    expect(app.call.error?.message).toBe('That call is no longer ringing.')
  })

  test('the call-window explanation shows once, only where calls run elsewhere', () => {
    const backend = new FakeBackend()
    const store = new Map<string, string>()
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) }
    const devices = { devices: null, media: null, speakerChoice: false }
    const make = (engine = new CallWindowEngine(backend)) => new AppState({ backend, engine, storage, clipboard: null, devices })
    expect(new AppState({ backend, engine: new FakeEngine(), storage, clipboard: null, devices }).callWindowNotice).toBe(false)
    const first = make()
    expect(first.callWindowNotice).toBe(true)
    first.dismissCallWindowNotice()
    expect(first.callWindowNotice).toBe(false)
    expect(store.get(CALL_WINDOW_NOTICE_KEY)).toBe('1')
    expect(make().callWindowNotice).toBe(false)
  })
})

describe('AppState answering from the desktop notification', () => {
  function inWindow(kind: 'wails' | 'bridge') {
    const backend = new FakeBackend({ kind })
    const engine = new FakeEngine()
    engine.ringing = callInfo({ id: 'c42', direction: 'incoming', state: 'ringing' })
    const app = new AppState({ backend, engine, clipboard: null, devices: { devices: null, media: null, speakerChoice: false } })
    return { backend, engine, app }
  }

  test('call:answer makes the app window answer as its Answer button does', async () => {
    const { backend, engine, app } = inWindow('wails')
    await app.load()
    backend.emit('call:answer', { call: 'c42', video: false })
    await flush()
    expect(engine.called('accept')).toEqual([[{ video: false }]])
  })

  test('a call window on the bridge leaves call:answer to the app window', async () => {
    const { backend, engine, app } = inWindow('bridge')
    await app.load()
    backend.emit('call:answer', { call: 'c42', video: true })
    await flush()
    expect(engine.called('accept')).toEqual([])
  })
})

describe('AppState invite links opened elsewhere', () => {
  test('an invite:open event opens Add person once with the link to read', async () => {
    const { backend, app } = setup()
    await app.load()
    backend.emit('invite:open', { link: 'peerline://add?id=X' })
    expect(app.adding).toBe(true)
    const serial = app.inviteSerial
    expect(app.takeInvite()).toBe('peerline://add?id=X')
    expect(app.takeInvite()).toBeNull()
    backend.emit('invite:open', { link: 'peerline://add?id=Y' })
    expect(app.inviteSerial).toBe(serial + 1)
    expect(app.takeInvite()).toBe('peerline://add?id=Y')
  })
})
