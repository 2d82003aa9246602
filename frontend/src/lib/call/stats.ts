/**
 * Call statistics from RTCPeerConnection.getStats(): round-trip time,
 * packet loss, bitrates, received video size and rate, and whether media
 * goes direct or through a TURN relay; plus a good/fair/poor verdict.
 *
 * Rates need two samples, so parseStats takes the previous sample's
 * counters (StatsState) and returns the new ones.
 */
import type { CallState, CallStats, MediaPath, Quality } from './types'

/** Counters kept between two samples. */
export interface StatsState {
  timestamp: number
  bytesIn: number
  bytesOut: number
  packetsReceived: number
  packetsLost: number
}

/** A getStats() report: an RTCStatsReport, or any Map-like of stats dictionaries (tests). */
export interface StatsReportLike {
  forEach(callback: (value: Record<string, unknown>, key: string) => void): void
  get(id: string): Record<string, unknown> | undefined
}

/** Thresholds of the quality verdict. */
export const QUALITY_THRESHOLDS = {
  fair: { rttMs: 250, lossPct: 2 },
  poor: { rttMs: 500, lossPct: 8 },
} as const

/** good/fair/poor from round-trip time and loss (unknown values count as fine). */
export function qualityOf(rttMs: number | null, lossPct: number | null): Quality {
  const rtt = rttMs ?? 0
  const loss = lossPct ?? 0
  if (rtt >= QUALITY_THRESHOLDS.poor.rttMs || loss >= QUALITY_THRESHOLDS.poor.lossPct) return 'poor'
  if (rtt >= QUALITY_THRESHOLDS.fair.rttMs || loss >= QUALITY_THRESHOLDS.fair.lossPct) return 'fair'
  return 'good'
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** Turns one report into a sample, given the previous sample's counters (null for the first). */
export function parseStats(report: StatsReportLike, prev: StatsState | null): { stats: CallStats; state: StatsState } {
  const all: Record<string, unknown>[] = []
  report.forEach((v) => all.push(v))

  // The selected candidate pair: from the transport (spec), else the
  // nominated succeeded pair (older Chromium), else Firefox's `selected`.
  let pair: Record<string, unknown> | undefined
  for (const s of all) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      pair = report.get(s.selectedCandidatePairId)
      if (pair) break
    }
  }
  pair ??= all.find((s) => s.type === 'candidate-pair' && (s.selected === true || (s.nominated === true && s.state === 'succeeded')))

  let rttMs: number | null = null
  let path: MediaPath | null = null
  if (pair) {
    const rtt = num(pair.currentRoundTripTime)
    if (rtt !== null) rttMs = rtt * 1000
    const local = typeof pair.localCandidateId === 'string' ? report.get(pair.localCandidateId) : undefined
    const remote = typeof pair.remoteCandidateId === 'string' ? report.get(pair.remoteCandidateId) : undefined
    if (local || remote) path = local?.candidateType === 'relay' || remote?.candidateType === 'relay' ? 'relayed' : 'direct'
  }

  let bytesIn = 0
  let bytesOut = 0
  let packetsReceived = 0
  let packetsLost = 0
  let remoteLoss: number | null = null
  let remoteRtt: number | null = null
  let video: Record<string, unknown> | undefined
  let timestamp = 0
  for (const s of all) {
    timestamp = Math.max(timestamp, num(s.timestamp) ?? 0)
    switch (s.type) {
      case 'inbound-rtp':
        bytesIn += num(s.bytesReceived) ?? 0
        packetsReceived += num(s.packetsReceived) ?? 0
        packetsLost += Math.max(0, num(s.packetsLost) ?? 0)
        if (s.kind === 'video' && (!video || (num(s.frameWidth) ?? 0) > (num(video.frameWidth) ?? 0))) video = s
        break
      case 'outbound-rtp':
        bytesOut += num(s.bytesSent) ?? 0
        break
      case 'remote-inbound-rtp': {
        // What the other side reports about the media we send.
        const f = num(s.fractionLost)
        if (f !== null) remoteLoss = Math.max(remoteLoss ?? 0, f * 100)
        const r = num(s.roundTripTime)
        if (r !== null) remoteRtt = Math.max(remoteRtt ?? 0, r * 1000)
        break
      }
    }
  }
  rttMs ??= remoteRtt

  let inKbps = 0
  let outKbps = 0
  let localLoss: number | null = null
  if (prev && timestamp > prev.timestamp) {
    const ms = timestamp - prev.timestamp
    inKbps = Math.max(0, ((bytesIn - prev.bytesIn) * 8) / ms)
    outKbps = Math.max(0, ((bytesOut - prev.bytesOut) * 8) / ms)
    const recv = packetsReceived - prev.packetsReceived
    const lost = packetsLost - prev.packetsLost
    if (recv + lost > 0) localLoss = (Math.max(0, lost) / (recv + Math.max(0, lost))) * 100
  }
  const packetLossPct = localLoss === null && remoteLoss === null ? null : Math.max(localLoss ?? 0, remoteLoss ?? 0)

  const width = num(video?.frameWidth)
  const height = num(video?.frameHeight)
  const stats: CallStats = {
    rttMs: rttMs === null ? null : Math.round(rttMs),
    packetLossPct: packetLossPct === null ? null : Math.round(packetLossPct * 10) / 10,
    bitrateKbps: { in: Math.round(inKbps), out: Math.round(outKbps) },
    resolution: width && height ? { width, height } : null,
    fps: num(video?.framesPerSecond),
    path,
    quality: qualityOf(rttMs, packetLossPct),
    timestamp,
  }
  return { stats, state: { timestamp, bytesIn, bytesOut, packetsReceived, packetsLost } }
}

/**
 * The path to show (data-testid="call-path"): `relayed` when either end of
 * the selected candidate pair is a relay candidate, else `direct`; null
 * while not connected or before a sample named the pair.
 */
export function shownPath(state: CallState, stats: CallStats | null): MediaPath | null {
  return state === 'connected' ? (stats?.path ?? null) : null
}
