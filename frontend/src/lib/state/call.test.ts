import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest'
import { CallError, CallEvent } from '../call'
import { CallState } from './call.svelte'
import { FakeEngine, callInfo, fakeAlerts, flush } from './fakes'

let clock = 0

function setup(opts: { names?: Record<string, string>; verified?: Record<string, boolean> } = {}) {
  const engine = new FakeEngine()
  const alerts = fakeAlerts()
  const call = new CallState(engine, {
    alerts,
    nameOf: (id) => opts.names?.[id],
    verifiedOf: (id) => opts.verified?.[id],
    now: () => clock,
    lingerMs: 1000,
    noticeMs: 2000,
  })
  return { engine, alerts, call }
}

beforeEach(() => {
  vi.useFakeTimers()
  clock = Date.parse('2025-01-01T10:00:00Z')
})
afterEach(() => {
  vi.useRealTimers()
})

function tick(ms: number) {
  clock += ms
  vi.advanceTimersByTime(ms)
}

describe('CallState screens', () => {
  test('outgoing video call: calling → ringing → connecting → connected → ended', async () => {
    const { engine, call, alerts } = setup({ names: { 'BBBBBBB-CCCCCCC': 'Grace Hopper' }, verified: { 'BBBBBBB-CCCCCCC': true } })
    expect(call.state).toBe('idle')
    expect(call.screen).toBe('none')

    await call.placeCall('BBBBBBB-CCCCCCC', true)
    expect(engine.called('placeCall')).toEqual([['BBBBBBB-CCCCCCC', { video: true }]])
    // Before the app answers with CallInfo, the target is known.
    engine.to('calling', null)
    expect(call.screen).toBe('outgoing')
    expect(call.peerName).toBe('Grace Hopper')
    expect(call.video).toBe(true)
    expect(call.direction).toBe('outgoing')
    expect(call.verified).toBe(true)

    engine.to('ringing', callInfo())
    expect(call.screen).toBe('outgoing')
    expect(alerts.log).toContain('ringback')

    engine.to('connecting')
    expect(call.screen).toBe('call')
    expect(alerts.log.at(-1)).toBe('stop')

    engine.to('connected', callInfo({ connectedAt: new Date(clock).toISOString(), safetyCode: '1234 5678 9012' }))
    expect(call.safetyCode).toBe('1234 5678 9012')
    expect(call.elapsedMs).toBe(0)
    tick(65_000)
    expect(call.elapsedMs).toBe(65_000)

    engine.to('ended', callInfo({ outcome: 'completed', reason: 'you hung up' }))
    expect(call.screen).toBe('ended')
    expect(call.error).toBeNull()
    tick(1000)
    expect(call.screen).toBe('none')
    expect(call.state).toBe('ended') // data-testid="call-state" keeps saying so
  })

  test('audio-only call', async () => {
    const { engine, call } = setup()
    await call.placeCall('BBBBBBB-CCCCCCC', false)
    engine.to('calling', callInfo({ media: ['audio'] }))
    expect(call.video).toBe(false)
    expect(call.peerName).toBe('Grace') // the call's own name when the list has none
  })

  test('reconnecting keeps the call screen and the timer', async () => {
    const { engine, call } = setup()
    engine.to('connected', callInfo({ connectedAt: new Date(clock).toISOString() }))
    tick(3000)
    engine.to('reconnecting')
    expect(call.screen).toBe('call')
    expect(call.state).toBe('reconnecting')
    tick(2000)
    expect(call.elapsedMs).toBe(5000)
    engine.to('connected')
    expect(call.elapsedMs).toBe(5000)
  })

  test('a first call is not "known" even once the answer pinned the key', async () => {
    const verified: Record<string, boolean> = { 'BBBBBBB-CCCCCCC': false }
    const { engine, call } = setup({ verified })
    await call.placeCall('BBBBBBB-CCCCCCC', true)
    engine.to('ringing', callInfo({ verified: false }))
    expect(call.verified).toBe(false)
    // The answer pins the key: the contact now reads verified, this call still does not.
    verified['BBBBBBB-CCCCCCC'] = true
    engine.to('connected', callInfo({ state: 'connected', verified: false }))
    expect(call.verified).toBe(false)
  })

  test('a later call with a pinned key is known', async () => {
    const { engine, call } = setup({ verified: { 'BBBBBBB-CCCCCCC': true } })
    await call.placeCall('BBBBBBB-CCCCCCC', true)
    engine.to('ringing', callInfo({ verified: false }))
    expect(call.verified).toBe(true)
    engine.to('connected', callInfo({ state: 'connected', verified: true }))
    expect(call.verified).toBe(true)
  })
})

describe('CallState incoming', () => {
  test('rings, notifies with the name, accepts audio-only', async () => {
    const { engine, call, alerts } = setup({ names: { 'BBBBBBB-CCCCCCC': 'Grace Hopper' } })
    const info = callInfo({ direction: 'incoming', state: 'ringing', verified: false })
    engine.emit(CallEvent.Incoming, { call: info, video: true })
    engine.to('ringing', info)
    expect(call.screen).toBe('incoming')
    expect(call.incoming?.video).toBe(true)
    expect(call.verified).toBe(false)
    expect(alerts.log).toEqual(['incoming:Grace Hopper'])

    await call.accept(false)
    expect(engine.called('accept')).toEqual([[{ video: false }]])
    expect(alerts.log).toContain('stop')
    engine.to('connecting', { ...info, media: ['audio'] })
    expect(call.incoming).toBeNull()
    expect(call.video).toBe(false)
  })

  test('an auto-accepted call (both called at once) does not ring', () => {
    const { engine, call, alerts } = setup()
    engine.emit(CallEvent.Incoming, { call: callInfo({ direction: 'incoming', autoAccept: true }), video: true })
    expect(alerts.log).toEqual([])
    expect(call.incoming).not.toBeNull()
  })

  test('decline stops the ringing; declining ourselves is no error', async () => {
    const { engine, call, alerts } = setup()
    const info = callInfo({ direction: 'incoming' })
    engine.emit(CallEvent.Incoming, { call: info, video: false })
    engine.to('ringing', info)
    await call.decline()
    expect(engine.called('decline')).toHaveLength(1)
    expect(alerts.log).toContain('stop')
    engine.to('ended', { ...info, outcome: 'declined', reason: 'you declined' }, null)
    expect(call.error).toBeNull()
    expect(call.screen).toBe('none') // no "Call ended" moment for a call we declined
  })
})

describe('CallState errors', () => {
  test.each([
    { code: 'busy' as const, text: 'They are in another call.' },
    { code: 'declined' as const, text: 'The call was declined.' },
    { code: 'no_answer' as const, text: 'No answer.' },
    { code: 'offline' as const, text: 'They are offline or cannot be reached.' },
    { code: 'connection_lost' as const, text: 'The connection was lost.' },
  ])('$code stays shown until dismissed', async ({ code, text }) => {
    const { engine, call } = setup()
    await call.placeCall('BBBBBBB-CCCCCCC', true)
    engine.to('calling', callInfo())
    engine.to('ended', callInfo({ outcome: 'failed' }), new CallError(code))
    expect(call.error?.message).toBe(text)
    expect(call.screen).toBe('ended') // the call screen says why for a moment
    tick(60_000)
    expect(call.screen).toBe('none')
    expect(call.error?.message).toBe(text)
    call.dismissError()
    expect(call.error).toBeNull()
  })

  test('no camera: placeCall rejects before any state change', async () => {
    const { engine, call } = setup()
    const { MediaError } = await import('../media')
    engine.failures.placeCall = new MediaError('permission_denied')
    await call.placeCall('BBBBBBB-CCCCCCC', true)
    expect(call.error?.code).toBe('permission_denied')
    expect(call.error?.message).toMatch(/not allowed to use your camera/)
    expect(call.screen).toBe('none')
    expect(call.direction).toBe('unknown')
  })

  test('an error event during a call is a passing notice, not a call error', async () => {
    const { engine, call } = setup()
    engine.to('connected', callInfo())
    engine.emit(CallEvent.Error, new CallError('device_in_use', 'Could not switch the camera.'))
    expect(call.notice).toBe('Could not switch the camera.')
    expect(call.error).toBeNull()
    tick(2000)
    expect(call.notice).toBeNull()
  })

  test('an error event outside a call is not a call error', () => {
    const { engine, call } = setup()
    engine.emit(CallEvent.Error, new CallError('unsupported', 'This window cannot choose the speaker.'))
    expect(call.error).toBeNull()
    expect(call.notice).toBeNull()
  })

  test('the session ends a call it could not start (no camera): State carries the error', () => {
    const { engine, call } = setup()
    const err = new CallError('no_devices')
    engine.to('calling', null)
    engine.to('ended', null, err)
    engine.emit(CallEvent.Error, err)
    expect(call.error).toBe(err)
    expect(call.notice).toBeNull()
  })

  test('a fatal error: the notice gives way to the call error', async () => {
    const { engine, call } = setup()
    engine.to('connected', callInfo())
    const err = new CallError('connection_lost')
    engine.emit(CallEvent.Error, err)
    engine.to('ended', callInfo({ outcome: 'failed' }), err)
    expect(call.error).toBe(err)
    expect(call.notice).toBeNull()
  })

  test('the screen picker closed is not worth a word', async () => {
    const { engine, call } = setup()
    engine.to('connected', callInfo())
    engine.failures.startScreenShare = new CallError('cancelled')
    await call.toggleScreenShare()
    expect(call.notice).toBeNull()
    expect(call.error).toBeNull()
  })

  test('a new call clears the last error', async () => {
    const { engine, call } = setup()
    engine.to('ended', callInfo(), new CallError('busy'))
    expect(call.error).not.toBeNull()
    await call.placeCall('BBBBBBB-CCCCCCC', true)
    expect(call.error).toBeNull()
  })
})

describe('CallState devices', () => {
  test('placing and answering a call hand the saved devices to the engine', async () => {
    const engine = new FakeEngine()
    let saved = { camera: 'cam1', microphone: 'mic1', speaker: 'spk1' }
    const call = new CallState(engine, { preferred: () => saved })
    await call.placeCall('BBBBBBB-CCCCCCC', true)
    expect(engine.called('setPreferredDevices')).toEqual([[saved]])
    expect(call.chosen).toEqual(saved)
    engine.to('ended', callInfo())
    saved = { camera: 'cam2', microphone: '', speaker: '' }
    const info = callInfo({ direction: 'incoming' })
    engine.emit(CallEvent.Incoming, { call: info, video: true })
    engine.to('ringing', info)
    await call.accept(true)
    expect(engine.called('setPreferredDevices').at(-1)).toEqual([saved])
    call.dispose()
  })
})

describe('CallState controls', () => {
  test('mute, camera and screen share go to the engine; flags come back as events', async () => {
    const { engine, call } = setup()
    engine.to('connected', callInfo())
    engine.emit(CallEvent.LocalMedia, { micOn: true, cameraOn: true, screenSharing: false })
    call.toggleMute()
    expect(engine.called('setMuted')).toEqual([[true]])
    engine.emit(CallEvent.LocalMedia, { micOn: false, cameraOn: true, screenSharing: false })
    call.toggleMute()
    expect(engine.called('setMuted')).toEqual([[true], [false]])

    await call.toggleCamera()
    expect(engine.called('setCameraOn')).toEqual([[false]])

    await call.toggleScreenShare()
    expect(engine.called('startScreenShare')).toHaveLength(1)
    engine.emit(CallEvent.LocalMedia, { micOn: false, cameraOn: true, screenSharing: true })
    await call.toggleScreenShare()
    expect(engine.called('stopScreenShare')).toHaveLength(1)
  })

  test('device switches remember the choice; failures pass as notices', async () => {
    const { engine, call } = setup()
    call.useDevices({ camera: 'cam1', microphone: 'mic1', speaker: '' })
    engine.to('connected', callInfo())
    await call.switchCamera('cam2')
    expect(engine.called('switchDevice')).toEqual([['camera', 'cam2']])
    expect(call.chosen.camera).toBe('cam2')
    engine.failures.setSpeaker = new Error('NotFoundError')
    await call.setSpeaker('spk9')
    expect(call.chosen.speaker).toBe('')
    expect(call.notice).toBeTruthy()
  })

  test('streams, remote flags and stats follow the events', () => {
    const { engine, call } = setup()
    const stream = { getVideoTracks: () => [{}] } as unknown as MediaStream
    engine.to('connected', callInfo())
    engine.emit(CallEvent.RemoteStream, stream)
    expect(call.remoteStream).toBe(stream)
    expect(call.remoteVideo).toBe(true)
    engine.emit(CallEvent.RemoteMedia, { micOn: false, cameraOn: false, screenSharing: false })
    expect(call.remoteVideo).toBe(false)
    engine.emit(CallEvent.Stats, {
      rttMs: 20,
      packetLossPct: 0,
      bitrateKbps: { in: 900, out: 800 },
      resolution: { width: 1280, height: 720 },
      fps: 30,
      path: 'direct',
      quality: 'good',
      timestamp: 1,
    })
    expect(call.quality).toBe('good')
    expect(call.path).toBe('direct')
    engine.to('reconnecting', callInfo())
    expect(call.path).toBeNull()
  })

  test('shortcuts act only where they make sense', async () => {
    const { engine, call } = setup()
    expect(call.shortcut('mute')).toBe(false)
    expect(call.shortcut('hangup')).toBe(false)

    const info = callInfo({ direction: 'incoming' })
    engine.emit(CallEvent.Incoming, { call: info, video: true })
    engine.to('ringing', info)
    expect(call.shortcut('hangup')).toBe(false) // never decline by accident
    expect(call.shortcut('mute')).toBe(false)

    engine.to('connected', info)
    expect(call.shortcut('mute')).toBe(true)
    expect(call.shortcut('camera')).toBe(true)
    expect(call.shortcut('hangup')).toBe(true)
    await flush()
    expect(engine.called('hangup')).toHaveLength(1)
  })

  test('hang-up shortcut cancels an unanswered call', async () => {
    const { engine, call } = setup()
    await call.placeCall('BBBBBBB-CCCCCCC', false)
    engine.to('calling', callInfo({ media: ['audio'] }))
    expect(call.shortcut('camera')).toBe(false) // audio-only
    expect(call.shortcut('hangup')).toBe(true)
    await flush()
    expect(engine.called('cancel')).toHaveLength(1)
  })

  test('placing a call while one is live does nothing', async () => {
    const { engine, call } = setup()
    engine.to('connected', callInfo())
    await call.placeCall('X', true)
    expect(engine.called('placeCall')).toHaveLength(0)
  })

  test('dispose stops listening and silences', () => {
    const { engine, call, alerts } = setup()
    call.dispose()
    engine.to('connected', callInfo())
    expect(call.state).toBe('idle')
    expect(alerts.log).toContain('stop')
  })
})
