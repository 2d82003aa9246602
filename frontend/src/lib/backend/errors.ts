import { BridgeError } from './bridge'
import { ErrorCode, isClientCode, isErrorCode, type BackendCode } from './codes'

/**
 * Codes a Backend call rejects with: the Go table (codes.ts, the same on
 * both transports) or one the bridge client makes itself.
 */
export type BackendErrorCode = BackendCode

/** What both transports deliver for a failed Go method: {code, message}. */
interface Payload {
  code: unknown
  message: unknown
}

function isPayload(v: unknown): v is Payload {
  return typeof v === 'object' && v !== null && 'code' in v && 'message' in v
}

/** A rejected Backend call: `code` for programs, `message` (the Go error text) for people and logs. */
export class BackendError extends Error {
  readonly code: BackendErrorCode
  /** The `Service.Method` that failed. */
  readonly method: string

  constructor(code: BackendErrorCode, message: string, method = '', options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'BackendError'
    this.code = code
    this.method = method
  }

  /** Wraps whatever a transport rejected with; a BackendError passes through. */
  static from(err: unknown, method: string): BackendError {
    if (err instanceof BackendError) return err
    if (err instanceof BridgeError) return new BackendError(err.code, err.message, method, { cause: err })
    // The Wails window: Go's ErrorFormatter (errcode.Format) makes every
    // method error {code, message}.
    if (isPayload(err)) {
      const code = isErrorCode(err.code) || isClientCode(err.code) ? err.code : ErrorCode.Failed
      const message = typeof err.message === 'string' && err.message ? err.message : `${method} failed`
      return new BackendError(code, message, method, { cause: err })
    }
    // A bare string is Wails' own refusal, before any Go method ran: the
    // arguments did not decode into the method's parameters.
    if (typeof err === 'string') return new BackendError(ErrorCode.BadRequest, err || `${method} failed`, method, { cause: err })
    const message = err instanceof Error ? err.message : String(err)
    return new BackendError(ErrorCode.Failed, message || `${method} failed`, method, { cause: err })
  }
}
