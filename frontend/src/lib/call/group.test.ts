import { describe, expect, it } from 'vitest'
import { CallDirection, EventName, type CallInfo } from '../backend'
import { FakeBackend } from '../backend/backendtest/fake'
import { CallError } from './errors'
import { GroupCall, MAX_PARTICIPANTS, videoCap } from './group'
import type { CallSession } from './session'
import { CallEvent, type CallSessionOptions } from './types'

const info = (over: Partial<CallInfo>): CallInfo => ({
  id: 'c1',
  peer: 'P1',
  peerName: 'one',
  direction: CallDirection.Incoming,
  media: ['audio', 'video'],
  state: 'ringing',
  verified: true,
  startedAt: '',
  ...over,
})

/** The sessions asked to switch devices, in order. */
let switchLog: unknown[] = []

/** A stand-in session: enough of CallSession for GroupCall's bookkeeping. */
function fakeSession(state = 'idle', call: CallInfo | null = null) {
  const handlers = new Map<string, ((d: unknown) => void)[]>()
  const s = {
    state,
    call,
    inCall: state !== 'idle' && state !== 'ended',
    remoteStream: null,
    remoteMedia: { micOn: true, cameraOn: true, screenSharing: false },
    localStream: null as MediaStream | null,
    localMedia: { micOn: true, cameraOn: true, screenSharing: false },
    picked: [] as string[],
    accepted: 0,
    acceptedVideo: [] as boolean[],
    placed: [] as string[],
    placedVideo: [] as boolean[],
    muted: [] as boolean[],
    camera: [] as boolean[],
    hungUp: 0,
    caps: [] as unknown[],
    on(ev: string, h: (d: unknown) => void) {
      handlers.set(ev, [...(handlers.get(ev) ?? []), h])
      return () => {}
    },
    fire(ev: string, d: unknown) {
      for (const h of handlers.get(ev) ?? []) h(d)
    },
    async pickUp(ev: { call: CallInfo }) {
      s.picked.push(ev.call.id)
      s.call = ev.call
      s.state = 'ringing'
      return true
    },
    async accept(o: { video: boolean }) {
      s.accepted++
      s.acceptedVideo.push(o.video)
      s.state = 'connecting'
    },
    async placeCall(peer: string, o: { video: boolean }) {
      s.placed.push(peer)
      s.placedVideo.push(o.video)
      s.state = 'calling'
      s.call = info({ id: 'out-' + peer, peer, direction: CallDirection.Outgoing, state: 'calling' })
    },
    async capVideo(c: unknown) {
      s.caps.push(c)
    },
    setMuted(m: boolean) {
      s.muted.push(m)
    },
    async setCameraOn(on: boolean) {
      s.camera.push(on)
    },
    switched: [] as string[],
    async switchDevice(kind: string, id: string) {
      s.switched.push(`${kind}:${id}`)
      switchLog.push(s)
    },
    async hangup() {
      s.hungUp++
      s.state = 'ended'
      s.inCall = false
      s.fire(CallEvent.State, { state: 'ended' })
    },
    /** Moves to state as the session would, telling its listeners. */
    to(state: string) {
      s.state = state
      s.inCall = state !== 'idle' && state !== 'ended'
      s.fire(CallEvent.State, { state })
    },
    dispose() {},
  }
  return s
}

describe('videoCap', () => {
  it.each([
    [1, null, 1],
    [2, 900_000, 1.5],
    [3, 600_000, 2],
  ])('with %i others caps at %s bit/s, scaled down by %s', (others, maxBitrate, scale) => expect(videoCap(others)).toEqual({ maxBitrate, scale }))
  it('never lets four senders exceed ~2 Mbit/s in total', () => {
    expect(videoCap(MAX_PARTICIPANTS - 1).maxBitrate! * (MAX_PARTICIPANTS - 1)).toBeLessThanOrEqual(2_000_000)
  })
})

describe('GroupCall', () => {
  function setup(mainState = 'connected', mainCall: CallInfo | null = info({ state: 'connected' })) {
    const backend = new FakeBackend()
    const main = fakeSession(mainState, mainCall)
    const made: ReturnType<typeof fakeSession>[] = []
    const opts: CallSessionOptions[] = []
    const g = new GroupCall({
      backend,
      main: main as unknown as CallSession,
      makeSession: (o) => {
        opts.push(o)
        const s = fakeSession()
        made.push(s)
        return s as unknown as CallSession
      },
    })
    return { backend, main, made, opts, g }
  }

  it('takes a join of our group as a leg that answers at once, and leaves other calls to the main session', async () => {
    const { backend, made, opts, g } = setup()
    const join = info({ id: 'j1', peer: 'P2', group: 'G', autoAccept: true })
    expect(g.claims(join)).toBe(true)
    expect(g.claims(info({ id: 'x', peer: 'P3' }))).toBe(false) // a 1:1 call rings the main session (Go says busy)
    expect(g.claims(info({ id: 'y', peer: 'P3', autoAccept: true }))).toBe(false) // glare of a 1:1 call
    backend.emit(EventName.CallIncoming, { call: join, offer: 'sdp' })
    await Promise.resolve()
    await Promise.resolve()
    expect(made).toHaveLength(1)
    expect(made[0].picked).toEqual(['j1'])
    expect(made[0].accepted).toBe(1)
    expect(opts[0].takes!(join)).toBe(true)
    expect(opts[0].takes!(info({ id: 'other' }))).toBe(false)
    expect(g.participants.map((p) => p.peerId).sort()).toEqual(['P1', 'P2'])
  })

  it("gives each tile its person's trust as Go says (known contact or new ID)", async () => {
    const { backend, g } = setup()
    backend.emit(EventName.CallIncoming, { call: info({ id: 'j1', peer: 'P2', group: 'G', autoAccept: true, verified: false }), offer: 'sdp' })
    await Promise.resolve()
    expect(Object.fromEntries(g.participants.map((p) => [p.peerId, p.verified]))).toEqual({ P1: true, P2: false })
  })

  it('joins every member an answered add named, with Calls.Join', async () => {
    const { main, made, opts, g } = setup('connecting', info({ state: 'connecting', group: 'G', members: ['P2', 'P3'] }))
    main.fire(CallEvent.State, { state: 'connecting' })
    main.fire(CallEvent.State, { state: 'connected' }) // once only
    await Promise.resolve()
    expect(made.map((s) => s.placed)).toEqual([['P2'], ['P3']])
    expect(opts.every((o) => !!o.place)).toBe(true)
    expect(g.participants).toHaveLength(3)
    expect(g.canAdd).toBe(false) // four of us
    expect(await g.add('P4', true)).toMatch(/full/)
  })

  it("joins the members a join's answer names that it was not told of, once", async () => {
    const { main, made, g } = setup('connecting', info({ state: 'connecting', group: 'G', members: ['P2'] }))
    main.fire(CallEvent.State, { state: 'connecting' })
    await Promise.resolve()
    const leg = made[0]
    expect(leg.placed).toEqual(['P2'])
    // P2 answers the join naming P1 (ours already) and P3 (added by someone else meanwhile).
    leg.call = info({ id: 'out-P2', peer: 'P2', direction: CallDirection.Outgoing, state: 'connecting', members: ['P1', 'P3'] })
    leg.state = 'connecting'
    leg.fire(CallEvent.State, { state: 'connecting' })
    leg.fire(CallEvent.State, { state: 'connected' })
    await Promise.resolve()
    expect(made.map((s) => s.placed)).toEqual([['P2'], ['P3']])
    expect(g.participants.map((p) => p.peerId).sort()).toEqual(['P1', 'P2', 'P3'])
  })

  it('takes no join while the main call still rings (not answered yet)', async () => {
    const { backend, main, made, g } = setup('ringing', info({ state: 'ringing', group: 'G', members: ['P2'] }))
    const join = info({ id: 'j1', peer: 'P3', group: 'G', autoAccept: true })
    expect(g.claims(join)).toBe(false)
    backend.emit(EventName.CallIncoming, { call: join, offer: 'sdp' })
    await Promise.resolve()
    expect(made).toHaveLength(0)
    main.to('connecting') // answered: from now on a join is ours
    expect(g.claims(join)).toBe(true)
  })

  it('a newcomer whose join is refused call_full leaves every leg and says the call is full', async () => {
    const { main, made, g } = setup('connecting', info({ state: 'connecting', group: 'G', members: ['P2', 'P3'] }))
    const errors: CallError[] = []
    g.events.on('error', (e) => errors.push(e))
    main.fire(CallEvent.State, { state: 'connecting' })
    await Promise.resolve()
    expect(made).toHaveLength(2)
    made[1].fire(CallEvent.Error, new CallError('call_full')) // P3's side: four already
    await Promise.resolve()
    await Promise.resolve()
    expect(errors.map((e) => e.code)).toEqual(['call_full'])
    expect(errors[0].message).toMatch(/^The call is full/)
    expect(made[0].hungUp).toBe(1)
    expect(main.hungUp).toBe(1)
  })

  it('a newcomer whose adder gives its place to a rival (main leg ended call_full) leaves every leg', async () => {
    const { main, made, g } = setup('connecting', info({ state: 'connecting', group: 'G', members: ['P2', 'P3'] }))
    const errors: CallError[] = []
    g.events.on('error', (e) => errors.push(e))
    main.fire(CallEvent.State, { state: 'connecting' })
    await Promise.resolve()
    expect(made).toHaveLength(2)
    made[0].to('connecting') // P2 took our join
    main.call = { ...main.call!, state: 'ended', outcome: 'busy', cause: 'call_full' }
    main.to('ended')
    await Promise.resolve()
    expect(made.map((s) => s.hungUp)).toEqual([1, 1])
    expect(errors).toEqual([]) // the main session says it
  })

  it('a main call that simply ended keeps the legs (leaving the main call keeps the group going)', async () => {
    const { main, made } = setup('connecting', info({ state: 'connecting', group: 'G', members: ['P2', 'P3'] }))
    main.fire(CallEvent.State, { state: 'connecting' })
    await Promise.resolve()
    made[0].to('connecting')
    main.call = { ...main.call!, state: 'ended', outcome: 'completed' }
    main.to('ended')
    await Promise.resolve()
    expect(made.map((s) => s.hungUp)).toEqual([0, 0])
  })

  it('a device picked in the call moves every session, the main one first (it keeps the choice for later legs)', async () => {
    const { main, made, g } = setup('connecting', info({ state: 'connecting', group: 'G', members: ['P2', 'P3'] }))
    main.fire(CallEvent.State, { state: 'connecting' })
    await Promise.resolve()
    made[0].to('connecting')
    switchLog = []
    await g.switchDevice('camera', 'cam-b')
    expect(switchLog[0]).toBe(main)
    expect([main, ...made].map((s) => s.switched)).toEqual([['camera:cam-b'], ['camera:cam-b'], ['camera:cam-b']])
  })

  it('a leg starts with the devices the main session holds', async () => {
    const { main, opts, backend } = setup()
    Object.assign(main, { preferredDevices: { camera: 'cam-b', microphone: 'mic-b' } })
    backend.emit(EventName.CallIncoming, { call: info({ id: 'j1', peer: 'P2', group: 'G', autoAccept: true }), offer: 'sdp' })
    await Promise.resolve()
    expect(opts[0].devices).toEqual({ camera: 'cam-b', microphone: 'mic-b' })
  })

  it('other failed joins pass quietly (the rest of the group goes on)', async () => {
    const { main, made, g } = setup('connecting', info({ state: 'connecting', group: 'G', members: ['P2', 'P3'] }))
    const errors: CallError[] = []
    g.events.on('error', (e) => errors.push(e))
    main.fire(CallEvent.State, { state: 'connecting' })
    await Promise.resolve()
    made[1].fire(CallEvent.Error, new CallError('offline'))
    await Promise.resolve()
    expect(errors).toEqual([])
    expect(main.hungUp).toBe(0)
  })

  it('keeps our mute, camera and preview once the main call is gone; new joins get them', async () => {
    const { backend, main, made, g } = setup()
    const preview = { getAudioTracks: () => [], getTracks: () => [] } as unknown as MediaStream
    main.localStream = preview
    main.fire(CallEvent.LocalMedia, { micOn: false, cameraOn: true, screenSharing: false }) // the user muted
    expect(g.localMedia).toEqual({ micOn: false, cameraOn: true, screenSharing: false })
    // A second person joins; then the first one hangs up.
    backend.emit(EventName.CallIncoming, { call: info({ id: 'j1', peer: 'P2', group: 'G', autoAccept: true }), offer: 'sdp' })
    await Promise.resolve()
    await Promise.resolve()
    made[0].localStream = { id: 'leg-preview' } as unknown as MediaStream
    made[0].to('connected')
    expect(made[0].muted).toEqual([true]) // the mute reached the new leg
    main.localStream = null // the main session's teardown: preview gone, flags zeroed
    main.localMedia = { micOn: false, cameraOn: false, screenSharing: false }
    main.fire(CallEvent.LocalStream, null)
    main.fire(CallEvent.LocalMedia, { micOn: false, cameraOn: false, screenSharing: false })
    main.to('ended')
    expect(g.localMedia).toEqual({ micOn: false, cameraOn: true, screenSharing: false })
    expect(g.localStream).toBe(made[0].localStream)
    // A third joins while the main session is gone: with video (the camera is on), muted.
    const join = info({ id: 'j2', peer: 'P3', group: 'G', autoAccept: true })
    expect(g.claims(join)).toBe(true)
    backend.emit(EventName.CallIncoming, { call: join, offer: 'sdp' })
    await Promise.resolve()
    await Promise.resolve()
    await Promise.resolve()
    expect(made[1].acceptedVideo).toEqual([true])
    expect(made[1].muted).toEqual([true])
    g.setMuted(false)
    expect(g.localMedia.micOn).toBe(true)
  })

  it("takes the main session's flags once its media opens (flags first, then the preview): an audio call's join is answered audio-only", async () => {
    const { backend, main, made, g } = setup()
    main.localMedia = { micOn: true, cameraOn: false, screenSharing: false }
    main.fire(CallEvent.LocalMedia, main.localMedia) // no preview yet: not read
    main.localStream = { getAudioTracks: () => [] } as unknown as MediaStream
    main.fire(CallEvent.LocalStream, main.localStream)
    expect(g.localMedia.cameraOn).toBe(false)
    backend.emit(EventName.CallIncoming, { call: info({ id: 'j1', peer: 'P2', group: 'G', autoAccept: true }), offer: 'sdp' })
    await Promise.resolve()
    await Promise.resolve()
    expect(made[0].acceptedVideo).toEqual([false])
  })

  it('adds a person with the camera as it is (off stays off) and our mute', async () => {
    const { made, g } = setup()
    g.setMuted(true)
    await g.setCameraOn(false)
    expect(await g.add('P3', true)).toBeNull()
    expect(made[0].placedVideo).toEqual([false]) // no getUserMedia for a camera the user turned off
    expect(made[0].muted).toEqual([true])
    await g.setCameraOn(true)
    expect(await g.add('P4', true)).toBeNull()
    expect(made[1].placedVideo).toEqual([true])
  })

  it("a placed leg never takes an incoming call; caps follow each call's id", async () => {
    const { made, opts, g } = setup()
    await g.add('P3', true)
    expect(opts[0].takes!(info({ id: 'any', peer: 'P3' }))).toBe(false)
    made[0].to('connected')
    expect(made[0].caps).toEqual([videoCap(2)])
    // The same session object with a new call (a redial) gets its cap again.
    made[0].call = info({ id: 'out-P3-again', peer: 'P3', direction: CallDirection.Outgoing, state: 'connected' })
    made[0].to('connected')
    expect(made[0].caps).toEqual([videoCap(2), videoCap(2)])
  })

  it('refuses to add someone already in the call', async () => {
    const { g } = setup()
    expect(await g.add('P1', true)).toMatch(/already/)
  })
})
