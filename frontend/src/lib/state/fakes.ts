/**
 * Test doubles for the state classes: a Backend whose services are
 * overridable async functions and whose events the test emits, and a
 * CallSession-like engine. Used by *.test.ts only.
 */
import type { Backend, EventMap, EventName, PeerView, ContactView, Settings } from '../backend'
import { CallEvent, TypedEmitter, type CallEventMap, type CallInfo, type CallState, type CallStats, type MediaFlags, type StateChange } from '../call'
import type { CallEngine } from './call.svelte'
import { defaultSettings } from './settings.svelte'

type Handler = (data: never) => void

/** Records calls to every service method; `impl` overrides one. */
export class FakeBackend implements Backend {
  readonly kind = 'bridge' as const
  readonly calls: Backend['calls']
  readonly identity: Backend['identity']
  readonly peers: Backend['peers']
  readonly contacts: Backend['contacts']
  readonly history: Backend['history']
  readonly settings: Backend['settings']
  readonly desktop: Backend['desktop']

  /** Every method call as [name, args]. */
  readonly log: [string, unknown[]][] = []
  private handlers = new Map<string, Set<Handler>>()
  private connHandlers = new Set<(up: boolean) => void>()
  private impls: Record<string, (...args: never[]) => unknown> = {}

  peerList: PeerView[] = []
  contactList: ContactView[] = []
  settingsValue: Settings = defaultSettings()

  constructor() {
    const m =
      <T>(name: string, fallback: (...args: never[]) => T) =>
      async (...args: unknown[]): Promise<T> => {
        this.log.push([name, args])
        const f = (this.impls[name] ?? fallback) as (...a: unknown[]) => T
        return f(...args)
      }
    this.identity = {
      me: m('identity.me', () => ({ id: 'AAAAAAA-BBBBBBB', short: 'AAAAAAA', name: 'Ada', hubPort: 1, version: 'test' })),
      setName: m('identity.setName', (name: string) => ({ id: 'AAAAAAA-BBBBBBB', short: 'AAAAAAA', name, hubPort: 1, version: 'test' })),
    }
    this.peers = {
      list: m('peers.list', () => structuredClone(this.peerList)),
      diagnose: m('peers.diagnose', () => ({
        lan: { reason: 'no_peers', detail: '', interfaces: ['eth0'], heardSelf: true, announced: 0, unreachable: 0, online: 0 },
        servers: {},
      })),
    }
    const contact = (id: string): ContactView => this.contactList.find((c) => c.id === id) ?? contactView({ id })
    this.contacts = {
      list: m('contacts.list', () => structuredClone(this.contactList)),
      add: m('contacts.add', (input: { id: string; name: string }) => contactView({ id: input.id, name: input.name })),
      addFromLAN: m('contacts.addFromLAN', (id: string) => contactView({ id })),
      rename: m('contacts.rename', (id: string) => contact(id)),
      setFavorite: m('contacts.setFavorite', (id: string) => contact(id)),
      setBlocked: m('contacts.setBlocked', (id: string) => contact(id)),
      delete: m('contacts.delete', () => undefined),
      acceptNewKey: m('contacts.acceptNewKey', (id: string) => contact(id)),
      rejectNewKey: m('contacts.rejectNewKey', (id: string) => contact(id)),
    }
    this.calls = {
      start: m('calls.start', () => {
        throw new Error('use the engine')
      }),
      accept: m('calls.accept', () => {
        throw new Error('use the engine')
      }),
      decline: m('calls.decline', () => undefined),
      cancel: m('calls.cancel', () => undefined),
      hangup: m('calls.hangup', () => undefined),
      candidate: m('calls.candidate', () => undefined),
      renegotiate: m('calls.renegotiate', () => undefined),
      mediaState: m('calls.mediaState', () => undefined),
      current: m('calls.current', () => null),
      incoming: m('calls.incoming', () => null),
      iceServers: m('calls.iceServers', () => []),
    }
    this.history = {
      list: m('history.list', () => ({ entries: [] })),
      delete: m('history.delete', () => undefined),
      clear: m('history.clear', () => undefined),
    }
    this.desktop = {
      ready: m('desktop.ready', () => undefined),
      openCallWindow: m('desktop.openCallWindow', () => ({ program: '/usr/bin/chromium', appMode: true })),
    }
    this.settings = {
      get: m('settings.get', () => structuredClone(this.settingsValue)),
      put: m('settings.put', (s: Settings) => {
        this.settingsValue = structuredClone(s)
        return structuredClone(s)
      }),
    }
  }

  /** Replaces one method ("contacts.add") with f. */
  impl(name: string, f: (...args: never[]) => unknown): this {
    this.impls[name] = f
    return this
  }

  /** The calls made to one method. */
  callsTo(name: string): unknown[][] {
    return this.log.filter(([n]) => n === name).map(([, a]) => a)
  }

  on<E extends EventName>(event: E, handler: (data: EventMap[E]) => void): () => void {
    let set = this.handlers.get(event)
    if (!set) this.handlers.set(event, (set = new Set()))
    set.add(handler as Handler)
    return () => set.delete(handler as Handler)
  }

  emit<E extends EventName>(event: E, data: EventMap[E]): void {
    for (const h of this.handlers.get(event) ?? []) (h as (d: EventMap[E]) => void)(data)
  }

  listeners(event: EventName): number {
    return this.handlers.get(event)?.size ?? 0
  }

  onConnectionChange(handler: (up: boolean) => void): () => void {
    this.connHandlers.add(handler)
    return () => this.connHandlers.delete(handler)
  }

  setConnected(up: boolean): void {
    for (const h of this.connHandlers) h(up)
  }

  close(): void {}
}

export function peerView(p: Partial<PeerView> & { id: string }): PeerView {
  return { name: p.id, online: false, lan: false, contact: false, favorite: false, blocked: false, verified: false, keyChanged: false, ...p }
}

export function contactView(c: Partial<ContactView> & { id: string }): ContactView {
  return {
    name: c.id,
    announcedName: '',
    server: '',
    address: '',
    favorite: false,
    blocked: false,
    verified: false,
    keyChanged: false,
    online: false,
    lan: false,
    ...c,
  }
}

export function callInfo(c: Partial<CallInfo> = {}): CallInfo {
  return {
    id: 'call-1',
    peer: 'BBBBBBB-CCCCCCC',
    peerName: 'Grace',
    direction: 'outgoing',
    media: ['audio', 'video'],
    state: 'calling',
    verified: true,
    startedAt: '2025-01-01T10:00:00Z',
    ...c,
  }
}

/** A CallSession stand-in: tests emit its events and script its methods. */
export class FakeEngine implements CallEngine {
  state: CallState = 'idle'
  call: CallInfo | null = null
  localStream: MediaStream | null = null
  remoteStream: MediaStream | null = null
  localMedia: MediaFlags = { micOn: true, cameraOn: true, screenSharing: false }
  remoteMedia: MediaFlags = { micOn: true, cameraOn: true, screenSharing: false }
  stats: CallStats | null = null

  readonly log: [string, unknown[]][] = []
  /** Makes the next call of a method reject with err. */
  failures: Record<string, unknown> = {}
  private readonly events = new TypedEmitter<CallEventMap>('fake session')

  on<E extends CallEvent>(event: E, handler: (data: CallEventMap[E]) => void): () => void {
    return this.events.on(event, handler)
  }

  emit<E extends CallEvent>(event: E, data: CallEventMap[E]): void {
    if (event === CallEvent.State) {
      const d = data as StateChange
      this.state = d.state
      this.call = d.call
    }
    this.events.emit(event, data)
  }

  /** Emits a State change. */
  to(state: CallState, call: CallInfo | null = this.call, error: StateChange['error'] = null): void {
    this.emit(CallEvent.State, { state, call: call ? { ...call, state } : null, error })
  }

  private async act(name: string, args: unknown[]): Promise<void> {
    this.log.push([name, args])
    if (name in this.failures) {
      const err = this.failures[name]
      delete this.failures[name]
      throw err
    }
  }

  placeCall(peerId: string, options: { video: boolean }) {
    return this.act('placeCall', [peerId, options])
  }
  accept(options: { video: boolean }) {
    return this.act('accept', [options])
  }
  decline() {
    return this.act('decline', [])
  }
  cancel() {
    return this.act('cancel', [])
  }
  hangup() {
    return this.act('hangup', [])
  }
  setMuted(muted: boolean) {
    this.log.push(['setMuted', [muted]])
  }
  setCameraOn(on: boolean) {
    return this.act('setCameraOn', [on])
  }
  startScreenShare() {
    return this.act('startScreenShare', [])
  }
  stopScreenShare() {
    return this.act('stopScreenShare', [])
  }
  switchDevice(kind: 'camera' | 'microphone', deviceId: string) {
    return this.act('switchDevice', [kind, deviceId])
  }
  setSpeaker(deviceId: string) {
    return this.act('setSpeaker', [deviceId])
  }
  setPreferredDevices(devices: { camera?: string; microphone?: string; speaker?: string }) {
    this.log.push(['setPreferredDevices', [devices]])
  }
  /** What pickUp finds ringing (a window opened while it rings). */
  ringing: CallInfo | null = null
  async pickUp(): Promise<boolean> {
    await this.act('pickUp', [])
    const call = this.ringing
    if (!call) return false
    this.emit(CallEvent.State, { state: 'ringing', call, error: null })
    this.emit(CallEvent.Incoming, { call, video: call.media.includes('video') })
    return true
  }
  registerOutput(element: HTMLMediaElement) {
    this.log.push(['registerOutput', [element]])
    return () => {}
  }

  called(name: string): unknown[][] {
    return this.log.filter(([n]) => n === name).map(([, a]) => a)
  }
}

/** A fake Alerts that records what it was asked to do. */
export function fakeAlerts() {
  const log: string[] = []
  return {
    log,
    incoming(c: { name: string }) {
      log.push(`incoming:${c.name}`)
    },
    ringback() {
      log.push('ringback')
    },
    stop() {
      log.push('stop')
    },
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}
