/** The Backend in a plain browser tab: the same methods and events over the loopback bridge. */
import { services, type Backend } from './backend'
import { BridgeTransport, type BridgeOptions } from './bridge'
import { BackendError } from './errors'
import type { EventName } from './events'
import type { EventMap } from './types'

export class BridgeBackend implements Backend {
  readonly kind = 'bridge' as const
  readonly identity
  readonly peers
  readonly contacts
  readonly calls
  readonly history
  readonly settings
  readonly desktop
  readonly files
  /** The transport underneath (for its connection state). */
  readonly transport: BridgeTransport

  /** Uses transport, or opens one with options (default: /api on this page's origin). */
  constructor(transport?: BridgeTransport, options?: BridgeOptions) {
    const t = transport ?? new BridgeTransport(options)
    this.transport = t
    const s = services(async (method, ...args) => {
      try {
        return await t.call(method, ...args)
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
    // A received file's chunks go as raw bytes (PUT /api/files/ID), not as
    // base64 in the socket's JSON frames (docs/decisions.md, issue 15). As
    // a Blob: a typed-array body is flattened to a string on the page's
    // main thread whenever DevTools (or Playwright) watches the network,
    // 40-70 ms per MiB here, which capped a file at ~8 MB/s; a Blob's
    // bytes go to the network service untouched (docs/performance.md).
    this.files = {
      ...s.files,
      write: async (id: string, offset: number, chunk: Uint8Array) => {
        const res = await t.put(`/api/files/${encodeURIComponent(id)}?offset=${offset}`, new Blob([chunk as Uint8Array<ArrayBuffer>]))
        return (res as { received: number }).received
      },
    }
  }

  on<E extends EventName>(event: E, handler: (data: EventMap[E]) => void): () => void {
    return this.transport.on<EventMap[E]>(event, handler)
  }

  onConnectionChange(handler: (connected: boolean) => void): () => void {
    return this.transport.onConnectionChange(handler)
  }

  close(): void {
    this.transport.close()
  }
}
