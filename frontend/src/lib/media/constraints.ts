/**
 * getUserMedia constraints for calls. Sound processing (echo cancellation,
 * noise suppression, automatic gain) is on by default; video asks for
 * 1280x720 and takes what the camera has.
 */

/** Ideal capture size and rate. */
export const IDEAL_WIDTH = 1280
export const IDEAL_HEIGHT = 720
export const IDEAL_FPS = 30

/**
 * How a device id is asked for: `preferred` (a saved setting: use it when
 * present, else the system default) or `exact` (the user picked it now:
 * fail with no_devices if it is gone).
 */
export type DeviceChoice = { id: string; mode: 'preferred' | 'exact' }

function deviceConstraint(choice?: DeviceChoice | string): ConstrainDOMString | undefined {
  if (!choice) return undefined
  const c = typeof choice === 'string' ? { id: choice, mode: 'preferred' as const } : choice
  if (!c.id) return undefined
  return c.mode === 'exact' ? { exact: c.id } : { ideal: c.id }
}

/** Microphone constraints: processing on, optionally a device. */
export function audioConstraints(device?: DeviceChoice | string): MediaTrackConstraints {
  const c: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true }
  const id = deviceConstraint(device)
  if (id) c.deviceId = id
  return c
}

/** Camera constraints: 1280x720 ideal, optionally a device. */
export function videoConstraints(device?: DeviceChoice | string): MediaTrackConstraints {
  const c: MediaTrackConstraints = {
    width: { ideal: IDEAL_WIDTH },
    height: { ideal: IDEAL_HEIGHT },
    frameRate: { ideal: IDEAL_FPS },
  }
  const id = deviceConstraint(device)
  if (id) c.deviceId = id
  return c
}

/** What to capture for a call. */
export interface CaptureRequest {
  audio: boolean
  video: boolean
  microphone?: DeviceChoice | string
  camera?: DeviceChoice | string
}

/** The MediaStreamConstraints for a capture request. */
export function callConstraints(req: CaptureRequest): MediaStreamConstraints {
  return {
    audio: req.audio ? audioConstraints(req.microphone) : false,
    video: req.video ? videoConstraints(req.camera) : false,
  }
}

/** Screen capture options: the picture, no system audio, the cursor shown. */
export function screenConstraints(): DisplayMediaStreamOptions {
  return { video: { frameRate: { ideal: 15, max: 30 } }, audio: false }
}
