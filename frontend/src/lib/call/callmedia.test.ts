import { describe, expect, it, vi } from 'vitest'
import { FakeTrack, settle, waitFor } from './calltest/rtc'
import { connect, pair, sender, useSessions } from './calltest/session'

useSessions()

describe('CallSession: in-call controls', () => {
  it('mute and camera flags reach the other side over the state channel', async () => {
    const { a, b } = pair()
    await connect(a, b)
    await waitFor(() => b.session.remoteMedia.cameraOn, 'B sees A camera on')

    a.session.setMuted(true)
    const mic = a.rtc.media.tracks.find((t) => t.kind === 'audio')!
    expect(mic.enabled).toBe(false)
    expect(mic.readyState).toBe('live')
    expect(a.session.localMedia.micOn).toBe(false)
    await waitFor(() => !b.session.remoteMedia.micOn, 'B sees A muted')

    const cam = a.rtc.media.tracks.find((t) => t.kind === 'video')!
    await a.session.setCameraOn(false)
    expect(cam.readyState).toBe('ended') // the camera light goes out
    expect(sender(a.pc(), 'video')?.track).toBeNull()
    expect(a.session.localStream?.getVideoTracks()).toEqual([])
    await waitFor(() => !b.session.remoteMedia.cameraOn, 'B sees A camera off')
    expect(a.go.callsTo('calls.renegotiate')).toHaveLength(0) // replaceTrack(null): no renegotiation

    await a.session.setCameraOn(true)
    const cam2 = sender(a.pc(), 'video')?.track as unknown as FakeTrack
    expect(cam2.kind).toBe('video')
    expect(cam2).not.toBe(cam)
    await waitFor(() => b.session.remoteMedia.cameraOn, 'B sees A camera on again')
    a.session.setMuted(false)
    await waitFor(() => b.session.remoteMedia.micOn, 'B hears A again')
    expect(b.session.remoteMedia).toEqual({ micOn: true, cameraOn: true, screenSharing: false })
  })

  it('camera on in an audio call adds video by renegotiation', async () => {
    const { a, b } = pair()
    await connect(a, b, false)
    await b.session.setCameraOn(true)
    await waitFor(() => a.session.remoteStream?.getVideoTracks().length === 1, 'A receives B video')
    expect(b.go.callsTo('calls.renegotiate').map((args) => args[1])).toEqual(['offer'])
    expect(a.go.callsTo('calls.renegotiate').map((args) => args[1])).toEqual(['answer'])
    await waitFor(() => a.session.remoteMedia.cameraOn, 'A sees B camera on')
    expect(a.session.state).toBe('connected')
  })

  it('screen share replaces the camera in a video call without renegotiation, and the camera comes back', async () => {
    const { a, b } = pair()
    await connect(a, b)
    const cam = sender(a.pc(), 'video')!.track!
    await a.session.startScreenShare()
    const screen = sender(a.pc(), 'video')!.track!
    expect(screen.label).toBe('screen')
    expect(cam.readyState).toBe('ended')
    expect(a.session.localMedia).toEqual({ micOn: true, cameraOn: true, screenSharing: true })
    await waitFor(() => b.session.remoteMedia.screenSharing, 'B sees the share')
    expect(a.go.callsTo('calls.renegotiate')).toHaveLength(0)

    await a.session.stopScreenShare()
    expect(screen.readyState).toBe('ended')
    expect(sender(a.pc(), 'video')!.track!.label).toBe('camera')
    await waitFor(() => !b.session.remoteMedia.screenSharing, 'B sees the share end')
  })

  it('the browser ending the share stops it like stopScreenShare', async () => {
    const { a, b } = pair()
    await connect(a, b, false)
    await a.session.startScreenShare()
    await waitFor(() => b.session.remoteStream?.getVideoTracks().length === 1, 'B receives the screen')
    expect(a.go.callsTo('calls.renegotiate').map((args) => args[1])).toEqual(['offer']) // audio call: a new video sender
    const screen = sender(a.pc(), 'video')!.track as unknown as FakeTrack
    screen.end()
    await waitFor(() => !a.session.localMedia.screenSharing, 'share stopped')
    expect(sender(a.pc(), 'video')!.track).toBeNull()
  })

  it("shares a screen it is given (a group call's clone): no picker; its end runs the given handler; the camera comes back only if told", async () => {
    const { a, b } = pair()
    await connect(a, b)
    const given = new FakeTrack('video', 'screen')
    let ended = 0
    await a.session.startScreenShare({ track: given as unknown as MediaStreamTrack, onEnded: () => ended++ })
    expect(a.rtc.media.displayRequests).toBe(0)
    expect(sender(a.pc(), 'video')!.track).toBe(given)
    expect(a.session.localTracks.camera).toBeNull() // the camera rests; never offered as a camera to clone
    await waitFor(() => b.session.remoteMedia.screenSharing, 'B sees the share')
    given.end()
    expect(ended).toBe(1)
    expect(a.session.localMedia.screenSharing).toBe(true) // the group stops it, not the session
    const gums = a.rtc.media.requests.length
    await a.session.stopScreenShare(false) // the group's camera is off
    expect(given.readyState).toBe('ended')
    expect(sender(a.pc(), 'video')!.track).toBeNull()
    expect(a.session.localMedia).toEqual({ micOn: true, cameraOn: false, screenSharing: false })
    expect(a.rtc.media.requests.length).toBe(gums)
    expect(a.rtc.media.live().filter((t) => t.kind === 'video')).toEqual([])
    // A second given screen on a call that shares already is stopped, not leaked.
    await a.session.startScreenShare({ track: new FakeTrack('video', 'screen') as unknown as MediaStreamTrack, onEnded: () => {} })
    const extra = new FakeTrack('video', 'screen')
    await a.session.startScreenShare({ track: extra as unknown as MediaStreamTrack, onEnded: () => {} })
    expect(extra.readyState).toBe('ended')
  })

  it('a screen given after the call ended is stopped', async () => {
    const { a, b } = pair()
    await connect(a, b)
    await a.session.hangup()
    const given = new FakeTrack('video', 'screen')
    await a.session.startScreenShare({ track: given as unknown as MediaStreamTrack, onEnded: () => {} })
    expect(given.readyState).toBe('ended')
  })

  it('a cancelled screen picker is not an error; a refused one is', async () => {
    const { a, b } = pair()
    await connect(a, b)
    a.rtc.media.failScreen = 'NotAllowedError'
    await a.session.startScreenShare()
    expect(a.errors).toEqual([])
    a.rtc.media.failScreen = 'NotReadableError'
    await a.session.startScreenShare()
    expect(a.errors.map((e) => e.code)).toEqual(['device_in_use'])
    expect(a.session.state).toBe('connected')
  })

  it('switches the microphone and camera with replaceTrack and an exact device id', async () => {
    const { a, b } = pair()
    await connect(a, b)
    const oldMic = sender(a.pc(), 'audio')!.track!
    a.session.setMuted(true)
    await a.session.switchDevice('microphone', 'mic-2')
    const mic = sender(a.pc(), 'audio')!.track! as unknown as FakeTrack
    expect(mic.deviceId).toBe('mic-2')
    expect(mic.enabled).toBe(false) // still muted
    expect(oldMic.readyState).toBe('ended')
    const last = a.rtc.media.requests.at(-1)!
    expect(last.audio).toMatchObject({ deviceId: { exact: 'mic-2' }, echoCancellation: true })

    await a.session.switchDevice('camera', 'cam-2')
    expect((sender(a.pc(), 'video')!.track as unknown as FakeTrack).deviceId).toBe('cam-2')
    expect(a.go.callsTo('calls.renegotiate')).toHaveLength(0)
    expect(a.rtc.media.live().map((t) => t.deviceId).sort()).toEqual(['cam-2', 'mic-2'])
  })

  it('uses the preferred devices from settings, falling back to the default', async () => {
    const { a, b } = pair({ devices: { camera: 'cam-9', microphone: 'mic-9' } })
    await connect(a, b)
    expect(a.rtc.media.requests[0].audio).toMatchObject({ deviceId: { ideal: 'mic-9' } })
    expect(a.rtc.media.requests[0].video).toMatchObject({ deviceId: { ideal: 'cam-9' } })
  })

  it('setSpeaker reaches every registered output, and says when it cannot', async () => {
    const { a } = pair()
    const el = { setSinkId: vi.fn(async () => {}) } as unknown as HTMLMediaElement
    const off = a.session.registerOutput(el)
    await a.session.setSpeaker('spk-2')
    expect(el.setSinkId).toHaveBeenCalledWith('spk-2')
    off()
    await a.session.setSpeaker('spk-3')
    expect(el.setSinkId).toHaveBeenCalledTimes(1)
    a.session.registerOutput({} as HTMLMediaElement)
    await settle()
    expect(a.errors.map((e) => e.code)).toEqual(['unsupported'])
  })

  it('reports statistics once connected', async () => {
    const { a, b } = pair()
    await connect(a, b)
    const pc = a.pc()
    pc.statsReport = new Map<string, Record<string, unknown>>([
      ['T', { type: 'transport', selectedCandidatePairId: 'P', timestamp: 1000 }],
      ['P', { type: 'candidate-pair', localCandidateId: 'L', remoteCandidateId: 'R', currentRoundTripTime: 0.02, timestamp: 1000 }],
      ['L', { type: 'local-candidate', candidateType: 'host' }],
      ['R', { type: 'remote-candidate', candidateType: 'host' }],
    ])
    await waitFor(() => a.session.stats !== null, 'stats')
    expect(a.session.stats).toMatchObject({ rttMs: 20, path: 'direct', quality: 'good' })
  })
})
