import { callConstraints, screenConstraints, type CaptureRequest } from './constraints'
import { MediaError, mediaError } from './errors'

/** The getUserMedia/getDisplayMedia entry points; default the browser's. */
export interface MediaSource {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>
  getDisplayMedia?(options: DisplayMediaStreamOptions): Promise<MediaStream>
}

function browserSource(): MediaSource | null {
  const md = (globalThis as { navigator?: Navigator }).navigator?.mediaDevices
  if (!md?.getUserMedia) return null
  return { getUserMedia: (c) => md.getUserMedia(c), getDisplayMedia: md.getDisplayMedia ? (o) => md.getDisplayMedia(o) : undefined }
}

/**
 * Opens the microphone and/or camera with the call constraints. Rejects
 * with a MediaError: permission_denied, no_devices, device_in_use or
 * unsupported.
 */
export async function captureMedia(req: CaptureRequest, source: MediaSource | null = browserSource()): Promise<MediaStream> {
  if (!req.audio && !req.video) throw new TypeError('captureMedia: ask for audio, video or both')
  if (!source) throw new MediaError('unsupported')
  try {
    return await source.getUserMedia(callConstraints(req))
  } catch (err) {
    throw mediaError(err)
  }
}

/**
 * Asks the user for a screen or window to share. Rejects with a
 * MediaError: cancelled (picker closed), unsupported, device_in_use.
 */
export async function captureScreen(source: MediaSource | null = browserSource()): Promise<MediaStream> {
  if (!source?.getDisplayMedia) throw new MediaError('unsupported', MediaError.message('unsupported').replace('a camera or microphone', 'the screen'))
  let stream: MediaStream
  try {
    stream = await source.getDisplayMedia(screenConstraints())
  } catch (err) {
    throw mediaError(err, true)
  }
  for (const t of stream.getVideoTracks()) {
    // Text and lines stay sharp rather than smooth.
    if ('contentHint' in t) t.contentHint = 'detail'
  }
  return stream
}

/** Stops every track of a stream (a null stream is fine). */
export function stopStream(stream: MediaStream | null | undefined): void {
  if (!stream) return
  for (const t of stream.getTracks()) t.stop()
}
