/**
 * The call engine: framework-free, no Svelte. The UI talks only to
 * CallSession and listens to its CallEvents.
 *
 *   CallSession (session.ts)      facade: call flow, media, errors, events
 *     PeerLink (peer.ts)          one RTCPeerConnection: tracks, state channel, ICE restart, stats
 *       Negotiator (negotiator.ts) perfect negotiation as a function of (send, polite)
 *     CallSignaling (signaling.ts) maps negotiation messages onto the Calls service
 */
export { CallSession } from './session'
export { CallEvent } from './types'
export type {
  CallEventHandler,
  CallEventMap,
  CallInfo,
  CallOptions,
  CallSessionOptions,
  CallState,
  CallStats,
  IncomingCall,
  MediaFlags,
  MediaPath,
  Quality,
  StateChange,
} from './types'
export { CallError, endError, toCallError, type CallErrorCode } from './errors'
export { Negotiator, type NegotiationMessage, type NegotiatorOptions } from './negotiator'
export { parseStats, qualityOf, type StatsState } from './stats'
export type { RtcEnvironment, PeerConnectionConstructor, NetworkEvents } from './rtc'
