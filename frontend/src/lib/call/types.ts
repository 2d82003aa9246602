/**
 * The public types of the call engine: what CallSession emits and takes.
 * Framework-free; Svelte state classes adapt these events.
 */
import { CallState, type Backend, type CallInfo } from '../backend'
import type { CallError } from './errors'
import type { RtcEnvironment } from './rtc'
import type { ChatMessage } from './chat'
import type { TransferView } from './transfer'

export { CallState }
export type { CallInfo }

/** The states in which a call occupies the line (all but idle and ended). */
export const LIVE_STATES: readonly CallState[] = [
  CallState.Calling,
  CallState.Ringing,
  CallState.Connecting,
  CallState.Connected,
  CallState.Reconnecting,
]

/** The states of an answered call that has not ended. */
export const ANSWERED_STATES: readonly CallState[] = [CallState.Connecting, CallState.Connected, CallState.Reconnecting]

/** Every event a CallSession emits. Subscribe with `session.on(CallEvent.X, handler)`. */
export const CallEvent = {
  /**
   * The call's state, or what Go says about the call, changed (data:
   * StateChange). Its `state` is the text
   * of data-testid="call-state"; on `ended`, `error` says why when the
   * call failed or was refused (null when someone simply hung up).
   */
  State: 'state',
  /**
   * A call rings (data: IncomingCall). Camera and microphone stay off until
   * accept(). A call that is `autoAccept` (both of us called at once) is
   * answered by the session itself; this event still fires.
   */
  Incoming: 'incoming',
  /** Our own camera/screen preview changed (data: MediaStream or null). Bind it to data-testid="local-video" (muted). */
  LocalStream: 'localStream',
  /** The other side's media arrived or went (data: MediaStream or null). Bind it to data-testid="remote-video". */
  RemoteStream: 'remoteStream',
  /** Our own mic/camera/screen flags changed (data: MediaFlags). */
  LocalMedia: 'localMedia',
  /** The other side muted, turned its camera off or shares its screen (data: MediaFlags). */
  RemoteMedia: 'remoteMedia',
  /** A new statistics sample, once a second while media flows (data: CallStats), or null when the call ends. */
  Stats: 'stats',
  /**
   * Something went wrong (data: CallError). Fatal errors also end the call
   * (the State event carries the same error); others (screen share
   * refused, a device switch failed) leave the call running.
   */
  Error: 'error',
  /** The call's chat changed: a message was sent or arrived (data: ChatMessage[], oldest first). */
  Chat: 'chat',
  /** A file transfer of the call began or moved on (data: TransferView[], in the order they began). */
  Transfers: 'transfers',
} as const
/** One of CallEvent's values: the name of an event. */
export type CallEvent = (typeof CallEvent)[keyof typeof CallEvent]

/** Media a call starts with. */
export interface CallOptions {
  /** true: camera and microphone; false: microphone only. */
  video: boolean
}

/** Microphone, camera and screen flags of one side. */
export interface MediaFlags {
  /** The microphone sends sound (not muted). */
  micOn: boolean
  /** The camera sends pictures. */
  cameraOn: boolean
  /** The screen is being shared (it replaces the camera picture). */
  screenSharing: boolean
}

/** data of CallEvent.State. */
export interface StateChange {
  state: CallState
  /** The call as Go sees it; null before the first call and while placing one. */
  call: CallInfo | null
  /** Why the call ended, when it failed or was refused. */
  error: CallError | null
}

/** data of CallEvent.Incoming. */
export interface IncomingCall {
  call: CallInfo
  /** The caller offers video (accept({video:true}) makes it a video call). */
  video: boolean
}

export const Quality = {
  Good: 'good',
  Fair: 'fair',
  Poor: 'poor',
} as const
/** One of Quality's values. */
export type Quality = (typeof Quality)[keyof typeof Quality]

/** How media travels: straight between the two machines, or through a TURN relay. */
export const MediaPath = {
  Direct: 'direct',
  Relayed: 'relayed',
} as const
/** One of MediaPath's values. */
export type MediaPath = (typeof MediaPath)[keyof typeof MediaPath]

/** One statistics sample. Fields are null until known. */
export interface CallStats {
  /** Round-trip time of the media path, ms. */
  rttMs: number | null
  /** Packets lost, percent, over the last interval (worst direction). */
  packetLossPct: number | null
  /** Media bitrate over the last interval, kbit/s. */
  bitrateKbps: { in: number; out: number }
  /** Size of the video we receive. */
  resolution: { width: number; height: number } | null
  /** Frames per second of the video we receive. */
  fps: number | null
  path: MediaPath | null
  /** Derived from rttMs and packetLossPct: see qualityOf. */
  quality: Quality
  /** When the sample was taken: the report's timestamp, ms. */
  timestamp: number
}

/** Options of a CallSession. */
export interface CallSessionOptions {
  backend: Backend
  /** WebRTC and media entry points; default: the browser's. Tests inject fakes. */
  rtc?: Partial<RtcEnvironment>
  /** Preferred devices (Settings.camera/microphone/speaker); "" or absent = system default. */
  devices?: { camera?: string; microphone?: string; speaker?: string }
  /** Statistics period, ms. Default 1000. */
  statsIntervalMs?: number
  /** How long ICE may stay `disconnected` before an ICE restart, ms. Default 3000. */
  disconnectedRestartMs?: number
  /** How long the media path may stay down (reconnecting) before the call ends with connection_lost, ms. Default 30000. */
  reconnectTimeoutMs?: number
  /** How long from accept to `connected` before the call ends with connection_failed (on both sides), ms. Default 15000. */
  connectTimeoutMs?: number
  /** How placeCall sends the first offer. Default Calls.Start; a group call's legs use Calls.Add or Calls.Join (group.ts). */
  place?: (peer: string, video: boolean, offer: string) => Promise<CallInfo>
  /** Whether this session takes an incoming call that rings (default: all). A group call's legs are not the main session's (group.ts). */
  takes?: (call: CallInfo) => boolean
}

/** Event data by event. */
export interface CallEventMap {
  [CallEvent.State]: StateChange
  [CallEvent.Incoming]: IncomingCall
  [CallEvent.LocalStream]: MediaStream | null
  [CallEvent.RemoteStream]: MediaStream | null
  [CallEvent.LocalMedia]: MediaFlags
  [CallEvent.RemoteMedia]: MediaFlags
  [CallEvent.Stats]: CallStats | null
  [CallEvent.Error]: CallError
  [CallEvent.Chat]: ChatMessage[]
  [CallEvent.Transfers]: TransferView[]
}

/** A handler of one CallEvent. */
export type CallEventHandler<E extends CallEvent> = (data: CallEventMap[E]) => void
