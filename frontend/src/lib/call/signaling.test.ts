import { describe, expect, it } from 'vitest'
import type { CallsService } from '../backend'
import { CallSignaling, fromSignal, toCandidate } from './signaling'
import { decodeFlags, encodeFlags } from './statechannel'

function recorder() {
  const log: string[] = []
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const calls = {
    renegotiate: async (id: string, kind: string) => void log.push(`renegotiate ${id} ${kind}`),
    candidate: async (id: string, c: { candidate: string }) => void log.push(`candidate ${id} ${c.candidate || 'end'}`),
  } as unknown as CallsService
  const first = async (d: { type: string }) => {
    log.push(`first ${d.type}`)
    await gate
    return 'c1'
  }
  return { log, calls, first, release }
}

describe('CallSignaling', () => {
  it('sends the first description first and holds everything else until it is through, in order', async () => {
    const r = recorder()
    const s = new CallSignaling(r.calls, r.first)
    const sent = [
      s.send({ description: { type: 'offer', sdp: 'o' } }),
      s.send({ candidate: { candidate: 'a', sdpMid: '0' } }),
      s.send({ candidate: null }),
      s.send({ description: { type: 'offer', sdp: 'o2' } }),
    ]
    await new Promise((res) => setTimeout(res, 5))
    expect(r.log).toEqual(['first offer'])
    r.release()
    await Promise.all(sent)
    expect(r.log).toEqual(['first offer', 'candidate c1 a', 'candidate c1 end', 'renegotiate c1 offer'])
    expect(s.callId).toBe('c1')
  })

  it('drops what is queued once closed', async () => {
    const r = recorder()
    const s = new CallSignaling(r.calls, r.first)
    const p = s.send({ description: { type: 'answer', sdp: 'a' } })
    const q = s.send({ candidate: { candidate: 'a', sdpMid: '0' } })
    await new Promise((res) => setTimeout(res, 1)) // the answer is on its way
    s.close()
    r.release()
    await Promise.all([p, q])
    expect(r.log).toEqual(['first answer'])
  })
})

describe('candidate and signal mapping', () => {
  it('toCandidate keeps the fields Go knows and turns null into the end', () => {
    expect(toCandidate({ candidate: 'c', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' })).toEqual({ candidate: 'c', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' })
    expect(toCandidate({ candidate: 'c', sdpMid: null, sdpMLineIndex: 1 })).toEqual({ candidate: 'c', sdpMLineIndex: 1 })
    expect(toCandidate(null)).toEqual({ candidate: '' })
    expect(toCandidate({ candidate: '', usernameFragment: 'u' })).toEqual({ candidate: '', usernameFragment: 'u' })
  })

  it('fromSignal maps every call:signal kind', () => {
    expect(fromSignal({ call: 'c', kind: 'answer', sdp: 's' })).toEqual({ description: { type: 'answer', sdp: 's' } })
    expect(fromSignal({ call: 'c', kind: 'renegotiate', description: 'offer', sdp: 's' })).toEqual({ description: { type: 'offer', sdp: 's' } })
    expect(fromSignal({ call: 'c', kind: 'candidate', candidate: { candidate: 'x', sdpMid: '1' } })).toEqual({ candidate: { candidate: 'x', sdpMid: '1' } })
    expect(fromSignal({ call: 'c', kind: 'candidate', candidate: { candidate: '' } })).toEqual({ candidate: null })
    expect(fromSignal({ call: 'c', kind: 'end_of_candidates' })).toEqual({ candidate: null })
  })
})

describe('state channel messages', () => {
  it('round-trips and rejects anything else', () => {
    const f = { micOn: false, cameraOn: true, screenSharing: true }
    expect(encodeFlags(f)).toBe('{"t":"media","mic":false,"camera":true,"screen":true}')
    expect(decodeFlags(encodeFlags(f))).toEqual(f)
    for (const bad of ['nope', '{}', '{"t":"other"}', '{"t":"media","mic":1,"camera":true}', 42, 'x'.repeat(5000)]) {
      expect(decodeFlags(bad)).toBeNull()
    }
  })
})
