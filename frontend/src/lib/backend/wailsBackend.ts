/**
 * The Backend inside the Wails window: the generated bindings
 * (window.go.api.*, Go package app/api) and Wails events (window.runtime). This is the only
 * file that imports wailsjs.
 */
import * as Calls from '../../../wailsjs/go/api/Calls'
import * as Contacts from '../../../wailsjs/go/api/Contacts'
import * as Desktop from '../../../wailsjs/go/api/Desktop'
import * as Files from '../../../wailsjs/go/api/Files'
import * as History from '../../../wailsjs/go/api/History'
import * as Identity from '../../../wailsjs/go/api/Identity'
import * as Peers from '../../../wailsjs/go/api/Peers'
import * as Settings from '../../../wailsjs/go/api/Settings'
import { EventsOn } from '../../../wailsjs/runtime/runtime'
import { services, type Backend } from './backend'
import { ErrorCode } from './codes'
import { BackendError } from './errors'
import type { EventName } from './events'
import type { EventMap } from './types'

type Binding = (...args: never[]) => Promise<unknown>

const bindings: Record<string, Record<string, Binding>> = { Calls, Contacts, Desktop, Files, History, Identity, Peers, Settings }

/** Whether the page runs inside the Wails window (the bindings are there). */
export function inWails(): boolean {
  const w = globalThis as { go?: { api?: unknown }; runtime?: unknown }
  return !!w.go?.api && !!w.runtime
}

export class WailsBackend implements Backend {
  readonly kind = 'wails' as const
  readonly identity
  readonly peers
  readonly contacts
  readonly calls
  readonly history
  readonly settings
  readonly desktop
  readonly files
  private readonly offs = new Set<() => void>()

  constructor() {
    if (!inWails()) throw new Error('WailsBackend: not inside the Wails window (no window.go)')
    const s = services(async (method, ...args) => {
      const [service, name] = method.split('.')
      const fn = bindings[service]?.[name]
      if (!fn) throw new BackendError(ErrorCode.NotFound, `${method}: no such binding`, method)
      try {
        // The generated functions take the arguments positionally, as Go does.
        return await (fn as (...a: unknown[]) => Promise<unknown>)(...args)
      } catch (err) {
        throw BackendError.from(err, method)
      }
    })
    this.identity = s.identity
    this.peers = s.peers
    this.contacts = s.contacts
    this.calls = s.calls
    this.history = s.history
    this.settings = s.settings
    this.desktop = s.desktop
    this.files = s.files
  }

  on<E extends EventName>(event: E, handler: (data: EventMap[E]) => void): () => void {
    // Go emits one data argument (runtime.EventsEmit(ctx, name, data)).
    const off = EventsOn(event, (...data: unknown[]) => {
      try {
        handler(data[0] as EventMap[E])
      } catch (err) {
        console.error(`backend: handler for ${event} threw`, err)
      }
    })
    let done = false
    const unsubscribe = () => {
      if (done) return
      done = true
      this.offs.delete(unsubscribe)
      off()
    }
    this.offs.add(unsubscribe)
    return unsubscribe
  }

  onConnectionChange(handler: (connected: boolean) => void): () => void {
    void handler // the window's bindings never disconnect
    return () => {}
  }

  close(): void {
    for (const off of [...this.offs]) off()
  }
}
