/**
 * FakeBackend: the one Backend double of the frontend tests (lib/state,
 * lib/call). Every service method is recorded and answers with a harmless
 * default that `impl` can replace or `failures` can turn into a rejection;
 * the test emits Go's events and flips the link up and down. Test code
 * only: nothing under src/ but *.test.ts and the other *test folders
 * imports it.
 *
 *   const backend = new FakeBackend()                   // events delivered at once
 *   backend.impl('contacts.add', (input) => ...)
 *   backend.emit(EventName.PeerOnline, peer)
 *   expect(backend.callsTo('contacts.add')).toEqual([[input]])
 *
 * With `queued: true` it behaves like the bridge does: events arrive on a
 * later task, in order, and a method's result after the events it caused
 * (lib/call/calltest's Switchboard runs two of these as two Go apps).
 */
import type { Backend, BackendKind, CallsService, EventMap, EventName } from '..'
import { defaultSettings } from '../settings'
import type { BlockedView, CallInfo, ContactView, DndSpan, DoNotDisturb, PeerView, Settings } from '../types'
import { TypedEmitter } from '../../emitter'
import { FakeDisk } from './disk'

/** One recorded method call: "service.method" and its arguments. */
export interface MethodCall {
  method: string
  args: unknown[]
}

/** Options of a FakeBackend; the zero value is the state tests' fake. */
export interface FakeBackendOptions {
  /** Deliver events on a later task and results after the events they caused, like the bridge. Default false: at once. */
  queued?: boolean
  /** Which transport it plays. Default 'bridge'. */
  kind?: BackendKind
}

const tick = () => new Promise<void>((r) => setTimeout(r, 0))

type Impl = (...args: never[]) => unknown

/** The recording fake of Backend. */
export class FakeBackend implements Backend {
  readonly kind: BackendKind
  readonly identity: Backend['identity']
  readonly peers: Backend['peers']
  readonly contacts: Backend['contacts']
  readonly calls: CallsService
  readonly history: Backend['history']
  readonly settings: Backend['settings']
  readonly desktop: Backend['desktop']
  readonly files: Backend['files']
  /** What files.* write to: Go's file sink, in memory. */
  readonly disk = new FakeDisk()

  /** Every method call, in order. */
  readonly log: MethodCall[] = []
  /** "service.method" → the error its next calls reject with (until deleted). */
  readonly failures: Record<string, unknown> = {}
  /** What peers.list answers. */
  peerList: PeerView[] = []
  /** What contacts.list answers. */
  contactList: ContactView[] = []
  blockedList: BlockedView[] = []
  /** What settings.get answers; settings.put stores here. */
  settingsValue: Settings = defaultSettings()
  /** The start-at-login entry, as Desktop.StartsAtLogin reports it. */
  loginEntry = false
  /** What settings.doNotDisturb answers; the set/end methods change it (and emit nothing: tests emit dnd:changed). */
  dndValue: DoNotDisturb = { on: false }

  private readonly events = new TypedEmitter<EventMap>('fake backend')
  private readonly link = new TypedEmitter<{ change: boolean }>('fake backend')
  private readonly impls: Record<string, Impl> = {}
  private readonly queued: boolean

  constructor(options: FakeBackendOptions = {}) {
    this.queued = options.queued ?? false
    this.kind = options.kind ?? 'bridge'
    const m =
      <T>(name: string, fallback: (...args: never[]) => T) =>
      async (...args: unknown[]): Promise<T> => {
        this.log.push({ method: name, args })
        if (name in this.failures) {
          if (this.queued) await tick()
          throw this.failures[name]
        }
        const f = (this.impls[name] ?? fallback) as (...a: unknown[]) => T | Promise<T>
        const out = await f(...args)
        if (this.queued) await tick() // events emitted while running arrive before the result, as over the bridge
        return out
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
      block: m('contacts.block', (id: string) => contact(id)),
      blocked: m('contacts.blocked', () => structuredClone(this.blockedList)),
      delete: m('contacts.delete', () => undefined),
      acceptNewKey: m('contacts.acceptNewKey', (id: string) => contact(id)),
      rejectNewKey: m('contacts.rejectNewKey', (id: string) => contact(id)),
    }
    const noEngine = () => {
      throw new Error('FakeBackend: calls.start/accept need an impl (or the calltest Switchboard)')
    }
    this.calls = {
      start: m('calls.start', noEngine),
      add: m('calls.add', noEngine),
      join: m('calls.join', noEngine),
      list: m('calls.list', () => []),
      accept: m('calls.accept', noEngine),
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
      addMessage: m('history.addMessage', () => undefined),
      messages: m('history.messages', () => []),
    }
    this.desktop = {
      ready: m('desktop.ready', () => undefined),
      openCallWindow: m('desktop.openCallWindow', () => ({ program: '/usr/bin/chromium', appMode: true })),
      startsAtLogin: m('desktop.startsAtLogin', () => this.loginEntry),
      setStartAtLogin: m('desktop.setStartAtLogin', (on: boolean) => {
        this.loginEntry = on
      }),
    }
    this.files = {
      begin: m('files.begin', (name: string, size: number) => this.disk.begin(name, size)),
      write: m('files.write', (id: string, offset: number, chunk: Uint8Array) => this.disk.write(id, offset, chunk)),
      received: m('files.received', (id: string) => ({ ...this.disk.open.get(id)!.view })),
      finish: m('files.finish', (id: string, sum: string) => this.disk.finish(id, sum)),
      abort: m('files.abort', (id: string) => this.disk.abort(id)),
    }
    this.settings = {
      get: m('settings.get', () => structuredClone(this.settingsValue)),
      put: m('settings.put', (s: Settings) => {
        this.settingsValue = structuredClone(s)
        return structuredClone(s)
      }),
      doNotDisturb: m('settings.doNotDisturb', () => ({ ...this.dndValue })),
      setDoNotDisturb: m('settings.setDoNotDisturb', (span: DndSpan) => {
        this.dndValue = span === 'until_off' ? { on: true } : { on: true, until: new Date(Date.now() + 3600_000).toISOString() }
        return { ...this.dndValue }
      }),
      endDoNotDisturb: m('settings.endDoNotDisturb', () => {
        this.dndValue = { on: false }
        return { ...this.dndValue }
      }),
    }
  }

  /** Replaces one method ("contacts.add") with f. */
  impl(name: string, f: Impl): this {
    this.impls[name] = f
    return this
  }

  /** The arguments of each call of one method ("calls.hangup"), in order. */
  callsTo(name: string): unknown[][] {
    return this.log.filter((c) => c.method === name).map((c) => c.args)
  }

  on<E extends EventName>(event: E, handler: (data: EventMap[E]) => void): () => void {
    return this.events.on(event, handler)
  }

  /** Pushes one of Go's events: at once, or (queued) after those already queued, like Go's bus. */
  emit<E extends EventName>(event: E, data: EventMap[E]): void {
    if (this.queued) setTimeout(() => this.events.emit(event, data), 0)
    else this.events.emit(event, data)
  }

  /** Subscribed handlers of one event; without one, of every event and of onConnectionChange (leak checks). */
  listenerCount(event?: EventName): number {
    return event === undefined ? this.events.listenerCount() + this.link.listenerCount() : this.events.listenerCount(event)
  }

  onConnectionChange(handler: (connected: boolean) => void): () => void {
    return this.link.on('change', handler)
  }

  /** The link to the app drops (false) or comes back (true). */
  setConnected(up: boolean): void {
    this.link.emit('change', up)
  }

  close(): void {}
}

/** A PeerView with defaults for what p leaves out. */
export function peerView(p: Partial<PeerView> & { id: string }): PeerView {
  return { name: p.id, online: false, lan: false, contact: false, favorite: false, blocked: false, verified: false, keyChanged: false, ...p }
}

/** A ContactView with defaults for what c leaves out. */
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

/** A CallInfo with defaults for what c leaves out. */
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
