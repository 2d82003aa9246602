import { describe, expect, test } from 'vitest'
import { TypedEmitter } from '../emitter'
import { CallError, CallEvent, type Participant } from '../call'
import { CallState } from './call.svelte'
import { FakeEngine, callInfo } from './fakes'
import type { GroupEngine } from './group.svelte'

/** A group engine whose legs the test sets. */
class FakeGroup implements GroupEngine {
  events = new TypedEmitter<{ change: Participant[]; error: CallError }>()
  participants: Participant[] = []
  canAdd = true
  added: string[] = []
  left = 0
  muted: boolean[] = []
  get hasLegs() {
    return this.participants.some((p) => !p.main)
  }
  async add(peer: string) {
    this.added.push(peer)
    return this.canAdd ? null : 'The call is full: four people at most.'
  }
  async leave() {
    this.left++
    this.set([])
  }
  /** Our media as GroupCall keeps it across the legs. */
  localMedia = { micOn: true, cameraOn: true, screenSharing: false }
  localStream: MediaStream | null = null
  camera: boolean[] = []
  setMuted(m: boolean) {
    this.muted.push(m)
    this.localMedia = { ...this.localMedia, micOn: !m }
    this.events.emit('change', this.participants)
  }
  async setCameraOn(on: boolean) {
    this.camera.push(on)
    this.localMedia = { ...this.localMedia, cameraOn: on }
    this.events.emit('change', this.participants)
  }
  switched: string[] = []
  async switchDevice(kind: 'camera' | 'microphone', deviceId: string) {
    this.switched.push(`${kind}:${deviceId}`)
  }
  screen: boolean[] = []
  async startScreenShare() {
    this.screen.push(true)
    this.localMedia = { ...this.localMedia, screenSharing: true }
    this.events.emit('change', this.participants)
  }
  async stopScreenShare() {
    this.screen.push(false)
    this.localMedia = { ...this.localMedia, screenSharing: false }
    this.events.emit('change', this.participants)
  }
  set(p: Participant[]) {
    this.participants = p
    this.events.emit('change', p)
  }
}

const tile = (peerId: string, main = false): Participant => ({
  peerId,
  name: peerId,
  callId: 'c-' + peerId,
  state: 'connected',
  stream: null,
  remoteMedia: { micOn: true, cameraOn: true, screenSharing: false },
  safetyCode: 'code-' + peerId,
  verified: false,
  main,
})

function setup() {
  const engine = new FakeEngine()
  const group = new FakeGroup()
  const call = new CallState(engine, { group, lingerMs: 10 })
  engine.to('connecting', callInfo({ peer: 'B' }))
  engine.to('connected')
  return { engine, group, call }
}

describe('GroupState', () => {
  test('shows the grid once a second person is in, and the call stays when the first one leaves', () => {
    const { engine, group, call } = setup()
    expect(call.group.grouped).toBe(false)
    group.set([tile('B', true), tile('C')])
    expect(call.group.grouped).toBe(true)
    expect(call.group.participants.map((p) => p.peerId)).toEqual(['B', 'C'])
    // B hangs up: the main session's call ends, C's leg goes on.
    group.set([tile('C')])
    engine.to('ended')
    expect(call.state).toBe('connected')
    expect(call.screen).toBe('call')
    // C leaves too: now the call is over here.
    group.set([])
    expect(call.state).toBe('ended')
  })

  test('a camera or microphone picked in a group call moves every leg (the group engine), and is the choice from then on', async () => {
    const { engine, group, call } = setup()
    group.set([tile('B', true), tile('C')])
    await call.switchCamera('cam-b')
    await call.switchMicrophone('mic-b')
    expect(group.switched).toEqual(['camera:cam-b', 'microphone:mic-b'])
    expect(engine.called('switchDevice')).toEqual([]) // not the main session alone
    expect(call.chosen).toMatchObject({ camera: 'cam-b', microphone: 'mic-b' })
  })

  test('calling a group again: the first person rings; once answered the others are added, each once', async () => {
    const engine = new FakeEngine()
    const group = new FakeGroup()
    const call = new CallState(engine, { group, lingerMs: 10 })
    await call.placeGroupCall(['B', 'C', 'D', 'C', 'E'], true)
    expect(engine.called('placeCall')).toEqual([['B', { video: true }]])
    engine.to('calling', callInfo({ peer: 'B', direction: 'outgoing', state: 'calling' }))
    engine.to('ringing')
    expect(group.added).toEqual([]) // nobody is added to a call that only rings
    engine.to('connecting')
    engine.to('connected')
    await Promise.resolve()
    await Promise.resolve()
    expect(group.added).toEqual(['C', 'D']) // four at most: E does not fit
    engine.to('reconnecting')
    engine.to('connected')
    await Promise.resolve()
    expect(group.added).toEqual(['C', 'D'])
  })

  test('calling a group again: the first declines, so nobody else rings; a later call adds nobody', async () => {
    const engine = new FakeEngine()
    const group = new FakeGroup()
    const call = new CallState(engine, { group, lingerMs: 10 })
    await call.placeGroupCall(['B', 'C'], false)
    engine.to('calling', callInfo({ peer: 'B', direction: 'outgoing', state: 'calling' }))
    engine.to('ended')
    await call.placeCall('B', false)
    engine.to('calling', callInfo({ peer: 'B', direction: 'outgoing', state: 'calling' }))
    engine.to('connected')
    await Promise.resolve()
    expect(group.added).toEqual([])
  })

  test('hang up leaves every leg; mute reaches every leg', async () => {
    const { group, call } = setup()
    group.set([tile('B', true), tile('C')])
    call.toggleMute()
    expect(group.muted).toEqual([true]) // mic was on: muted now
    await call.hangup()
    expect(group.left).toBe(1)
  })

  test("once the first person left, mute, camera and self-view follow the group's media, not the ended main session's", async () => {
    const { engine, group, call } = setup()
    const preview = { id: 'preview' } as unknown as MediaStream
    group.localStream = preview
    engine.emit(CallEvent.LocalStream, preview)
    group.set([tile('B', true), tile('C')])
    // B hangs up: the main session's teardown zeroes its flags and drops the preview, then ends.
    group.set([tile('C')])
    engine.emit(CallEvent.LocalStream, null)
    engine.emit(CallEvent.LocalMedia, { micOn: false, cameraOn: false, screenSharing: false })
    engine.to('ended')
    expect(call.state).toBe('connected')
    expect(call.localStream).toBe(preview)
    expect(call.localMedia).toEqual({ micOn: true, cameraOn: true, screenSharing: false })
    call.toggleMute()
    expect(group.muted).toEqual([true]) // mutes (the zeroed flags would have unmuted)
    expect(call.localMedia.micOn).toBe(false)
    call.toggleMute()
    expect(group.muted).toEqual([true, false])
    await call.toggleCamera()
    expect(group.camera).toEqual([false]) // turns it off
    expect(call.localMedia.cameraOn).toBe(false)
    // The screen too is the group's: shared to the legs that remain, then stopped.
    await call.toggleScreenShare()
    expect(call.localMedia.screenSharing).toBe(true)
    await call.toggleScreenShare()
    expect(group.screen).toEqual([true, false])
    expect(call.localMedia.screenSharing).toBe(false)
    expect(engine.called('startScreenShare')).toEqual([]) // the ended main session is not asked
  })

  test('a fifth is refused with "call is full"', async () => {
    const { group, call } = setup()
    group.set([tile('B', true), tile('C'), tile('D')])
    group.canAdd = false
    call.group.openPicker()
    expect(call.group.pickerOpen).toBe(false)
    expect(call.error?.code).toBe('call_full')
    expect(call.error?.message).toMatch(/full/)
  })

  test('a refusal from the far side (the group filled meanwhile) shows as the call error', () => {
    const { group, call } = setup()
    group.events.emit('error', new CallError('call_full'))
    expect(call.error?.code).toBe('call_full')
    expect(call.state).toBe('connected')
  })

  test('adding closes the picker and asks the engine', async () => {
    const { group, call } = setup()
    call.group.openPicker()
    expect(call.group.pickerOpen).toBe(true)
    await call.group.add('C')
    expect(call.group.pickerOpen).toBe(false)
    expect(group.added).toEqual(['C'])
    expect(call.error).toBeNull()
  })
})
