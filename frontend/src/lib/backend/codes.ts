/**
 * Error codes a Backend call rejects with, mirrored once from the Go table
 * app/errcode/errcode.go (a Go test parses this object literal: keep it one
 * `Key: 'code',` per line, same keys and order as the Go constants). Both
 * transports deliver them: the Wails window through its ErrorFormatter, the
 * bridge in its error responses. The UI branches on these, never on the
 * message text.
 */
export const ErrorCode = {
  /** The action failed for a reason with no code of its own (database, disk). */
  Failed: 'failed',
  /** A bug on the Go side (panic, unencodable result); details in the app's log. */
  Internal: 'internal',
  /** Not a valid request: malformed, or the wrong number or types of arguments. */
  BadRequest: 'bad_request',
  /** What the request names does not exist: the method, contact or history entry. */
  NotFound: 'not_found',
  /** The request is over the bridge's size limit (the bridge then closes the socket). */
  TooLarge: 'too_large',
  /** Too many requests per second on this connection. */
  RateLimited: 'rate_limited',
  /** Too many calls already running on this connection; retry later. */
  Overloaded: 'overloaded',
  /** An argument has a value the method refuses; the message names the field. */
  BadInput: 'bad_input',
  /** The text given as a peer id is not one. */
  BadPeerID: 'bad_peer_id',
  /** The peer id given is this install's own. */
  OwnID: 'own_id',
  /** What the request would create exists already. */
  Exists: 'exists',
  /** What the user was shown has changed since: show it again. */
  Stale: 'stale',
  /** This app is already in a call. */
  Busy: 'busy',
  /** The call named is not the current call. */
  NoCall: 'no_call',
  /** The action does not fit the current state of the call or contact. */
  WrongState: 'wrong_state',
  /** The peer cannot be reached now. */
  Offline: 'offline',
  /** No browser was found to open the call window in. */
  NoBrowser: 'no_browser',
  /** The call's media path never came up (ICE failed or found no route), on either side. */
  ConnectionFailed: 'connection_failed',
  /** The person called has do not disturb on (an ended call's cause). */
  DoNotDisturb: 'do_not_disturb',
  /** The group call has four people already: a fifth is refused ("call is full"). */
  CallFull: 'call_full',
  /** A file sent in a call is over the size limit (4 GiB). */
  FileTooLarge: 'file_too_large',
  /** A file sent in a call has no bytes; nothing is saved. */
  EmptyFile: 'empty_file',
  /** No room on the disk for a file received in a call. */
  DiskFull: 'disk_full',
  /** A received file's bytes do not match the sender's SHA-256 (the partial file was removed). */
  ChecksumMismatch: 'checksum_mismatch',
} as const
/** One of ErrorCode's values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode]

/** Codes the bridge client rejects with on its own, with no answer from Go. */
export const ClientCode = {
  /** The socket dropped while the call was in flight: it may or may not have run. */
  Disconnected: 'disconnected',
  /** No connection to the app within the connect timeout. */
  Unavailable: 'unavailable',
  /** The transport was closed. */
  Closed: 'closed',
} as const
/** One of ClientCode's values. */
export type ClientCode = (typeof ClientCode)[keyof typeof ClientCode]

/** Every code a Backend call can reject with. */
export type BackendCode = ErrorCode | ClientCode

/** Whether v is a code of the Go table. */
export const isErrorCode = (v: unknown): v is ErrorCode => (Object.values(ErrorCode) as unknown[]).includes(v)

/** Whether v is a code the bridge client makes itself. */
export const isClientCode = (v: unknown): v is ClientCode => (Object.values(ClientCode) as unknown[]).includes(v)

