import { BridgeError, type BridgeErrorCode } from './bridge'

/**
 * Codes a Backend call rejects with: the bridge's codes (same on both
 * transports: the Wails window reports every Go error as `failed`), or a
 * code a Go service chose through bridge.Coder.
 */
export type BackendErrorCode = BridgeErrorCode | (string & {})

/** A rejected Backend call: `code` for programs, `message` (the Go error text) for logs. */
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
    // Wails v2 rejects a bound call with the Go error's text as a string.
    const message = typeof err === 'string' ? err : err instanceof Error ? err.message : String(err)
    return new BackendError('failed', message || `${method} failed`, method, { cause: err })
  }
}
