/**
 * Event names pushed from Go to the UI, mirrored once from
 * app/events/names.go (a Go test parses this object literal: keep it one
 * `Key: 'noun:verb',` per line, same keys and order as the Go constants).
 */
export const EventName = {
  PeerOnline: 'peer:online',
  PeerOffline: 'peer:offline',
  CallState: 'call:state',
  CallIncoming: 'call:incoming',
  CallSignal: 'call:signal',
  CallAnswer: 'call:answer',
  ContactChanged: 'contact:changed',
  HistoryChanged: 'history:changed',
  SettingsChanged: 'settings:changed',
  IdentityChanged: 'identity:changed',
  DiscoveryStatus: 'discovery:status',
  InviteOpened: 'invite:open',
  DoNotDisturbChanged: 'dnd:changed',
} as const

/** One of EventName's values. */
export type EventName = (typeof EventName)[keyof typeof EventName]
