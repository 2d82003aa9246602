/**
 * The "state" data channel: how each side tells the other that it muted,
 * turned its camera off or shares its screen. Signaling has no message for
 * that, and track mute events are late and unreliable (a track sent as
 * null or disabled mutes only after a while, and unmutes on any packet).
 *
 * The channel is negotiated (both sides create it with id 0, no DCEP
 * round trip), ordered and reliable, and created before the first offer so
 * that offer already carries it. Each message is the sender's full state:
 *
 *   {"t":"media","mic":true,"camera":false,"screen":false}
 *
 * sent when the channel opens and on every change. Unknown types are
 * ignored, so later versions can add messages.
 */
import type { MediaFlags } from './types'

export const STATE_CHANNEL_LABEL = 'state'
export const STATE_CHANNEL_ID = 0

/** Options for createDataChannel. */
export const stateChannelInit: RTCDataChannelInit = { negotiated: true, id: STATE_CHANNEL_ID, ordered: true }

const MAX_MESSAGE = 4096

export function encodeFlags(f: MediaFlags): string {
  return JSON.stringify({ t: 'media', mic: f.micOn, camera: f.cameraOn, screen: f.screenSharing })
}

/** The flags in a message, or null when it is something else. */
export function decodeFlags(data: unknown): MediaFlags | null {
  if (typeof data !== 'string' || data.length > MAX_MESSAGE) return null
  let m: unknown
  try {
    m = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof m !== 'object' || m === null) return null
  const o = m as Record<string, unknown>
  if (o.t !== 'media' || typeof o.mic !== 'boolean' || typeof o.camera !== 'boolean') return null
  return { micOn: o.mic, cameraOn: o.camera, screenSharing: o.screen === true }
}
