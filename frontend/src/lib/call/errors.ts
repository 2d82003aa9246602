import type { BackendError } from '../backend'
import { ErrorCode, isClientCode, isErrorCode } from '../backend/codes'
import { MediaError, MediaErrorCode } from '../media'
import type { CallInfo } from './types'

/** Why a call failed, was refused, or why an action in it failed: the media codes and the call's own. */
export const CallErrorCode = {
  ...MediaErrorCode,
  /** The other side is in another call. */
  Busy: 'busy',
  /** The other side said no. */
  Declined: 'declined',
  /** Nobody answered in time. */
  NoAnswer: 'no_answer',
  /** The other side cannot be reached. */
  Offline: 'offline',
  /** The other side does not take our calls (blocked, held for a changed key). */
  Unavailable: 'unavailable',
  /** The other side has do not disturb on: not taking calls right now. */
  DoNotDisturb: 'do_not_disturb',
  /** The group call has four people already: a fifth is refused. */
  CallFull: 'call_full',
  /** The media path never came up. */
  ConnectionFailed: 'connection_failed',
  /** The media path dropped and did not come back. */
  ConnectionLost: 'connection_lost',
  /** This window has no RTCPeerConnection. */
  NoWebRTC: 'no_webrtc',
  /** The action does not fit the call's state (e.g. accept with nothing ringing). */
  WrongState: 'wrong_state',
  /** The app refused or failed the request; the message says why. */
  Backend: 'backend',
} as const
/** One of CallErrorCode's values. */
export type CallErrorCode = (typeof CallErrorCode)[keyof typeof CallErrorCode]

const messages: Record<Exclude<CallErrorCode, MediaErrorCode>, string> = {
  busy: 'They are in another call.',
  declined: 'The call was declined.',
  no_answer: 'No answer.',
  offline: 'They are offline or cannot be reached.',
  unavailable: 'They are not available for calls.',
  do_not_disturb: 'They are not taking calls right now.',
  call_full: 'The call is full: four people at most.',
  connection_failed: 'Could not connect the call. The network between you may block direct connections.',
  connection_lost: 'The connection was lost.',
  no_webrtc: 'This window cannot make calls (no WebRTC).',
  wrong_state: 'That is not possible right now.',
  backend: 'Something went wrong.',
}

/** A call failure: `code` for programs, `message` for people (shown in data-testid="call-error"). */
export class CallError extends Error {
  readonly code: CallErrorCode

  constructor(code: CallErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? CallError.message(code), options)
    this.name = 'CallError'
    this.code = code
  }

  /** Whether this error says no more than its code's default message. */
  get saysDefault(): boolean {
    return this.message === CallError.message(this.code)
  }

  /** The default human message for a code. */
  static message(code: CallErrorCode): string {
    return code in messages ? messages[code as keyof typeof messages] : MediaError.message(code as MediaErrorCode)
  }
}

/** Turns a MediaError, BackendError or anything else into a CallError. */
export function toCallError(err: unknown): CallError {
  if (err instanceof CallError) return err
  if (err instanceof MediaError) return new CallError(err.code, err.message, { cause: err })
  if (isBackendError(err)) return fromBackend(err)
  const text = err instanceof Error ? err.message : String(err)
  return new CallError('backend', sentence(text), { cause: err })
}

/** A BackendError, or anything shaped like one (a code of the table and a message). */
function isBackendError(err: unknown): err is Pick<BackendError, 'code' | 'message'> {
  const be = err as Partial<BackendError> | null
  return !!be && typeof be === 'object' && (isErrorCode(be.code) || isClientCode(be.code)) && typeof be.message === 'string'
}

/** Maps a failed Calls or Desktop method by its code (the Go table, codes.ts); the text is only shown. */
function fromBackend(err: Pick<BackendError, 'code' | 'message'>): CallError {
  const cause = { cause: err }
  if (isClientCode(err.code)) return new CallError('backend', 'Lost the connection to the Peerline app.', cause)
  switch (err.code) {
    case ErrorCode.Busy:
      return new CallError('busy', 'You are already in a call.', cause)
    case ErrorCode.NoCall:
    case ErrorCode.WrongState:
      return new CallError('wrong_state', undefined, cause)
    case ErrorCode.Offline:
      return new CallError('offline', undefined, cause)
    case ErrorCode.CallFull:
      return new CallError('call_full', undefined, cause)
    case ErrorCode.OwnID:
      return new CallError('backend', 'That is your own ID: you cannot call yourself.', cause)
    case ErrorCode.BadPeerID:
      return new CallError('backend', 'That does not look like a Peerline ID.', cause)
    default:
      return new CallError('backend', sentence(err.message) || undefined, cause)
  }
}

/**
 * The error a call that ended carries, from its outcome and reason; null
 * when nothing failed (completed, cancelled by us, missed).
 */
export function endError(info: CallInfo): CallError | null {
  // Decided by outcome and cause (codes); the reason is only the words.
  const reason = info.reason ?? ''
  const offline = info.cause === ErrorCode.Offline
  switch (info.outcome) {
    case 'busy':
      return new CallError(info.cause === ErrorCode.CallFull ? 'call_full' : 'busy')
    case 'declined':
      // "you declined" is our own doing, not an error.
      return info.direction === 'incoming' ? null : new CallError('declined')
    case 'no_answer':
      return new CallError('no_answer')
    case 'unavailable':
      if (offline) return new CallError('offline')
      if (info.cause === ErrorCode.DoNotDisturb) return new CallError('do_not_disturb')
      return new CallError('unavailable', reason && reason !== 'unavailable' ? sentence(reason) : undefined)
    case 'failed':
      if (offline) return new CallError('offline', reason ? sentence(reason) : undefined)
      if (info.cause === ErrorCode.ConnectionFailed) return new CallError('connection_failed', reason ? `Could not connect the call: ${reason.replace(/[.]$/, '')}.` : undefined)
      // No cause: a person hung up before the media connected, their choice, not a failure to show.
      if (!info.cause) return null
      return new CallError('connection_failed', reason ? sentence(reason) : undefined)
    default:
      return null
  }
}

/**
 * The message of a call whose media path never came up on this side:
 * ICE failed (every candidate pair was tried), or no route connected
 * within the connect timeout.
 */
export function noPathMessage(why: 'ice' | 'timeout', timeoutMs: number): string {
  return why === 'ice'
    ? 'Could not connect the call: ICE failed, no network path between you worked. A TURN relay may be needed.'
    : `Could not connect the call: no route between you connected within ${Math.round(timeoutMs / 1000)} s (ICE did not connect).`
}

/** "peer is offline" → "Peer is offline." */
function sentence(s: string): string {
  const t = s.trim().replace(/^calls: /, '')
  if (!t) return t
  const first = t[0].toUpperCase() + t.slice(1)
  return /[.!?]$/.test(first) ? first : first + '.'
}
