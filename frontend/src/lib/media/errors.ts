/** Why local media could not be had. */
export const MediaErrorCode = {
  /** NotFoundError / OverconstrainedError: no camera or microphone (or not the chosen one). */
  NoDevices: 'no_devices',
  /** NotAllowedError / SecurityError: the user or the system refused. */
  PermissionDenied: 'permission_denied',
  /** NotReadableError / AbortError: another app holds the device, or the OS failed to open it. */
  DeviceInUse: 'device_in_use',
  /** No mediaDevices (insecure origin, old webview) or no screen capture. */
  Unsupported: 'unsupported',
  /** The user closed the screen picker. */
  Cancelled: 'cancelled',
} as const
/** One of MediaErrorCode's values. */
export type MediaErrorCode = (typeof MediaErrorCode)[keyof typeof MediaErrorCode]

const messages: Record<MediaErrorCode, string> = {
  no_devices: 'No camera or microphone was found. Connect one and try again.',
  permission_denied: 'Peerline is not allowed to use your camera or microphone. Allow it in your system or browser settings.',
  device_in_use: 'Your camera or microphone is in use by another app, or could not be started.',
  unsupported: 'This window cannot use a camera or microphone.',
  cancelled: 'Screen sharing was cancelled.',
}

/** A failure to get local media, with a code and a human message. */
export class MediaError extends Error {
  readonly code: MediaErrorCode

  constructor(code: MediaErrorCode, message = messages[code], options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'MediaError'
    this.code = code
  }

  /** The human message for a code. */
  static message(code: MediaErrorCode): string {
    return messages[code]
  }
}

/**
 * Maps what getUserMedia/getDisplayMedia rejected with to a MediaError.
 * `screen` words it for screen capture (NotAllowedError there means the
 * user closed the picker, in Chromium).
 */
export function mediaError(err: unknown, screen = false): MediaError {
  if (err instanceof MediaError) return err
  const name = (err as { name?: unknown } | null)?.name
  let code: MediaErrorCode
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError': // old Chrome
    case 'SecurityError':
      code = screen ? 'cancelled' : 'permission_denied'
      break
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      code = 'no_devices'
      break
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      code = 'device_in_use'
      break
    case 'TypeError':
    case 'NotSupportedError':
      code = 'unsupported'
      break
    default:
      code = 'device_in_use'
  }
  let message = messages[code]
  if (screen && code === 'no_devices') message = 'There is no screen to share.'
  if (screen && code === 'device_in_use') message = 'Your screen could not be captured.'
  if (screen && code === 'unsupported') message = 'This window cannot share the screen.'
  return new MediaError(code, message, { cause: err })
}
