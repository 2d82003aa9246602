import { afterEach, describe, expect, test, vi } from 'vitest'
import { CallEvent, type StateChange } from '../call'
import { CallState } from './call.svelte'
import { CallWindowEngine } from './callwindow'
import { FakeBackend, callInfo, flush } from './fakes'

function setup(handoffMs = 1000) {
  const backend = new FakeBackend()
  const engine = new CallWindowEngine(backend, { handoffMs })
  const states: StateChange[] = []
  engine.on(CallEvent.State, (s) => states.push(s))
  return { backend, engine, states }
}

afterEach(() => {
  vi.useRealTimers()
})

describe('CallWindowEngine', () => {
  test('rings with Go and answers by opening the call window, staying busy until that window took the call', async () => {
    const { backend, engine } = setup()
    const incoming: unknown[] = []
    engine.on(CallEvent.Incoming, (i) => incoming.push(i))
    const ring = callInfo({ id: 'c9', direction: 'incoming', state: 'ringing', media: ['audio', 'video'] })
    backend.emit('call:incoming', { call: ring, offer: 'v=0' })
    expect(engine.state).toBe('ringing')
    expect(incoming).toEqual([{ call: ring, video: true }])

    let settled = false
    const accepting = engine.accept({ video: false }).then(() => (settled = true))
    await flush()
    expect(backend.callsTo('desktop.openCallWindow')).toEqual([[{ action: 'accept', call: 'c9', video: false }]])
    expect(settled).toBe(false) // still ringing: the call window has not answered yet
    backend.emit('call:state', { ...ring, state: 'connecting' })
    await accepting
    expect(engine.state).toBe('connecting')
  })

  test('placing a call opens the call window with the peer; Go\'s states follow', async () => {
    const { backend, engine, states } = setup()
    const placing = engine.placeCall('BBBBBBB-CCCCCCC', { video: true })
    await flush()
    expect(backend.callsTo('desktop.openCallWindow')).toEqual([[{ action: 'call', peer: 'BBBBBBB-CCCCCCC', video: true }]])
    backend.emit('call:state', callInfo({ id: 'c1', state: 'calling' }))
    await placing
    backend.emit('call:state', callInfo({ id: 'c1', state: 'connected' }))
    backend.emit('call:state', callInfo({ id: 'c1', state: 'ended', outcome: 'completed' }))
    expect(states.map((s) => s.state)).toEqual(['calling', 'connected', 'ended'])
    expect(states.at(-1)?.error).toBeNull()
  })

  test('a refused call ends with the reason', () => {
    const { backend, states } = setup()
    backend.emit('call:state', callInfo({ id: 'c1', state: 'calling' }))
    backend.emit('call:state', callInfo({ id: 'c1', state: 'ended', outcome: 'busy' }))
    expect(states.at(-1)?.error?.code).toBe('busy')
  })

  test('decline, cancel and hang up go straight to Go', async () => {
    const { backend, engine } = setup()
    backend.emit('call:state', callInfo({ id: 'c3', state: 'connected' }))
    await engine.hangup()
    await engine.cancel()
    await engine.decline()
    expect(backend.callsTo('calls.hangup')).toEqual([['c3']])
    expect(backend.callsTo('calls.cancel')).toEqual([['c3']])
    expect(backend.callsTo('calls.decline')).toEqual([['c3']])
  })

  test('a call window that never takes the call is an error the user can read', async () => {
    vi.useFakeTimers()
    const { backend, engine } = setup(5000)
    backend.impl('desktop.openCallWindow', () => ({ program: '/usr/bin/xdg-open', appMode: false }))
    const placing = engine.placeCall('BBBBBBB-CCCCCCC', { video: true })
    const check = expect(placing).rejects.toThrow(/did not take the call.*web browser/)
    await vi.advanceTimersByTimeAsync(5001)
    await check
  })

  test('a call window that cannot be opened says why', async () => {
    const { backend, engine } = setup()
    backend.impl('desktop.openCallWindow', () => {
      throw new Error('browser: no browser found')
    })
    await expect(engine.placeCall('BBBBBBB-CCCCCCC', { video: true })).rejects.toThrow(/could not be opened.*no browser found/)
  })

  test('refuses to place a second call or to answer with nothing ringing', async () => {
    const { backend, engine } = setup()
    await expect(engine.accept({ video: true })).rejects.toMatchObject({ code: 'wrong_state' })
    backend.emit('call:state', callInfo({ id: 'c1', state: 'connected' }))
    await expect(engine.placeCall('BBBBBBB-CCCCCCC', { video: true })).rejects.toMatchObject({ code: 'wrong_state' })
    expect(backend.callsTo('desktop.openCallWindow')).toEqual([])
  })

  test('catches up with a call that rang before the window opened, and ignores a late end of an older call', async () => {
    const backend = new FakeBackend()
    const ring = callInfo({ id: 'c2', direction: 'incoming', state: 'ringing' })
    backend.impl('calls.incoming', () => ({ call: ring, offer: 'v=0' }))
    const engine = new CallWindowEngine(backend)
    await flush()
    expect(engine.state).toBe('ringing')
    backend.emit('call:state', callInfo({ id: 'old', state: 'ended' }))
    expect(engine.state).toBe('ringing')
    expect(engine.call?.id).toBe('c2')
  })

  test('drives CallState: the incoming screen, then the call screen with no media of its own', async () => {
    const { backend, engine } = setup()
    const call = new CallState(engine)
    expect(call.elsewhere).toBe(true)
    backend.emit('call:incoming', { call: callInfo({ id: 'c5', direction: 'incoming', state: 'ringing' }), offer: 'v=0' })
    expect(call.screen).toBe('incoming')
    backend.emit('call:state', callInfo({ id: 'c5', direction: 'incoming', state: 'connected' }))
    expect(call.screen).toBe('call')
    expect(call.remoteStream).toBeNull()
    call.dispose()
    engine.dispose()
    expect(backend.listenerCount('call:state')).toBe(0)
  })

  test('after the link comes back, a call Go no longer has is shown as ended', async () => {
    const { backend, engine } = setup()
    await flush()
    backend.emit('call:state', callInfo({ id: 'c7', state: 'connected' }))
    await engine.sync()
    expect(engine.state).toBe('ended')
  })

  test("a group call: join legs never ring here, the window follows one leg and then the next, and hang up leaves them all", async () => {
    const { backend, engine, states } = setup()
    const incoming: unknown[] = []
    engine.on(CallEvent.Incoming, (i) => incoming.push(i))
    const b = callInfo({ id: 'cb', peer: 'B', state: 'connected', group: 'G' })
    backend.emit('call:state', b)
    // C joins: Go auto-accepts the leg in the call window; here it neither rings nor takes over the screen.
    const c = callInfo({ id: 'cc', peer: 'C', direction: 'incoming', state: 'ringing', group: 'G', autoAccept: true })
    backend.emit('call:incoming', { call: c, offer: 'v=0' })
    backend.emit('call:state', { ...c, state: 'connecting' })
    backend.emit('call:state', { ...c, state: 'connected' })
    expect(incoming).toEqual([])
    expect(engine.call?.id).toBe('cb')
    expect(states.map((s) => s.state)).toEqual(['connected'])
    await engine.hangup()
    expect(backend.callsTo('calls.hangup')).toEqual([['cb'], ['cc']])
    // B leaves: the call goes on with C.
    backend.emit('call:state', { ...b, state: 'ended', outcome: 'completed' })
    expect(engine.state).toBe('connected')
    expect(engine.call?.id).toBe('cc')
    expect(states.map((s) => s.state)).toEqual(['connected', 'connected'])
    backend.emit('call:state', { ...c, state: 'ended', outcome: 'completed' })
    expect(engine.state).toBe('ended')
  })

  test("after the link comes back, it finds its group call's legs by Calls.List (Calls.Current names only the oldest)", async () => {
    const { backend, engine } = setup()
    const b = callInfo({ id: 'cb', peer: 'B', state: 'connected', group: 'G' })
    const c = callInfo({ id: 'cc', peer: 'C', state: 'connected', group: 'G' })
    backend.impl('calls.list', () => [b, c])
    await engine.sync()
    expect(engine.call?.id).toBe('cb')
    // B left while the link was down: the window follows C, no "ended".
    backend.impl('calls.list', () => [c])
    await engine.sync()
    expect(engine.state).toBe('connected')
    expect(engine.call?.id).toBe('cc')
    await engine.hangup()
    expect(backend.callsTo('calls.hangup')).toEqual([['cc']])
    // C too: nothing is left.
    backend.impl('calls.list', () => [])
    await engine.sync()
    expect(engine.state).toBe('ended')
  })
})
