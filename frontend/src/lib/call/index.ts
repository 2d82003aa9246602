/**
 * The call engine: framework-free, no Svelte. The UI talks only to
 * CallSession and listens to its CallEvents. It must not import Svelte,
 * touch the DOM beyond media elements, or reach the bindings (lib/backend
 * does).
 *
 *   CallSession (session.ts)      facade: call flow, Go's events, errors
 *     CallControls (controls.ts)  the in-call controls it extends: mute, camera, screen, devices
 *     Attempt (attempt.ts)        one call's parts and its one teardown
 *     CallMedia (callmedia.ts)    local media and the in-call controls
 *     prepared.ts                 the connection before the first offer/answer
 *     CallOutputs (outputs.ts)    what the UI reads, and the CallEvents
 *     SpeakerOutputs (speaker.ts) the elements playing the other side
 *     PeerLink (peer.ts)          one RTCPeerConnection: tracks, state channel, ICE restart, stats
 *       Negotiator (negotiator.ts) perfect negotiation as a function of (send, polite)
 *     CallSignaling (signaling.ts) maps negotiation messages onto the Calls service
 *     CallData (calldata.ts)      chat (chat.ts) and files (transfer.ts, filewire.ts) over one connection
 */
export { CallSession } from './session'
export { GroupCall, isGroupJoin, MAX_PARTICIPANTS, videoCap, type Participant } from './group'
export { GroupData } from './groupdata'
export { ANSWERED_STATES, CallEvent, CallState, LIVE_STATES, MediaPath, Quality } from './types'
export type {
  CallEventHandler,
  CallEventMap,
  CallInfo,
  CallOptions,
  CallSessionOptions,
  CallStats,
  IncomingCall,
  MediaFlags,
  StateChange,
} from './types'
export { CallError, CallErrorCode, endError, toCallError } from './errors'
export { MAX_CHAT_TEXT, type ChatMessage } from './chat'
export { TransferFailure, TransferState, transferMessage, type SourceFile, type TransferView } from './transfer'
export { Negotiator, type NegotiationMessage, type NegotiatorOptions } from './negotiator'
export { parseStats, qualityOf, shownPath, type StatsState } from './stats'
export type { RtcEnvironment, PeerConnectionConstructor, NetworkEvents } from './rtc'
