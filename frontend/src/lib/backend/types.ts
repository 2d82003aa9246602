/**
 * The JSON shapes the Go services return and the events carry, mirrored
 * from app/api (services and views), app/calls, app/store/settings.go and
 * signaling/bodies.go. Enums are the Go wire strings (MarshalText), not the
 * numbers wailsjs/go/models.ts claims.
 */
import type { ErrorCode } from './codes'
/** This install (Identity.Me). */
export interface Me {
  id: string
  short: string
  name: string
  hubPort: number
  version: string
}

/** One entry of the people list (Peers.List, peer:online). */
export interface PeerView {
  id: string
  name: string
  online: boolean
  lan: boolean
  contact: boolean
  favorite: boolean
  blocked: boolean
  verified: boolean
  keyChanged: boolean
}

/** A contact (Contacts.*, contact:changed; on removal only `id` is set). */
export interface ContactView {
  id: string
  name: string
  announcedName: string
  server: string
  address: string
  favorite: boolean
  blocked: boolean
  /** A key is pinned (trust on first use happened). */
  verified: boolean
  /** The contact called with a new identity; calls are held until AcceptNewKey/RejectNewKey. */
  keyChanged: boolean
  /** That new identity, when keyChanged. */
  newId?: string
  online: boolean
  lan: boolean
}

/** Contacts.Add input: a peer id plus a signaling server URL or a LAN host:port. */
export interface ContactInput {
  id: string
  name: string
  server: string
  address: string
}

/** Why LAN discovery finds nobody, or ok (Go discovery reasons). */
export const DiscoveryReason = {
  Ok: 'ok',
  NotRunning: 'not_running',
  NoInterface: 'no_interface',
  AdvertiseFailed: 'advertise_failed',
  BrowseFailed: 'browse_failed',
  MulticastBlocked: 'multicast_blocked',
  PeersUnreachable: 'peers_unreachable',
  NoPeers: 'no_peers',
} as const
/** One of DiscoveryReason's values. */
export type DiscoveryReason = (typeof DiscoveryReason)[keyof typeof DiscoveryReason]

export interface LANDiagnosis {
  reason: DiscoveryReason
  /** English, for logs; the UI words its own from `reason`. */
  detail: string
  interfaces: string[]
  missing?: string[]
  heardSelf: boolean
  announced: number
  unreachable: number
  online: number
}

export interface ServerState {
  connected: boolean
  error?: string
}

/** Peers.Diagnose, discovery:status. */
export interface Diagnosis {
  /** null when LAN discovery is off. */
  lan: LANDiagnosis | null
  servers: Record<string, ServerState>
}

/**
 * What tied a new identity to a contact: "address", the Peerline at an
 * address the contact used (its saved LAN address, or where its key was
 * last proven) proved the new key. Never a name: anyone can claim one.
 */
export type MatchedBy = 'address'

/** data of identity:changed. */
export interface IdentityChange {
  contact: ContactView
  newId: string
  matchedBy: MatchedBy
  /** The LAN address (host:port) where the new key was proven. */
  address?: string
}

/** data of peer:offline. */
export interface PeerOffline {
  id: string
}

/** Who placed a call in history. */
export const HistoryDirection = {
  Outgoing: 'outgoing',
  Incoming: 'incoming',
} as const
/** One of HistoryDirection's values. */
export type HistoryDirection = (typeof HistoryDirection)[keyof typeof HistoryDirection]
/** What a call in history carried; Go may add kinds. */
export const HistoryMedia = {
  Audio: 'audio',
  Video: 'video',
} as const
/** One of HistoryMedia's values (or one this build does not know). */
export type HistoryMedia = (typeof HistoryMedia)[keyof typeof HistoryMedia] | (string & {})

/** One call in history. Times are Unix milliseconds. */
export interface HistoryEntry {
  callId: string
  peer: string
  peerName: string
  direction: HistoryDirection | (string & {})
  media: HistoryMedia
  outcome: CallOutcome | (string & {})
  startedAt: number
  answeredAt?: number
  endedAt?: number
  durationMs: number
  error?: string
  /** How many rings the entry stands for, when more than one (a stranger ringing again and again). */
  attempts?: number
  /**
   * Set on a group call's entry (its group id); absent for a 1:1 call. A group entry's
   * callId, peer, peerName, direction and error are its first leg's; media, times and
   * outcome fold all its legs (docs/decisions.md "Group calls in history").
   */
  group?: string
  /** A group call's other people, one each, in the order they came; absent for a 1:1 call. */
  participants?: HistoryParticipant[]
  /** A group call we missed or declined: the others its invite named as in the call (peer ids), whom we had no call with. */
  members?: string[]
}

/** Go `api.ParticipantView`: one other person of a group call in the history. */
export interface HistoryParticipant {
  peer: string
  peerName: string
  direction: HistoryDirection | (string & {})
  /** completed (took part), declined, missed, no_answer, busy, failed, ... */
  outcome: CallOutcome | (string & {})
  /** An error code: call_full when they were refused because the call was full. */
  cause?: string
  startedAt: number
  answeredAt?: number
  endedAt?: number
  durationMs: number
}

/** Go `api.BlockedView`: someone blocked, for the list they are unblocked from. */
export interface BlockedView {
  id: string
  name: string
  /** A blocked contact; else a stranger kept only as blocked. */
  contact: boolean
  /** When a stranger was blocked, Unix ms. */
  blockedAt?: number
}

/** Go `api.MessageView`: one chat message of a call in the history. */
export interface HistoryMessage {
  id: string
  /** The sender's peer id. */
  from: string
  text: string
  /** Unix ms, the sender's clock. */
  sentAt: number
}

export interface HistoryPage {
  entries: HistoryEntry[]
  /** Cursor for the next (older) page; absent at the end. */
  next?: string
}

export interface SignalingServer {
  url: string
  token: string
}

/** An RTCIceServer as settings store it. */
export interface SettingsICEServer {
  urls: string[]
  username: string
  credential: string
}

/** The colour scheme setting. */
export const Theme = {
  System: 'system',
  Light: 'light',
  Dark: 'dark',
} as const
/** One of Theme's values. */
export type Theme = (typeof Theme)[keyof typeof Theme]

/** Settings.Get/Put, settings:changed. */
export interface Settings {
  displayName: string
  signalingServers: SignalingServer[]
  iceServers: SettingsICEServer[]
  disableLanDiscovery: boolean
  /** Keep the LAN hub listening while discovery is off (people who added this machine by address). */
  listenLanWithoutDiscovery: boolean
  discoveryInterfaces: string[]
  /** Preferred device ids (MediaDeviceInfo.deviceId); "" = system default. */
  camera: string
  microphone: string
  speaker: string
  ringTimeoutSeconds: number
  theme: Theme
  /** Closing the window quits; false (the default): it hides and Peerline keeps running in the tray. */
  quitOnClose: boolean
}

/** How long do not disturb lasts when turned on (Go dnd.Span). */
export const DndSpan = {
  /** For one hour. */
  Hour: 'hour',
  /** Until 08:00 tomorrow morning (before 04:00: this morning). */
  Tomorrow: 'tomorrow',
  /** Until turned off. */
  UntilOff: 'until_off',
} as const
/** One of DndSpan's values. */
export type DndSpan = (typeof DndSpan)[keyof typeof DndSpan]

/** Do not disturb (Go dnd.Status): Settings.DoNotDisturb and the others, dnd:changed. */
export interface DoNotDisturb {
  /** Incoming calls are refused now. */
  on: boolean
  /** When it ends by itself, RFC 3339; absent when off or on until turned off. */
  until?: string
}

/** Call states, the Go wire names; also the text of data-testid="call-state". */
export const CallState = {
  Idle: 'idle',
  Calling: 'calling',
  Ringing: 'ringing',
  Connecting: 'connecting',
  Connected: 'connected',
  Reconnecting: 'reconnecting',
  Ended: 'ended',
} as const
/** One of CallState's values. */
export type CallState = (typeof CallState)[keyof typeof CallState]

/** Who placed a call (Go calls.Direction). */
export const CallDirection = {
  Outgoing: 'outgoing',
  Incoming: 'incoming',
  Unknown: 'unknown',
} as const
/** One of CallDirection's values. */
export type CallDirection = (typeof CallDirection)[keyof typeof CallDirection]

/** How a call ended (Go calls.Outcome). */
export const CallOutcome = {
  Unknown: 'unknown',
  Completed: 'completed',
  Missed: 'missed',
  Declined: 'declined',
  Busy: 'busy',
  Cancelled: 'cancelled',
  NoAnswer: 'no_answer',
  Unavailable: 'unavailable',
  Failed: 'failed',
} as const
/** One of CallOutcome's values. */
export type CallOutcome = (typeof CallOutcome)[keyof typeof CallOutcome]

/** A call as Go sees it (calls.Info): method results and call:state data. Times are RFC 3339. */
export interface CallInfo {
  id: string
  peer: string
  peerName: string
  direction: CallDirection
  /** ["audio"] or ["audio", "video"]. */
  media: string[]
  state: CallState
  outcome?: CallOutcome
  /** Human reason for the end, in lower case ("peer is offline"): words to show, never to decide on. */
  reason?: string
  /**
   * Why an ended call could not go on, a code of the Go table: `offline`
   * when the peer could not be reached or its link dropped before the call
   * connected. Absent when a person or a timer ended it (`outcome` says
   * how) or the other side refused it.
   */
  cause?: ErrorCode
  verified: boolean
  /**
   * The caller is not a contact but uses a contact's name: that contact's
   * name ("someone using Grace's name"). Nothing about Grace changed.
   */
  sameNameAs?: string
  /** Both sides called each other at once: the call we placed was folded into this one; answer it at once. */
  autoAccept?: boolean
  /** Equal on both ends once the answer is known. */
  safetyCode?: string
  /** The group id when the call is one leg of a group call (up to four people, one call per pair). */
  group?: string
  /** On an incoming group leg: the others already in the call (peer ids), to show and then to join. */
  members?: string[]
  startedAt: string
  connectedAt?: string
  endedAt?: string
}

/** data of call:incoming. */
export interface IncomingCallEvent {
  call: CallInfo
  offer: string
  /** Calls.Incoming only: the caller's candidates heard while it rang, and whether it sent its last. */
  candidates?: Candidate[]
  endOfCandidates?: boolean
}

/** A trickled ICE candidate (RTCIceCandidateInit); candidate "" means end of candidates. */
export interface Candidate {
  candidate: string
  sdpMid?: string | null
  sdpMLineIndex?: number | null
  usernameFragment?: string | null
}

/** data of call:signal. */
export type CallSignal =
  | { call: string; kind: 'answer'; sdp: string }
  | { call: string; kind: 'candidate'; candidate: Candidate }
  | { call: string; kind: 'end_of_candidates' }
  | { call: string; kind: 'renegotiate'; description: 'offer' | 'answer'; sdp: string }

/** An RTCIceServer from Calls.ICEServers. */
export interface ICEServer {
  urls: string[]
  username?: string
  credential?: string
}

/** What a window's web engine can do (Desktop.Ready). */
export interface Capabilities {
  /** The page has RTCPeerConnection. */
  webrtc: boolean
  /** The page has navigator.mediaDevices. */
  mediaDevices: boolean
  /** 'app': the app's own window; 'browser': a page on the bridge. */
  window: 'app' | 'browser'
}

/** What the call window does once open (Desktop.OpenCallWindow). */
export type CallIntent = { action: 'call'; peer: string; video: boolean } | { action: 'accept'; call: string; video: boolean }

/** How the call window was opened. */
export interface CallWindow {
  /** The browser that was run. */
  program: string
  /** A Chromium-family app window (false: a tab of the default browser). */
  appMode: boolean
}

/** Calls.MediaState values. */
export const MediaState = {
  Connected: 'connected',
  Reconnecting: 'reconnecting',
  /** The path never came up: Go ends the call on both sides with cause connection_failed. */
  Failed: 'failed',
} as const
/** One of MediaState's values. */
export type MediaState = (typeof MediaState)[keyof typeof MediaState]

/** Each event's data, by name (see EventName). */
export interface EventMap {
  'peer:online': PeerView
  'peer:offline': PeerOffline
  'call:state': CallInfo
  'call:incoming': IncomingCallEvent
  'call:signal': CallSignal
  /** Answer the ringing call: the desktop notification's Answer (ringer.AnswerRequest). */
  'call:answer': { call: string; video: boolean }
  'contact:changed': ContactView
  'history:changed': HistoryEntry | null
  'settings:changed': Settings
  'identity:changed': IdentityChange
  'discovery:status': Diagnosis
  /** A later launch passed an invite link (app.InviteEvent). */
  'invite:open': { link: string }
  /** Do not disturb turned on or off (any window, the tray), or ended by itself. */
  'dnd:changed': DoNotDisturb
}

/** Go `files.Transfer`: a file being received into the Downloads folder (Files service). */
export interface FileTransferView {
  /** Names the transfer in Files.write, finish and abort. */
  id: string
  /** The sanitized name; once finished, the final one ("deck (1).pdf"). */
  name: string
  /** The announced size, bytes. */
  size: number
  /** Bytes written so far. */
  received: number
  /** The file's full path once finished, else "". */
  path: string
}
