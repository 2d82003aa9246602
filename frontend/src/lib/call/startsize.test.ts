import { describe, expect, it, vi } from 'vitest'
import { FakePeerConnection, waitFor } from './calltest/rtc'
import { connect as connectSides, pair as sessionPair, useSessions } from './calltest/session'
import { FULL_SIZE_BITRATE, readyForFullSize, startScale } from './startsize'
import { CallEvent } from './types'

useSessions()

describe('startScale', () => {
  it('keeps pictures up to 640x480 at full size', () => {
    expect(startScale(640, 480)).toBe(1)
    expect(startScale(320, 240)).toBe(1)
    expect(startScale(undefined, undefined)).toBe(1)
    expect(startScale(0, 720)).toBe(1)
  })

  it('starts larger cameras at 640x360', () => {
    expect(startScale(1280, 720)).toBe(2)
    expect(startScale(1920, 1080)).toBe(3)
    const s = startScale(1280, 960)
    expect(Math.round((1280 / s) * (960 / s))).toBe(640 * 360)
  })
})

describe('readyForFullSize', () => {
  const report = (...rs: Record<string, unknown>[]) => new Map(rs.map((r, i) => [String(i), r]))

  it('waits for video frames going out at a bitrate that carries full size', () => {
    expect(readyForFullSize(report())).toBe(false)
    expect(readyForFullSize(report({ type: 'outbound-rtp', kind: 'video', framesSent: 0, targetBitrate: 2_000_000 }))).toBe(false)
    expect(readyForFullSize(report({ type: 'outbound-rtp', kind: 'video', framesSent: 3, targetBitrate: FULL_SIZE_BITRATE - 1 }))).toBe(false)
    expect(readyForFullSize(report({ type: 'outbound-rtp', kind: 'audio', packetsSent: 9, targetBitrate: 1_000_000 }))).toBe(false)
    expect(readyForFullSize(report({ type: 'outbound-rtp', kind: 'video', framesSent: 3, targetBitrate: FULL_SIZE_BITRATE }))).toBe(true)
  })
})

describe('CallSession: the camera starts small and goes to full size', () => {
  // The default ICE-restart timings: nothing here loses the connection.
  const pair = () => sessionPair({ disconnectedRestartMs: 3000, reconnectTimeoutMs: 30_000 })
  const connect = (p: ReturnType<typeof pair>) => connectSides(p.a, p.b)

  const videoSender = (pc: FakePeerConnection) => pc.transceivers.find((t) => t.kind === 'video')!.sender
  const flowing = (pc: FakePeerConnection, targetBitrate: number) =>
    pc.statsReport.set('out-video', { type: 'outbound-rtp', kind: 'video', framesSent: 5, targetBitrate })

  it('sends a 1280x720 camera at 640x360 until frames flow at enough bitrate, then at full size, on both sides', async () => {
    const p = pair()
    await connect(p)
    const [sa, sb] = [videoSender(p.a.pc()), videoSender(p.b.pc())]
    await waitFor(() => sb.track !== null, "B's camera in")
    // Scaled before the first frame could go out: before the track is in (callee) or before the offer (caller).
    expect(sa.scales[0]).toBe(2)
    expect(sb.scales[0]).toBe(2)
    expect(sb.replaced.at(-1)?.label).toBe('camera')

    // Frames flow, but the estimate is still low: it stays small.
    flowing(p.a.pc(), FULL_SIZE_BITRATE - 100_000)
    await new Promise((r) => setTimeout(r, 450))
    expect(sa.scale).toBe(2)

    flowing(p.a.pc(), FULL_SIZE_BITRATE)
    flowing(p.b.pc(), 1_200_000)
    await waitFor(() => sa.scale === 1 && sb.scale === 1, 'both at full size')
    expect(sa.scales).toEqual([2, 1])
    expect(sb.scales).toEqual([2, 1])

    // A camera turned on again later starts at full size at once.
    await p.a.session.setCameraOn(false)
    await p.a.session.setCameraOn(true)
    expect(sa.scale).toBe(1)
    expect(sa.scales).toEqual([2, 1])
  })

  it("scales the callee's camera sender while it rings, so Accept puts the camera on without asking the sender again", async () => {
    const p = pair()
    await p.a.session.placeCall(p.b.go.peerId, { video: true })
    await waitFor(() => p.b.session.state === 'ringing', 'B ringing')
    await waitFor(() => p.b.rtc.pcs().length > 0 && p.b.pc().transceivers.find((t) => t.kind === 'video')?.sender.scale === 2, "B's sender at its start size while ringing")
    const s = videoSender(p.b.pc())
    expect(s.track).toBeNull() // no camera while ringing
    const reads = s.parameterReads
    await p.b.session.accept({ video: true })
    await waitFor(() => s.track?.label === 'camera', "B's camera in")
    // getParameters blocks Chromium's page until the signaling thread answers, which right after Accept is busy.
    expect(s.parameterReads).toBe(reads)
    expect(s.scales).toEqual([2])
  })

  it('shares a screen at full size even while the camera was held small', async () => {
    const p = pair()
    await connect(p)
    const s = videoSender(p.a.pc())
    expect(s.scale).toBe(2)
    await p.a.session.startScreenShare()
    expect(s.track?.label).toBe('screen')
    expect(s.scale).toBe(1)
    // The camera back before full size was reached: small again until frames flow.
    await p.a.session.stopScreenShare()
    expect(s.track?.label).toBe('camera')
    expect(s.scale).toBe(2)
    flowing(p.a.pc(), 800_000)
    await waitFor(() => s.scale === 1, 'full size')
  })

  it("a group call's limit caps the bitrate and keeps the camera small, even once the bitrate would allow full size", async () => {
    const p = pair()
    await connect(p)
    const s = videoSender(p.a.pc())
    await p.a.session.capVideo({ maxBitrate: 600_000, scale: 2 })
    expect(s.encodings[0].maxBitrate).toBe(600_000)
    expect(s.scale).toBe(2)
    flowing(p.a.pc(), 1_200_000)
    await new Promise((r) => setTimeout(r, 450))
    expect(s.scale).toBe(2) // not full size: the limit holds
    // Back to two people: the limit goes, full size again.
    await p.a.session.capVideo({ maxBitrate: null, scale: 1 })
    await waitFor(() => s.scale === 1, 'full size')
    expect(s.encodings[0].maxBitrate).toBeUndefined()
    // A screen is never scaled down by the limit.
    await p.a.session.capVideo({ maxBitrate: 600_000, scale: 2 })
    await p.a.session.startScreenShare()
    expect(s.scale).toBe(1)
  })

  it('a sender that refuses setParameters sends at full size from the start, and the call goes on', async () => {
    const p = pair()
    const errors: unknown[] = []
    p.a.session.on(CallEvent.Error, (e) => errors.push(e))
    const debug = vi.spyOn(console, 'debug').mockImplementation(() => {})
    // The caller's sender is made by addTrack inside placeCall: fail every attempt on every sender of that connection.
    const orig = FakePeerConnection.prototype.addTrack
    FakePeerConnection.prototype.addTrack = function (this: FakePeerConnection, ...args: Parameters<typeof orig>) {
      const sender = orig.apply(this, args)
      sender.failSetParameters = ['InvalidModificationError']
      return sender
    }
    try {
      await connect(p)
    } finally {
      FakePeerConnection.prototype.addTrack = orig
    }
    const s = videoSender(p.a.pc())
    expect(s.scale).toBe(1)
    expect(s.scales).toEqual([])
    expect(s.track?.label).toBe('camera')
    expect(errors).toEqual([])
    expect(debug).toHaveBeenCalledWith('call: could not set the start size of the video', expect.anything())
  })
})
