import { describe, expect, it } from 'vitest'
import { parseStats, qualityOf, shownPath } from './stats'

type Stat = Record<string, unknown>

/** A getStats() report as Chromium 120+ produces it (trimmed to the fields read, plus some noise), at time t ms. */
function chromeReport(t: number, o: { bytesIn: number; bytesOut: number; recv: number; lost: number; rtt?: number; relay?: boolean; fractionLost?: number }) {
  const stats: Stat[] = [
    { id: 'T01', type: 'transport', timestamp: t, selectedCandidatePairId: 'CPa1b2', dtlsState: 'connected', iceState: 'connected' },
    { id: 'CPa1b2', type: 'candidate-pair', timestamp: t, transportId: 'T01', localCandidateId: 'Ia1', remoteCandidateId: 'Ib2', state: 'succeeded', nominated: true, currentRoundTripTime: o.rtt ?? 0.012, availableOutgoingBitrate: 2_500_000 },
    // A losing pair that must not be picked.
    { id: 'CPzz', type: 'candidate-pair', timestamp: t, localCandidateId: 'Izz', remoteCandidateId: 'Ib2', state: 'failed', nominated: false, currentRoundTripTime: 2 },
    { id: 'Ia1', type: 'local-candidate', timestamp: t, candidateType: o.relay ? 'relay' : 'host', protocol: 'udp', address: '192.168.1.20' },
    { id: 'Izz', type: 'local-candidate', timestamp: t, candidateType: 'relay' },
    { id: 'Ib2', type: 'remote-candidate', timestamp: t, candidateType: 'host', address: '192.168.1.30' },
    { id: 'IT01A1', type: 'inbound-rtp', kind: 'audio', timestamp: t, bytesReceived: o.bytesIn * 0.1, packetsReceived: o.recv * 0.5, packetsLost: o.lost * 0.5, jitter: 0.003 },
    { id: 'IT01V2', type: 'inbound-rtp', kind: 'video', timestamp: t, bytesReceived: o.bytesIn * 0.9, packetsReceived: o.recv * 0.5, packetsLost: o.lost * 0.5, frameWidth: 1280, frameHeight: 720, framesPerSecond: 29.97 },
    { id: 'OT01A3', type: 'outbound-rtp', kind: 'audio', timestamp: t, bytesSent: o.bytesOut * 0.1 },
    { id: 'OT01V4', type: 'outbound-rtp', kind: 'video', timestamp: t, bytesSent: o.bytesOut * 0.9, frameWidth: 640, frameHeight: 360 },
    { id: 'RIA3', type: 'remote-inbound-rtp', kind: 'audio', timestamp: t, roundTripTime: 0.015, fractionLost: 0 },
    { id: 'RIV4', type: 'remote-inbound-rtp', kind: 'video', timestamp: t, roundTripTime: 0.014, fractionLost: o.fractionLost ?? 0 },
    { id: 'CF', type: 'certificate', timestamp: t, fingerprint: 'AA:BB' },
    { id: 'COT01_111', type: 'codec', timestamp: t, mimeType: 'audio/opus' },
  ]
  return new Map(stats.map((s) => [s.id as string, s]))
}

describe('parseStats', () => {
  it('reads a Chromium report: rtt, path, resolution, fps; no rates from one sample', () => {
    const { stats, state } = parseStats(chromeReport(1000, { bytesIn: 100_000, bytesOut: 80_000, recv: 1000, lost: 0 }), null)
    expect(stats).toEqual({
      rttMs: 12,
      packetLossPct: 0,
      bitrateKbps: { in: 0, out: 0 },
      resolution: { width: 1280, height: 720 },
      fps: 29.97,
      path: 'direct',
      quality: 'good',
      timestamp: 1000,
    })
    expect(state).toEqual({ timestamp: 1000, bytesIn: 100_000, bytesOut: 80_000, packetsReceived: 1000, packetsLost: 0 })
  })

  it('computes bitrates and loss over the interval between two samples', () => {
    const first = parseStats(chromeReport(1000, { bytesIn: 100_000, bytesOut: 80_000, recv: 1000, lost: 10 }), null)
    // One second later: +250 kB in (2000 kbit/s), +125 kB out (1000 kbit/s), 95 received and 5 lost.
    const { stats } = parseStats(chromeReport(2000, { bytesIn: 350_000, bytesOut: 205_000, recv: 1095, lost: 15, rtt: 0.3 }), first.state)
    expect(stats.bitrateKbps).toEqual({ in: 2000, out: 1000 })
    expect(stats.packetLossPct).toBe(5)
    expect(stats.rttMs).toBe(300)
    expect(stats.quality).toBe('fair')
  })

  it('takes the worse of our loss and the loss the other side reports', () => {
    const first = parseStats(chromeReport(0, { bytesIn: 0, bytesOut: 0, recv: 0, lost: 0 }), null)
    const { stats } = parseStats(chromeReport(1000, { bytesIn: 1, bytesOut: 1, recv: 100, lost: 0, fractionLost: 0.1 }), first.state)
    expect(stats.packetLossPct).toBe(10)
    expect(stats.quality).toBe('poor')
  })

  it('says relayed when either end of the selected pair is a TURN relay', () => {
    const { stats } = parseStats(chromeReport(0, { bytesIn: 0, bytesOut: 0, recv: 0, lost: 0, relay: true }), null)
    expect(stats.path).toBe('relayed')
  })

  it('finds the pair without a transport entry (Firefox: selected), and falls back to remote-inbound rtt', () => {
    const report = new Map<string, Stat>([
      ['p', { type: 'candidate-pair', selected: true, localCandidateId: 'l', remoteCandidateId: 'r', timestamp: 5 }],
      ['l', { type: 'local-candidate', candidateType: 'srflx' }],
      ['r', { type: 'remote-candidate', candidateType: 'prflx' }],
      ['ri', { type: 'remote-inbound-rtp', roundTripTime: 0.08, timestamp: 5 }],
    ])
    const { stats } = parseStats(report, null)
    expect(stats.path).toBe('direct')
    expect(stats.rttMs).toBe(80)
    expect(stats.resolution).toBeNull()
    expect(stats.fps).toBeNull()
  })

  it('an empty report (audio-only before media) is all unknown and good', () => {
    const { stats } = parseStats(new Map(), null)
    expect(stats).toMatchObject({ rttMs: null, packetLossPct: null, path: null, resolution: null, fps: null, quality: 'good' })
  })

  it('counters going backwards (a new SSRC after renegotiation) never make negative rates', () => {
    const first = parseStats(chromeReport(0, { bytesIn: 1_000_000, bytesOut: 1_000_000, recv: 5000, lost: 50 }), null)
    const { stats } = parseStats(chromeReport(1000, { bytesIn: 10, bytesOut: 10, recv: 10, lost: 0 }), first.state)
    expect(stats.bitrateKbps).toEqual({ in: 0, out: 0 })
    expect(stats.packetLossPct ?? 0).toBeGreaterThanOrEqual(0)
  })
})

describe('qualityOf', () => {
  it.each([
    ['unknown', null, null, 'good'],
    ['LAN', 2, 0, 'good'],
    ['just under fair', 249, 1.9, 'good'],
    ['slow', 250, 0, 'fair'],
    ['lossy', 20, 2, 'fair'],
    ['very slow', 500, 0, 'poor'],
    ['very lossy', 20, 8, 'poor'],
  ] as const)('%s: rtt %s ms, loss %s%% → %s', (_name, rtt, loss, want) => {
    expect(qualityOf(rtt, loss)).toBe(want)
  })
})

describe('shownPath (data-testid="call-path")', () => {
  const remoteRelay = () => {
    const r = chromeReport(0, { bytesIn: 0, bytesOut: 0, recv: 0, lost: 0 })
    r.set('Ib2', { ...r.get('Ib2')!, candidateType: 'relay' })
    return r
  }
  it.each([
    ['host to host, connected', 'connected', chromeReport(0, { bytesIn: 0, bytesOut: 0, recv: 0, lost: 0 }), 'direct'],
    ['our relay, connected', 'connected', chromeReport(0, { bytesIn: 0, bytesOut: 0, recv: 0, lost: 0, relay: true }), 'relayed'],
    ['their relay only, connected', 'connected', remoteRelay(), 'relayed'],
    ['relayed but reconnecting', 'reconnecting', remoteRelay(), null],
    ['connecting', 'connecting', chromeReport(0, { bytesIn: 0, bytesOut: 0, recv: 0, lost: 0 }), null],
    ['no pair yet', 'connected', new Map(), null],
  ] as const)('%s', (_, state, report, want) => {
    expect(shownPath(state, parseStats(report, null).stats)).toBe(want)
  })
  it('is null with no stats', () => expect(shownPath('connected', null)).toBeNull())
})
