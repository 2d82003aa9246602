/**
 * The size a camera picture starts at: the first frames of a call are
 * encoded smaller, and at full size once the connection's bandwidth
 * estimate allows it.
 *
 * Why: WebRTC starts every connection at a low bandwidth estimate
 * (300 kbps in Chromium). Above 640x480 at that estimate its encoder drops
 * the first frames as too large for the bitrate and asks the camera for a
 * quarter of the size, then climbs back only as its quality scaler allows:
 * a 1280x720 camera showed the other side 320x180 for seconds, and its
 * first frame came ~130 ms later than a 640x480 camera's (measured in
 * Chromium 156, docs/performance.md "Calls"). Started at 640x360 nothing is
 * dropped, and once frames flow and the estimate has grown (a fraction of a
 * second on a LAN) the sender goes to full size with no renegotiation
 * (RTCRtpSender.setParameters). The camera captures at full size all
 * along: only the encoder's scale changes.
 */

/** The largest picture WebRTC encodes at its start estimate without dropping frames. */
export const START_MAX_PIXELS = 640 * 480

/** The picture size a larger camera starts at (640x360 for 1280x720 and for 1920x1080). */
export const START_PIXELS = 640 * 360

/**
 * The encoder's target bitrate from which full size is safe: below it,
 * WebRTC drops frames larger than 640x480 (the same threshold).
 */
export const FULL_SIZE_BITRATE = 500_000

/** How often the sender checks whether it may go to full size, ms. */
export const FULL_SIZE_CHECK_MS = 200

/**
 * The scaleResolutionDownBy the first frames of a width x height picture
 * are sent with: 1 (full size) up to START_MAX_PIXELS, else down to
 * START_PIXELS.
 */
export function startScale(width: number | undefined, height: number | undefined): number {
  if (!width || !height || width * height <= START_MAX_PIXELS) return 1
  return Math.sqrt((width * height) / START_PIXELS)
}

/** A stats report as far as readiness needs it (RTCStatsReport or a Map of records). */
export interface StatsLike {
  forEach(fn: (value: Record<string, unknown>) => void): void
}

/**
 * Whether a sender held at its start size may go to full size: its video
 * frames are going out and the encoder's target bitrate has reached
 * FULL_SIZE_BITRATE. report: the sender's (or the connection's) stats.
 */
export function readyForFullSize(report: StatsLike): boolean {
  let ready = false
  report.forEach((r) => {
    if (r.type !== 'outbound-rtp' || r.kind !== 'video') return
    const sent = typeof r.framesSent === 'number' ? r.framesSent : 0
    const target = typeof r.targetBitrate === 'number' ? r.targetBitrate : 0
    if (sent > 0 && target >= FULL_SIZE_BITRATE) ready = true
  })
  return ready
}

/** The sender's first encoding scaled by scale (1 = full size). Rejects as setParameters does. */
export async function scaleSender(sender: RTCRtpSender, scale: number): Promise<boolean> {
  if (typeof sender.getParameters !== 'function' || typeof sender.setParameters !== 'function') return false
  const params = sender.getParameters()
  const enc = params.encodings?.[0]
  if (!enc) return false
  if ((enc.scaleResolutionDownBy ?? 1) === scale) return true
  enc.scaleResolutionDownBy = scale
  await sender.setParameters(params)
  return true
}

/** A screen or window picture (lib/media marks it with a content hint): always sent at full size. */
export function isScreenTrack(track: MediaStreamTrack): boolean {
  return track.contentHint === 'detail' || track.contentHint === 'text'
}
