/**
 * The UI's way to the Go side. Only this folder knows whether that is the
 * Wails window or the loopback bridge; the rest of the UI uses `Backend`.
 *
 *   const backend = detectBackend()
 *   const me = await backend.identity.me()
 *   const off = backend.on(EventName.PeerOnline, (peer) => ...)
 */
import type { Backend } from './backend'
import { BridgeBackend } from './bridgeBackend'
import { WailsBackend, inWails } from './wailsBackend'

export { BackendKind } from './backend'
export type {
  Backend,
  CallsService,
  ContactsService,
  FilesService,
  HistoryService,
  IdentityService,
  Invoke,
  PeersService,
  SettingsService,
} from './backend'
export { BackendError, type BackendErrorCode } from './errors'
export { ClientCode, ErrorCode, isClientCode, isErrorCode, type BackendCode } from './codes'
export { EventName } from './events'
export * from './types'
export { defaultSettings } from './settings'
export { BridgeBackend } from './bridgeBackend'
export { WailsBackend, inWails } from './wailsBackend'

/** The Wails backend inside the app window (window.go exists), else the bridge backend. */
export function detectBackend(): Backend {
  return inWails() ? new WailsBackend() : new BridgeBackend()
}
