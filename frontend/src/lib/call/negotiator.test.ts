import { beforeEach, describe, expect, it, vi } from 'vitest'
import { FakePeerConnection, FakeTrack, settle, waitFor } from './calltest/rtc'
import { Negotiator, type NegotiationMessage } from './negotiator'

const asPeer = (pc: FakePeerConnection) => pc as unknown as RTCPeerConnection

/** Two negotiators wired to each other through an asynchronous "signaling" hop. */
function wired(): { impolite: FakePeerConnection; polite: FakePeerConnection; sent: { from: string; msg: NegotiationMessage }[] } {
  const impolite = new FakePeerConnection()
  const polite = new FakePeerConnection()
  const sent: { from: string; msg: NegotiationMessage }[] = []
  const negs: Record<string, Negotiator> = {}
  const hop = (from: string, to: string) => (msg: NegotiationMessage) => {
    sent.push({ from, msg })
    setTimeout(() => void negs[to].receive(msg).catch(() => {}), 1)
  }
  negs.impolite = new Negotiator(asPeer(impolite), hop('impolite', 'polite'), false)
  negs.polite = new Negotiator(asPeer(polite), hop('polite', 'impolite'), true)
  return { impolite, polite, sent }
}

beforeEach(() => {
  FakePeerConnection.all = []
})

describe('Negotiator', () => {
  it('queues remote candidates until the remote description is set, then adds them in order', async () => {
    const caller = new FakePeerConnection()
    caller.addTrack(new FakeTrack('audio'))
    await caller.setLocalDescription()
    const offer = caller.localDescription!

    const callee = new FakePeerConnection()
    const out: NegotiationMessage[] = []
    const n = new Negotiator(asPeer(callee), (m) => void out.push(m), true)
    const c1 = { candidate: 'candidate:1 1 udp 1 10.0.0.1 1 typ host', sdpMid: '0', sdpMLineIndex: 0 }
    const c2 = { candidate: 'candidate:2 1 udp 1 10.0.0.2 2 typ host', sdpMid: '0', sdpMLineIndex: 0 }
    await n.receive({ candidate: c1 })
    await n.receive({ candidate: c2 })
    await n.receive({ candidate: null })
    expect(n.pendingCandidates).toBe(3)
    expect(callee.added).toEqual([])

    await n.receive({ description: { type: 'offer', sdp: offer.sdp } })
    expect(n.pendingCandidates).toBe(0)
    // null (end of candidates) is addIceCandidate() with no argument.
    expect(callee.added).toEqual([c1, c2, undefined])
    expect(out[0]).toMatchObject({ description: { type: 'answer' } })
    // Later candidates go straight in.
    await n.receive({ candidate: c1 })
    expect(callee.added).toHaveLength(4)
  })

  it('runs beforeAnswer between setting the offer and answering (the callee adds tracks there)', async () => {
    const caller = new FakePeerConnection()
    caller.addTrack(new FakeTrack('audio'))
    caller.addTrack(new FakeTrack('video'))
    await caller.setLocalDescription()
    const callee = new FakePeerConnection()
    const out: NegotiationMessage[] = []
    const n = new Negotiator(asPeer(callee), (m) => void out.push(m), true)
    const nn = vi.fn()
    callee.addEventListener('negotiationneeded', nn)
    await n.receive({ description: { type: 'offer', sdp: caller.localDescription!.sdp } }, () => {
      expect(callee.signalingState).toBe('have-remote-offer')
      callee.addTrack(new FakeTrack('audio'))
    })
    const answer = JSON.parse((out[0] as { description: { sdp: string } }).description.sdp)
    expect(answer.media).toEqual([
      { mid: '0', kind: 'audio', direction: 'sendrecv' },
      { mid: '1', kind: 'video', direction: 'recvonly' },
    ])
    await settle()
    expect(nn).not.toHaveBeenCalled() // the track rode in the answer: nothing left to negotiate
  })

  it('trickles local candidates as they come, and null at the end', async () => {
    const pc = new FakePeerConnection()
    const out: NegotiationMessage[] = []
    new Negotiator(asPeer(pc), (m) => void out.push(m), false)
    pc.addTrack(new FakeTrack('audio'))
    await waitFor(() => out.length === 3, 'offer and candidates')
    expect(out[0]).toMatchObject({ description: { type: 'offer' } })
    expect(out[1]).toMatchObject({ candidate: { candidate: expect.stringContaining('typ host'), sdpMid: '0' } })
    expect(out[2]).toEqual({ candidate: null })
  })

  it('glare: both offer at once; the polite side rolls back and answers, the impolite side ignores', async () => {
    const { impolite, polite, sent } = wired()
    impolite.addTrack(new FakeTrack('audio'))
    polite.addTrack(new FakeTrack('audio'))
    polite.addTrack(new FakeTrack('video'))
    await waitFor(() => impolite.connectionState === 'connected' && polite.connectionState === 'connected', 'connected')
    await settle()

    expect(sent.filter((s) => 'description' in s.msg && s.msg.description.type === 'offer').map((s) => s.from)).toContain('polite')
    expect(polite.history.slice(0, 4)).toEqual(['local-offer', 'rollback', 'remote-offer', 'local-answer'])
    // The impolite side never took the polite offer that collided.
    expect(impolite.history.slice(0, 2)).toEqual(['local-offer', 'remote-answer'])
    for (const pc of [impolite, polite]) {
      expect(pc.signalingState).toBe('stable')
      expect(pc.transceivers.every((t) => t.mid !== null && t.negotiated === t.direction)).toBe(true)
    }
    // The polite side's video, not in the first offer, was negotiated afterwards.
    expect(impolite.transceivers.map((t) => t.kind).sort()).toEqual(['audio', 'video'])
  })

  it('either side renegotiates later (tracks added after connecting)', async () => {
    const { impolite, polite } = wired()
    impolite.addTrack(new FakeTrack('audio'))
    await waitFor(() => polite.connectionState === 'connected', 'connected')
    polite.addTransceiver('video', { direction: 'sendrecv' })
    await waitFor(() => impolite.transceivers.length === 2 && polite.signalingState === 'stable' && impolite.signalingState === 'stable', 'renegotiated')
    await settle()
    expect(polite.history).toContain('local-offer')
    expect(impolite.history).toContain('local-answer')
  })

  it('an ICE restart renegotiates with new credentials', async () => {
    const { impolite, polite } = wired()
    impolite.addTrack(new FakeTrack('audio'))
    await waitFor(() => polite.connectionState === 'connected', 'connected')
    await settle()
    const ufrag = (pc: FakePeerConnection, d: 'localDescription' | 'remoteDescription') => JSON.parse(pc[d]!.sdp).ufrag
    const before = [ufrag(impolite, 'localDescription'), ufrag(polite, 'localDescription')]
    impolite.setState('failed', 'failed')
    impolite.restartIce()
    await waitFor(() => impolite.connectionState === 'connected' && polite.signalingState === 'stable' && ufrag(polite, 'remoteDescription') !== before[0], 'restarted')
    // Both sides have new credentials, and each knows the other's.
    expect(ufrag(impolite, 'localDescription')).not.toBe(before[0])
    expect(ufrag(polite, 'localDescription')).not.toBe(before[1])
    expect(ufrag(impolite, 'remoteDescription')).toBe(ufrag(polite, 'localDescription'))
  })

  it('reports a failed offer send, and does nothing once closed', async () => {
    const pc = new FakePeerConnection()
    const onError = vi.fn()
    const n = new Negotiator(asPeer(pc), () => Promise.reject(new Error('no link')), false, { onError })
    pc.addTrack(new FakeTrack('audio'))
    await waitFor(() => onError.mock.calls.length > 0, 'error')
    expect(onError.mock.calls[0][0]).toEqual(new Error('no link'))

    n.close()
    expect(pc.listenerCount('negotiationneeded')).toBe(0)
    expect(pc.listenerCount('icecandidate')).toBe(0)
    await n.receive({ candidate: { candidate: 'x', sdpMid: '0' } })
    expect(n.pendingCandidates).toBe(0)
  })

  it('rejects when a description cannot be applied', async () => {
    const pc = new FakePeerConnection()
    const n = new Negotiator(asPeer(pc), () => {}, true)
    await expect(n.receive({ description: { type: 'answer', sdp: '{"pc":"x","ufrag":"u","media":[],"data":false}' } })).rejects.toThrow()
  })
})

describe('Negotiator: candidates the description already carries', () => {
  // Real SDP as Chromium writes it: the callee's answer carries its first
  // candidate, which it also trickles (with its ufrag named, as Chromium does).
  const host = 'candidate:3120349518 1 udp 2113937151 c9a61409.local 40749 typ host generation 0'
  const answer = ['v=0', 'm=video 9 UDP/TLS/RTP/SAVPF 96', 'a=ice-ufrag:6puJ', 'a=ice-pwd:x', `a=${host} network-cost 999`, 'a=mid:0', ''].join('\r\n')
  const trickled = { candidate: `${host} ufrag 6puJ network-cost 999`, sdpMid: '0', sdpMLineIndex: 0 }

  function peer(srdGate: Promise<void> = Promise.resolve()) {
    const added: (RTCIceCandidateInit | undefined)[] = []
    const pc = {
      signalingState: 'have-local-offer',
      remoteDescription: null as RTCSessionDescriptionInit | null,
      localDescription: null,
      async setRemoteDescription(d: RTCSessionDescriptionInit) {
        // As in a browser: the description is visible before the promise resolves.
        this.remoteDescription = d
        this.signalingState = 'stable'
        await srdGate
      },
      async setLocalDescription() {},
      async addIceCandidate(c?: RTCIceCandidateInit) {
        added.push(c)
      },
      addEventListener() {},
      removeEventListener() {},
    }
    return { pc, added, n: new Negotiator(pc as unknown as RTCPeerConnection, () => {}, false) }
  }

  it('does not add a trickled candidate the answer carried (addIceCandidate holds the page in Chromium), and adds the others', async () => {
    const { n, added } = peer()
    await n.receive({ candidate: trickled }) // before the answer: queued, then skipped
    await n.receive({ description: { type: 'answer', sdp: answer } })
    await n.receive({ candidate: trickled })
    const other = { candidate: 'candidate:2 1 udp 2113939711 d0b1.local 5000 typ host generation 0 ufrag 6puJ network-cost 999', sdpMid: '0', sdpMLineIndex: 0 }
    await n.receive({ candidate: other })
    // The same line under another ufrag (an ICE restart's) is a new candidate.
    const restarted = { candidate: `${host} ufrag Zz9q network-cost 999`, sdpMid: '0', sdpMLineIndex: 0 }
    await n.receive({ candidate: restarted })
    await n.receive({ candidate: null })
    expect(added).toEqual([other, restarted, undefined])
  })

  it('skips it too when it comes while setRemoteDescription(answer) still runs', async () => {
    let done!: () => void
    const { n, added } = peer(new Promise<void>((r) => (done = r)))
    const answered = n.receive({ description: { type: 'answer', sdp: answer } })
    await n.receive({ candidate: trickled })
    done()
    await answered
    expect(added).toEqual([])
  })
})
