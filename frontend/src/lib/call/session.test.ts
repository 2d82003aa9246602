import { describe, expect, it, vi } from 'vitest'
import { Switchboard } from './calltest/switchboard'
import { FakePeerConnection, fakeRtc, waitFor } from './calltest/rtc'
import { connect, pair, sender, side, useSessions } from './calltest/session'

useSessions()

describe('CallSession: a call from start to end', () => {
  it('places, rings, accepts and connects, with media on the callee only after accept', async () => {
    const { a, b } = pair()
    await a.session.placeCall('PEERB', { video: true })
    await waitFor(() => b.session.state === 'ringing', 'B ringing')
    await waitFor(() => a.session.state === 'ringing', 'A hears ringback')

    // Ringing: the callee has no media yet, only a prepared peer connection (the offer set, nothing sent).
    expect(b.rtc.media.requests).toHaveLength(0)
    await waitFor(() => b.rtc.pcs().length === 1 && b.rtc.pcs()[0].remoteDescription?.type === 'offer', 'B prepared')
    expect(b.rtc.pcs()[0].localDescription).toBeNull()
    expect(b.go.callsTo('calls.candidate')).toHaveLength(0)
    expect(b.session.localStream).toBeNull()
    expect(a.rtc.media.requests).toHaveLength(1)
    expect(a.rtc.media.requests[0].audio).toMatchObject({ echoCancellation: true, noiseSuppression: true, autoGainControl: true })
    expect(a.rtc.media.requests[0].video).toMatchObject({ width: { ideal: 1280 }, height: { ideal: 720 } })

    await b.session.accept({ video: true })
    expect(b.rtc.media.requests).toHaveLength(1)
    await waitFor(() => a.session.state === 'connected' && b.session.state === 'connected', 'both connected')

    expect(a.states).toEqual(['calling', 'ringing', 'connecting', 'connected'])
    // The fake connects the prepared callee as soon as it answers (it had the caller's candidates while ringing),
    // which can be before Go's "connecting"; real ICE needs the caller to have the answer, after Go's event.
    expect(b.states.filter((s) => s !== 'connecting')).toEqual(['ringing', 'connected'])
    expect(a.go.callsTo('calls.mediaState').map((args) => args[1])).toEqual(['connected'])
    expect(b.go.callsTo('calls.mediaState').map((args) => args[1])).toEqual(['connected'])
    expect(a.session.call?.safetyCode).toBe('12345 67890')

    // Both send audio and video and receive the other's.
    for (const s of [a, b]) {
      const pc = s.pc()
      expect(sender(pc, 'audio')?.track?.kind).toBe('audio')
      expect(sender(pc, 'video')?.track?.kind).toBe('video')
      await waitFor(() => s.session.remoteStream?.getTracks().length === 2, 'remote audio+video')
      expect(s.session.localStream?.getTracks()).toHaveLength(2)
    }
    // The caller was impolite, the callee polite.
    expect(a.pc().config.iceServers).toEqual([])
  })

  it('sends the offer in Calls.Start and the answer in Calls.Accept, candidates only after them', async () => {
    const { a, b } = pair()
    await connect(a, b)
    const order = a.go.log.map((c) => c.method).filter((m) => m === 'calls.start' || m === 'calls.candidate')
    expect(order[0]).toBe('calls.start')
    expect(order.slice(1).every((m) => m === 'calls.candidate')).toBe(true)
    const bOrder = b.go.log.map((c) => c.method).filter((m) => m === 'calls.accept' || m === 'calls.candidate')
    expect(bOrder[0]).toBe('calls.accept')
    // The end of candidates travels as an empty candidate.
    expect(a.go.callsTo('calls.candidate').some((args) => (args[1] as { candidate: string }).candidate === '')).toBe(true)
    const start = a.go.callsTo('calls.start')[0]
    expect(start.slice(0, 2)).toEqual(['PEERB', true])
    expect(JSON.parse(start[2] as string).media.map((m: { kind: string }) => m.kind)).toEqual(['audio', 'video'])
    expect(JSON.parse(start[2] as string).data).toBe(true) // the state channel rides in the first offer
    expect(a.go.callsTo('calls.renegotiate')).toHaveLength(0)
    expect(b.go.callsTo('calls.renegotiate')).toHaveLength(0)
  })

  it('uses the ICE servers the app hands out', async () => {
    const { a, b } = pair()
    a.go.iceServerList = [{ urls: ['turn:turn.example:3478'], username: 'u', credential: 'c' }, { urls: [] }]
    await connect(a, b)
    expect(a.pc().config.iceServers).toEqual([{ urls: ['turn:turn.example:3478'], username: 'u', credential: 'c' }])
  })

  it('hangup stops every local track, closes the connection and drops listeners, on both sides', async () => {
    const { a, b } = pair()
    await connect(a, b)
    await a.session.startScreenShare()
    expect(a.rtc.media.live().map((t) => t.label).sort()).toEqual(['mic', 'screen'])
    const pcA = a.pc()
    const pcB = b.pc()

    await a.session.hangup()
    await waitFor(() => b.session.state === 'ended', 'B ended')
    for (const s of [a, b]) {
      expect(s.session.state).toBe('ended')
      expect(s.session.error).toBeNull()
      expect(s.rtc.media.live()).toEqual([])
      expect(s.session.localStream).toBeNull()
      expect(s.session.remoteStream).toBeNull()
      expect(s.session.stats).toBeNull()
      expect(s.rtc.network.listenerCount).toBe(0)
    }
    for (const pc of [pcA, pcB]) {
      expect(pc.closed).toBe(true)
      for (const t of ['negotiationneeded', 'icecandidate', 'track', 'iceconnectionstatechange', 'connectionstatechange']) {
        expect(pc.listenerCount(t)).toBe(0)
      }
    }
    expect(a.go.callsTo('calls.hangup')).toHaveLength(1)
    expect(b.errors).toEqual([])
  })

  it('makes any number of calls in a row, either way', async () => {
    const { a, b } = pair()
    for (let i = 0; i < 3; i++) {
      const [caller, callee] = i % 2 === 0 ? [a, b] : [b, a]
      await connect(caller, callee, i !== 1)
      expect(a.rtc.pcs()).toHaveLength(i + 1)
      expect(b.rtc.pcs()).toHaveLength(i + 1)
      await callee.session.hangup()
      await waitFor(() => caller.session.state === 'ended', 'ended')
      expect(a.rtc.media.live()).toEqual([])
      expect(b.rtc.media.live()).toEqual([])
      expect(a.rtc.pcs().every((p) => p.closed) && b.rtc.pcs().every((p) => p.closed)).toBe(true)
    }
    expect(a.errors).toEqual([])
    expect(b.errors).toEqual([])
  })

  it('an audio call offers no video and opens no camera', async () => {
    const { a, b } = pair()
    await connect(a, b, false)
    expect(a.rtc.media.requests[0].video).toBe(false)
    expect(b.rtc.media.requests[0].video).toBe(false)
    expect(a.pc().transceivers.map((t) => t.kind)).toEqual(['audio'])
    expect(a.session.localMedia).toEqual({ micOn: true, cameraOn: false, screenSharing: false })
  })

  it('accepting a video call without video answers with sound only but still receives the picture', async () => {
    const { a, b } = pair()
    await connect(a, b, true, false)
    expect(b.rtc.media.requests[0].video).toBe(false)
    expect(b.go.callsTo('calls.accept')[0][1]).toBe(false)
    await waitFor(() => b.session.remoteStream?.getVideoTracks().length === 1, 'B receives video')
    expect(sender(b.pc(), 'video')?.track ?? null).toBeNull()
  })
})

describe('CallSession: refusals and failures', () => {
  it('a declined call ends with declined for the caller and nothing for the callee', async () => {
    const { a, b } = pair()
    await a.session.placeCall('PEERB', { video: true })
    await waitFor(() => b.session.state === 'ringing', 'ringing')
    await b.session.decline()
    await waitFor(() => a.session.state === 'ended', 'A ended')
    expect(a.session.error?.code).toBe('declined')
    expect(a.session.error?.message).toBe('The call was declined.')
    expect(a.errors.map((e) => e.code)).toEqual(['declined'])
    expect(b.session.state).toBe('ended')
    expect(b.session.error).toBeNull()
    expect(a.rtc.media.live()).toEqual([])
    expect(a.pc().closed).toBe(true)
    expect(b.rtc.media.requests).toHaveLength(0)
  })

  it('the connection a ringing callee prepared is closed when the call is declined or cancelled, with no media ever opened', async () => {
    const { a, b } = pair()
    for (const end of ['decline', 'cancel'] as const) {
      await a.session.placeCall('PEERB', { video: true })
      await waitFor(() => b.session.state === 'ringing' && b.rtc.pcs().some((p) => !p.closed && p.remoteDescription?.type === 'offer'), 'B prepared')
      if (end === 'decline') await b.session.decline()
      else await a.session.cancel()
      await waitFor(() => a.session.state === 'ended' && b.session.state === 'ended', `both ended (${end})`)
      await waitFor(() => b.rtc.pcs().every((p) => p.closed), `B's prepared connection closed (${end})`)
      expect(b.rtc.media.requests).toHaveLength(0)
      expect(b.session.remoteStream).toBeNull()
      expect(b.go.callsTo('calls.accept')).toHaveLength(0)
      expect(b.go.callsTo('calls.candidate')).toHaveLength(0)
    }
  })

  it('busy and offline callees end the call with their error', async () => {
    const { a, b } = pair()
    b.go.busy = true
    await a.session.placeCall('PEERB', { video: false })
    await waitFor(() => a.session.state === 'ended', 'ended busy')
    expect(a.session.error?.code).toBe('busy')
    expect(a.rtc.media.live()).toEqual([])

    b.go.busy = false
    a.go.offline = true
    await a.session.placeCall('PEERB', { video: false })
    await waitFor(() => a.session.state === 'ended' && a.session.error !== null, 'ended offline')
    expect(a.session.error?.code).toBe('offline')
    expect(a.rtc.media.live()).toEqual([])
    expect(b.session.state).toBe('idle')
  })

  it('maps a permission refusal and does not call anyone', async () => {
    const { a } = pair()
    a.rtc.media.failNext = ['NotAllowedError']
    await a.session.placeCall('PEERB', { video: false })
    expect(a.session.state).toBe('ended')
    expect(a.session.error?.code).toBe('permission_denied')
    expect(a.session.error?.message).toMatch(/not allowed to use your camera or microphone/)
    expect(a.go.callsTo('calls.start')).toHaveLength(0)
    expect(a.rtc.pcs()).toHaveLength(0)
  })

  it('no devices at all: no_devices', async () => {
    const { a } = pair()
    a.rtc.media.failNext = ['NotFoundError', 'NotFoundError']
    await a.session.placeCall('PEERB', { video: true })
    expect(a.session.error?.code).toBe('no_devices')
    expect(a.go.callsTo('calls.start')).toHaveLength(0)
  })

  it('a camera that fails leaves a call with sound, and says so', async () => {
    const { a, b } = pair()
    a.rtc.media.failVideo = 'NotReadableError'
    await connect(a, b, true)
    expect(a.errors.map((e) => e.code)).toEqual(['device_in_use'])
    expect(a.session.localMedia.cameraOn).toBe(false)
    // Video is still offered, so A sees B and can turn a camera on later.
    expect(a.pc().transceivers.map((t) => t.kind)).toEqual(['audio', 'video'])
    await waitFor(() => a.session.remoteStream?.getVideoTracks().length === 1, 'A receives video')
  })

  it('the callee without a microphone can still answer and listen', async () => {
    const { a, b } = pair()
    b.rtc.media.failNext = ['NotFoundError']
    await connect(a, b, false)
    expect(b.errors.map((e) => e.code)).toEqual(['no_devices'])
    expect(b.session.localMedia.micOn).toBe(false)
  })

  it('cancel while ringing tells Go and stops the media', async () => {
    const { a, b } = pair()
    await a.session.placeCall('PEERB', { video: true })
    await waitFor(() => a.session.state === 'ringing', 'ringing')
    await a.session.cancel()
    expect(a.session.state).toBe('ended')
    expect(a.session.error).toBeNull()
    expect(a.rtc.media.live()).toEqual([])
    expect(a.go.callsTo('calls.hangup')).toHaveLength(1)
    await waitFor(() => b.session.state === 'ended', 'B stops ringing')
    expect(b.session.error).toBeNull()
  })

  it('cancel before Calls.Start answered hangs up as soon as it does', async () => {
    const { a, b } = pair()
    void a.session.placeCall('PEERB', { video: false })
    await waitFor(() => a.go.callsTo('calls.start').length === 1, 'start sent')
    await a.session.cancel()
    await waitFor(() => a.go.callsTo('calls.hangup').length === 1, 'hangup after start')
    await waitFor(() => b.session.state === 'ended', 'B ended')
    expect(a.rtc.media.live()).toEqual([])
  })

  it('a Calls.Start error ends the call with its message', async () => {
    const { a } = pair()
    const { BackendError } = await import('../backend')
    a.go.failures['calls.start'] = new BackendError('busy', 'calls: already in a call')
    await a.session.placeCall('PEERB', { video: false })
    await waitFor(() => a.session.state === 'ended', 'ended')
    expect(a.session.error?.code).toBe('busy')
    expect(a.rtc.media.live()).toEqual([])
  })

  it('refuses a second call while one is live, without disturbing it', async () => {
    const { a, b } = pair()
    await connect(a, b)
    await a.session.placeCall('PEERB', { video: true })
    expect(a.errors.map((e) => e.code)).toEqual(['wrong_state'])
    expect(a.session.state).toBe('connected')
    await b.session.accept({ video: true })
    expect(b.errors.map((e) => e.code)).toEqual(['wrong_state'])
  })

  it('fails with connection_failed when the media never connects', async () => {
    const { a, b } = pair({ connectTimeoutMs: 100 })
    // Neither side ever connects.
    const orig = FakePeerConnection.prototype.setLocalDescription
    vi.spyOn(FakePeerConnection.prototype, 'setLocalDescription').mockImplementation(function (this: FakePeerConnection, d) {
      this.autoConnect = false
      return orig.call(this, d)
    })
    await a.session.placeCall('PEERB', { video: false })
    await waitFor(() => b.session.state === 'ringing', 'ringing')
    await b.session.accept({ video: false })
    await waitFor(() => a.session.state === 'ended' && b.session.state === 'ended', 'both ended', 3000)
    // Both ends name the cause: the first to give up tells the other through Go (not "the other side hung up").
    expect([a.session.error?.code, b.session.error?.code]).toEqual(['connection_failed', 'connection_failed'])
    for (const s of [a, b]) expect(s.session.error?.message).toMatch(/ICE|route/)
    expect([...a.go.callsTo('calls.mediaState'), ...b.go.callsTo('calls.mediaState')].map((args) => args[1])).toContain('failed')
    expect(a.rtc.media.live()).toEqual([])
    expect(b.rtc.media.live()).toEqual([])
  })

  it('ends both sides at once when ICE fails before connecting, without waiting for the timer', async () => {
    const { a, b } = pair({ connectTimeoutMs: 60_000 })
    const orig = FakePeerConnection.prototype.setLocalDescription
    vi.spyOn(FakePeerConnection.prototype, 'setLocalDescription').mockImplementation(function (this: FakePeerConnection, d) {
      this.autoConnect = false
      return orig.call(this, d)
    })
    await a.session.placeCall('PEERB', { video: true })
    await waitFor(() => b.session.state === 'ringing', 'ringing')
    await b.session.accept({ video: true })
    await waitFor(() => a.session.state === 'connecting' && b.session.state === 'connecting', 'connecting')
    a.pc().setState('failed', 'failed')
    await waitFor(() => a.session.state === 'ended' && b.session.state === 'ended', 'both ended')
    expect(a.session.error?.code).toBe('connection_failed')
    expect(a.session.error?.message).toMatch(/ICE failed/)
    expect(b.session.error?.code).toBe('connection_failed')
    expect(b.session.error?.message).toMatch(/ICE failed: no route/)
    // No restart of a path that never worked: it would gather the same candidates again.
    expect(a.go.callsTo('calls.renegotiate')).toHaveLength(0)
    expect(a.rtc.media.live()).toEqual([])
    expect(b.rtc.media.live()).toEqual([])
  })
})

describe('CallSession: Go-level glare and resync', () => {
  it('auto-accepts the folded call with the video choice we placed', async () => {
    const { a, b } = pair()
    // Go kept B's call and cancelled ours: ours ends, theirs rings with autoAccept.
    await a.session.placeCall('PEERB', { video: false })
    await waitFor(() => b.session.state === 'ringing', 'B ringing')
    const id = a.session.call!.id
    a.go.emit('call:state', { ...a.session.call!, state: 'ended', outcome: 'cancelled', reason: 'both called at once; joined the other call' })
    a.go.emit('call:incoming', {
      call: { id: 'glare', peer: 'PEERB', peerName: 'B', direction: 'incoming', media: ['audio', 'video'], state: 'ringing', verified: true, autoAccept: true, startedAt: '' },
      offer: JSON.stringify({ pc: 'x', ufrag: 'u', media: [{ mid: '0', kind: 'audio', direction: 'sendrecv' }], data: true }),
    })
    await waitFor(() => a.go.callsTo('calls.accept').length === 1, 'auto accept')
    expect(a.go.callsTo('calls.accept')[0].slice(0, 2)).toEqual(['glare', false])
    expect(id).not.toBe('glare')
    // Our own call ended without an error (the fake Go knows no 'glare' call, so the accept itself fails here).
    expect(a.states.slice(0, 4)).toEqual(['calling', 'ringing', 'ended', 'ringing'])
  })

  it('after the bridge reconnects, a call Go no longer has ends', async () => {
    const { a, b } = pair()
    await a.session.placeCall('PEERB', { video: false })
    await waitFor(() => b.session.state === 'ringing', 'ringing')
    b.go.current = null
    b.go.setConnected(true)
    await waitFor(() => b.session.state === 'ended', 'B ended')
    expect(b.session.error).toBeNull()
  })

  it("after the bridge reconnects, a group leg that is not Go's oldest call goes on (resync by id, Calls.List)", async () => {
    const { a, b } = pair()
    await a.session.placeCall('PEERB', { video: false })
    await waitFor(() => b.session.state === 'ringing', 'ringing')
    const ours = b.session.call!
    const older = { ...ours, id: 'older-leg', peer: 'PEERC' }
    b.go.impl('calls.current', () => older) // Calls.Current names the oldest leg only
    b.go.impl('calls.list', () => [older, ours])
    b.go.setConnected(true)
    await waitFor(() => b.go.callsTo('calls.list').length === 1, 'resync asked Go')
    await new Promise((r) => setTimeout(r, 20))
    expect(b.session.state).toBe('ringing')
    expect(b.go.callsTo('calls.hangup')).toHaveLength(0)
  })

  it('another window of the app observes the call: mirrors it, no media, never hangs up by itself', async () => {
    const { a, b } = pair({ connectTimeoutMs: 100 })
    const observer = side(b.go, { connectTimeoutMs: 100 })
    await connect(a, b)
    await waitFor(() => observer.session.state === 'connected', 'observer mirrors connected')
    await new Promise((r) => setTimeout(r, 250)) // past its connect timeout
    expect(observer.session.state).toBe('connected')
    expect(b.go.callsTo('calls.hangup')).toHaveLength(0)
    expect(observer.rtc.media.requests).toHaveLength(0)
    // It prepared a connection while ringing, and closed it once another window answered.
    expect(observer.rtc.pcs().every((p) => p.closed)).toBe(true)
    await a.session.hangup()
    await waitFor(() => observer.session.state === 'ended' && b.session.state === 'ended', 'both windows ended')
    expect(observer.session.error).toBeNull()
  })

  it('a window opened while it rings (the call window) picks the call up and answers it', async () => {
    const board = new Switchboard()
    const a = side(board.a)
    // The app window that rang has no WebRTC (Debian's WebKitGTK), so it made no connection.
    const ringer = side(board.b, { rtc: { ...fakeRtc().env, RTCPeerConnection: undefined } })
    await a.session.placeCall('PEERB', { video: true })
    await waitFor(() => ringer.session.state === 'ringing', 'ringing')
    const late = side(board.b) // opened after call:incoming went out
    expect(late.session.state).toBe('idle')
    expect(await late.session.pickUp()).toBe(true)
    expect(late.session.state).toBe('ringing')
    expect(await late.session.pickUp()).toBe(true) // twice is harmless
    await late.session.accept({ video: true })
    await waitFor(() => a.session.state === 'connected' && late.session.state === 'connected', 'connected through the late window')
    expect(late.rtc.media.requests).toHaveLength(1)
    expect(ringer.rtc.media.requests).toHaveLength(0)
    await a.session.hangup()
    await waitFor(() => late.session.state === 'ended', 'ended')
    expect(await late.session.pickUp()).toBe(false) // nothing rings now
  })

  it('a window without WebRTC cannot answer but does not decline either', async () => {
    const board = new Switchboard()
    const a = side(board.a)
    const noRtc = side(board.b, { rtc: { ...fakeRtc().env, RTCPeerConnection: undefined } })
    expect(noRtc.session.canCall).toBe(false)
    expect(a.session.canCall).toBe(true)
    await a.session.placeCall('PEERB', { video: false })
    await waitFor(() => noRtc.session.state === 'ringing', 'ringing')
    await noRtc.session.accept({ video: false })
    expect(noRtc.errors.map((e) => e.code)).toEqual(['no_webrtc'])
    expect(noRtc.session.state).toBe('ringing')
    expect(board.b.callsTo('calls.decline')).toHaveLength(0)
    await noRtc.session.placeCall('PEERA', { video: false })
    expect(noRtc.errors.map((e) => e.code)).toEqual(['no_webrtc', 'wrong_state'])
  })

  it('dispose hangs up and stops listening', async () => {
    const { a, b } = pair()
    await connect(a, b)
    a.session.dispose()
    expect(a.go.listenerCount()).toBe(0)
    expect(a.rtc.media.live()).toEqual([])
    expect(a.pc().closed).toBe(true)
    await waitFor(() => b.session.state === 'ended', 'B ended')
  })
})
