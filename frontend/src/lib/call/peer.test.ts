import { afterEach, describe, expect, it, vi } from 'vitest'
import { FakePeerConnection, fakeRtc } from './calltest/rtc'
import { PeerLink, sdpWithCandidates, type GatheringPeer } from './peer'

/** A connection that is gathering: the test adds candidates to its local SDP. */
class Gathering extends EventTarget {
  localDescription: { type: RTCSdpType; sdp: string } | null = { type: 'answer', sdp: 'v=0\r\na=ice-ufrag:x\r\n' }
  iceGatheringState: RTCIceGatheringState = 'gathering'
  candidate(line: string) {
    this.localDescription = { type: 'answer', sdp: `${this.localDescription!.sdp}${line}\r\n` }
    this.dispatchEvent(new Event('icecandidate'))
  }
}
const asPeer = (g: Gathering) => g as unknown as GatheringPeer

afterEach(() => vi.useRealTimers())

describe('sdpWithCandidates', () => {
  it('returns at once when the SDP already has a candidate, or gathering is complete', async () => {
    const g = new Gathering()
    g.localDescription!.sdp += 'a=candidate:1 1 udp 1 10.0.0.1 5000 typ host\r\n'
    expect(await sdpWithCandidates(asPeer(g), 10_000)).toContain('a=candidate:1')
    const c = new Gathering()
    c.iceGatheringState = 'complete'
    expect(await sdpWithCandidates(asPeer(c), 10_000)).toBe(c.localDescription!.sdp)
  })

  it('waits for the first candidate and returns the SDP that has it', async () => {
    const g = new Gathering()
    const got = sdpWithCandidates(asPeer(g), 10_000)
    g.candidate('a=candidate:2 1 udp 1 10.0.0.2 5000 typ host')
    expect(await got).toContain('a=candidate:2')
  })

  it('keeps waiting when gathering only starts (new → gathering comes before the first candidate)', async () => {
    const g = new Gathering()
    g.iceGatheringState = 'new'
    const got = sdpWithCandidates(asPeer(g), 10_000)
    g.iceGatheringState = 'gathering'
    g.dispatchEvent(new Event('icegatheringstatechange'))
    await new Promise((r) => setTimeout(r, 5)) // the candidate comes a moment later
    g.candidate('a=candidate:3 1 udp 1 10.0.0.3 5000 typ host')
    expect(await got).toContain('a=candidate:3')
  })

  it('gives up after maxWaitMs with the SDP as it is', async () => {
    vi.useFakeTimers()
    const g = new Gathering()
    const got = sdpWithCandidates(asPeer(g), 40)
    await vi.advanceTimersByTimeAsync(40)
    expect(await got).toBe('v=0\r\na=ice-ufrag:x\r\n')
  })

  it('does not wait on a fake with no gathering state, and is null with no description', async () => {
    const fake = { localDescription: { type: 'answer', sdp: 's' } } as unknown as GatheringPeer
    expect(await sdpWithCandidates(fake, 10_000)).toBe('s')
    const none = new Gathering()
    none.localDescription = null
    expect(await sdpWithCandidates(asPeer(none), 10_000)).toBeNull()
  })
})

describe('PeerLink.limitVideo', () => {
  it('puts the cap on a video sender made after it was set (addTrack, no video transceiver before)', async () => {
    const { env, media } = fakeRtc()
    const link = new PeerLink({
      rtc: env,
      iceServers: [],
      polite: false,
      send: async () => {},
      listener: { status: () => {}, remoteStream: () => {}, remoteMedia: () => {}, stats: () => {}, error: () => {} },
      statsIntervalMs: 60_000,
      disconnectedRestartMs: 3000,
      reconnectTimeoutMs: 30_000,
    })
    try {
      await link.limitVideo(600_000, 2) // no video sender yet: kept for later
      const camera = (await media.getUserMedia({ video: true })).getVideoTracks()[0]
      await link.setTrack('video', camera)
      const sender = (link.pc as unknown as FakePeerConnection).transceivers.find((t) => t.kind === 'video')!.sender
      expect(sender.encodings[0].maxBitrate).toBe(600_000)
      expect(sender.scale).toBe(2)
    } finally {
      link.close()
    }
  })
})
