/**
 * The bridge transport: reaches the app's Go services and events from a
 * plain browser tab, over the loopback bridge's WebSocket at `/api`
 * (package app/bridge; its doc.go is the protocol spec). The socket is
 * same-origin; it authenticates with the bridge token, offered as a second
 * WebSocket subprotocol (`peerline.token.T`, next to `peerline.v1`): a page
 * can set no headers on a WebSocket, and the bridge sets no cookie, so no
 * credential goes ambiently to other servers on 127.0.0.1. Where the token
 * comes from is bridgeSession.ts.
 *
 * Wire, one JSON text frame each:
 *   → {"id":7,"method":"Service.Method","args":[...]}
 *   ← {"id":7,"result":...}  or  {"id":7,"error":{"code":"...","message":"..."}}
 *   ← {"event":"noun:verb","data":...}   (pushed to every client)
 */
import { TypedEmitter } from '../emitter'

import { pageCredential, type Credential } from './bridgeSession'
import { ClientCode, ErrorCode, isErrorCode } from './codes'

/** The WebSocket subprotocol of the bridge's API (Go: bridge.Subprotocol). */
export const subprotocol = 'peerline.v1'
/** Followed by the token, the subprotocol that carries it (Go: bridge.TokenProtocolPrefix). */
export const tokenProtocolPrefix = 'peerline.token.'

/** Codes the bridge answers with: the app's one table (codes.ts, mirrored from Go's app/errcode). */
export type ServerErrorCode = ErrorCode

/** Codes this client rejects with on its own, without a server answer. */
export type ClientErrorCode = ClientCode

export type BridgeErrorCode = ServerErrorCode | ClientErrorCode

/** A rejected call: `code` for programs, `message` for people. */
export class BridgeError extends Error {
  /** A BridgeErrorCode; a code outside the table arrives as `failed`. */
  readonly code: BridgeErrorCode

  constructor(code: BridgeErrorCode, message: string) {
    super(message)
    this.name = 'BridgeError'
    this.code = code
  }
}

/** The part of the DOM WebSocket this transport uses; tests pass a fake. */
export interface WebSocketLike {
  readonly readyState: number
  onopen: ((ev: Event) => unknown) | null
  onmessage: ((ev: MessageEvent) => unknown) | null
  onclose: ((ev: CloseEvent) => unknown) | null
  onerror: ((ev: Event) => unknown) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike

export interface BridgeOptions {
  /** WebSocket URL. Default: `/api` on the page's own origin (ws: or wss:). */
  url?: string
  /**
   * The bridge token, or a function giving it (or a promise of it) before
   * each connection. Default: this page's (bridgeSession.ts). With none,
   * no socket is opened and calls reject with `unavailable`.
   */
  credential?: string | Credential
  /** fetch, for put. Default: the browser's. */
  fetch?: typeof fetch
  /** WebSocket class. Default: the browser's `WebSocket`. */
  WebSocket?: WebSocketConstructor
  /** First reconnect delay, doubled after each failure. Default 250 ms. */
  minReconnectDelayMs?: number
  /** Longest reconnect delay. Default 5000 ms. */
  maxReconnectDelayMs?: number
  /** How long a call waits for a connection before rejecting with `unavailable`. Default 10000 ms. */
  connectTimeoutMs?: number
  /**
   * Calls sent at once; later ones wait their turn here instead of getting
   * `overloaded` from the bridge. At most the bridge's MaxInFlight. Default 16.
   */
  maxInFlight?: number
  /**
   * Largest request in bytes; a larger call rejects with `too_large` here,
   * rather than making the bridge close the socket. Default 1 MiB, the
   * bridge's default MaxMessageBytes.
   */
  maxMessageBytes?: number
}

const OPEN = 1 // WebSocket.OPEN, without needing the global

interface Job {
  id: number
  method: string
  frame: string
  resolve: (value: unknown) => void
  reject: (err: BridgeError) => void
  timer?: ReturnType<typeof setTimeout>
}

/**
 * A reconnecting client for the bridge. Calls made while the socket is
 * connecting or reconnecting wait for it (up to connectTimeoutMs). Calls in
 * flight when it drops reject with `disconnected` and are not retried: they
 * may have run. Events missed while disconnected are gone; listen to
 * onConnectionChange and fetch state again on reconnect.
 */
export class BridgeTransport {
  private readonly url: string
  private readonly WS: WebSocketConstructor
  private readonly minDelay: number
  private readonly maxDelay: number
  private readonly connectTimeout: number
  private readonly maxInFlight: number
  private readonly maxBytes: number
  private readonly credential: Credential
  private readonly fetchFn: typeof fetch

  private ws: WebSocketLike | null = null
  private connected = false
  private closed = false
  private noCredential = false
  private delay: number
  private retryTimer?: ReturnType<typeof setTimeout>
  private nextId = 1
  private readonly pending = new Map<number, Job>() // sent, awaiting an answer
  private readonly queue: Job[] = [] // not sent yet
  private readonly events = new TypedEmitter<Record<string, unknown>>('bridge')
  private readonly link = new TypedEmitter<{ connection: boolean }>('bridge')

  constructor(options: BridgeOptions = {}) {
    this.url = options.url ?? defaultURL()
    const WS = options.WebSocket ?? (globalThis.WebSocket as WebSocketConstructor | undefined)
    if (!WS) throw new Error('BridgeTransport: no WebSocket in this environment')
    this.WS = WS
    this.minDelay = options.minReconnectDelayMs ?? 250
    this.maxDelay = options.maxReconnectDelayMs ?? 5000
    this.connectTimeout = options.connectTimeoutMs ?? 10_000
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 16)
    this.maxBytes = options.maxMessageBytes ?? 1 << 20
    const c = options.credential ?? pageCredential()
    this.credential = typeof c === 'string' ? () => c : c
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
    this.delay = this.minDelay
    this.connect()
  }

  /**
   * Calls a Go method, `"Service.Method"`, with JSON-encodable arguments.
   * Resolves with its result; rejects with a BridgeError.
   */
  call<T>(method: string, ...args: unknown[]): Promise<T> {
    if (this.closed) {
      return Promise.reject(new BridgeError(ClientCode.Closed, `${method}: the connection to the app is closed`))
    }
    const id = this.nextId++
    let frame: string
    try {
      frame = JSON.stringify({ id, method, args })
    } catch (err) {
      return Promise.reject(new BridgeError(ErrorCode.BadRequest, `${method}: arguments can't be encoded as JSON: ${String(err)}`))
    }
    if (this.noCredential) return Promise.reject(new BridgeError(ClientCode.Unavailable, noSessionMessage(method)))
    if (tooLarge(frame, this.maxBytes)) {
      return Promise.reject(new BridgeError(ErrorCode.TooLarge, `${method}: request is larger than ${this.maxBytes} bytes`))
    }
    return new Promise<T>((resolve, reject) => {
      const job: Job = { id, method, frame, resolve: resolve as (v: unknown) => void, reject }
      this.queue.push(job)
      if (!this.connected) this.armTimeout(job)
      this.flush()
    })
  }

  /**
   * PUTs body to a path under /api on the bridge's own origin with the
   * token (a Config.Handlers path in Go): the binary path for a received
   * file's chunks. Resolves with the JSON answer; rejects with a
   * BridgeError carrying the answer's code.
   */
  async put(path: string, body: Uint8Array | Blob): Promise<unknown> {
    if (this.closed) throw new BridgeError(ClientCode.Closed, `PUT ${path}: the connection to the app is closed`)
    const token = await this.credential()
    if (!token) throw new BridgeError(ClientCode.Unavailable, noSessionMessage(`PUT ${path}`))
    let res: Response
    try {
      res = await this.fetchFn(httpURL(this.url, path), {
        method: 'PUT',
        body: body as BodyInit,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/octet-stream' },
        credentials: 'omit',
        cache: 'no-store',
      })
    } catch (err) {
      throw new BridgeError(ClientCode.Disconnected, `PUT ${path}: ${String(err)}`)
    }
    let answer: { code?: unknown; message?: unknown } & Record<string, unknown>
    try {
      answer = await res.json()
    } catch {
      answer = {}
    }
    if (!res.ok) {
      const code = isErrorCode(answer.code) ? answer.code : ErrorCode.Failed
      throw new BridgeError(code, typeof answer.message === 'string' ? answer.message : `PUT ${path}: ${res.status}`)
    }
    return answer
  }

  /** Calls handler with the data of every `event` pushed; returns the unsubscribe function. */
  on<T = unknown>(event: string, handler: (data: T) => void): () => void {
    return this.events.on(event, handler as (data: unknown) => void)
  }

  /** Calls handler each time the socket opens (true) or drops (false); returns the unsubscribe function. */
  onConnectionChange(handler: (connected: boolean) => void): () => void {
    return this.link.on('connection', handler)
  }

  /** Whether the socket is open now. */
  get isConnected(): boolean {
    return this.connected
  }

  /** Closes the socket for good; every unanswered call rejects with `closed`. */
  close(): void {
    if (this.closed) return
    this.closed = true
    clearTimeout(this.retryTimer)
    const ws = this.ws
    this.ws = null
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null
      ws.close(1000, 'closed')
    }
    const wasConnected = this.connected
    this.connected = false
    this.rejectAll([...this.pending.values(), ...this.queue.splice(0)], ClientCode.Closed, (m) => `${m}: the connection to the app was closed`)
    this.pending.clear()
    if (wasConnected) this.notifyConnection(false)
  }

  /** Opens a socket with the credential, at once when it is at hand. */
  private connect(): void {
    if (this.closed) return
    const c = this.credential()
    if (c instanceof Promise) {
      void c.then((token) => this.open(token))
      return
    }
    this.open(c)
  }

  private open(token: string | null): void {
    if (this.closed) return
    if (!token) {
      this.noCredential = true
      console.warn('bridge: this page has no session with the app; open the link Peerline gives you')
      this.rejectAll(this.queue.splice(0), ClientCode.Unavailable, noSessionMessage)
      return
    }
    let ws: WebSocketLike
    try {
      ws = new this.WS(this.url, [subprotocol, tokenProtocolPrefix + token])
    } catch (err) {
      console.warn('bridge: cannot open WebSocket', err)
      this.scheduleReconnect()
      return
    }
    this.ws = ws
    ws.onopen = () => {
      if (this.ws !== ws) return
      this.connected = true
      this.delay = this.minDelay
      for (const job of this.queue) clearTimeout(job.timer)
      this.notifyConnection(true)
      this.flush()
    }
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.receive(ev.data)
    }
    ws.onclose = () => {
      if (this.ws === ws) this.dropped()
    }
    ws.onerror = () => {} // a close event follows; the browser logs the cause
  }

  private dropped(): void {
    this.ws = null
    const wasConnected = this.connected
    this.connected = false
    this.rejectAll([...this.pending.values()], ClientCode.Disconnected, (m) => `${m}: the connection to the app was lost; it may or may not have run`)
    this.pending.clear()
    for (const job of this.queue) this.armTimeout(job)
    if (wasConnected) this.notifyConnection(false)
    this.scheduleReconnect()
  }

  private scheduleReconnect(): void {
    if (this.closed) return
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => this.connect(), this.delay)
    this.delay = Math.min(this.delay * 2, this.maxDelay)
  }

  /** Rejects a queued call that waited too long for a connection. */
  private armTimeout(job: Job): void {
    clearTimeout(job.timer)
    job.timer = setTimeout(() => {
      const i = this.queue.indexOf(job)
      if (i < 0) return
      this.queue.splice(i, 1)
      job.reject(new BridgeError(ClientCode.Unavailable, `${job.method}: no connection to the app`))
    }, this.connectTimeout)
  }

  /** Sends queued calls while the socket is open and slots are free. */
  private flush(): void {
    for (;;) {
      const ws = this.ws
      if (!this.connected || !ws || ws.readyState !== OPEN) return
      if (this.pending.size >= this.maxInFlight || this.queue.length === 0) return
      const job = this.queue.shift()!
      clearTimeout(job.timer)
      this.pending.set(job.id, job)
      try {
        ws.send(job.frame)
      } catch (err) {
        this.pending.delete(job.id)
        job.reject(new BridgeError(ClientCode.Disconnected, `${job.method}: sending failed: ${String(err)}`))
      }
    }
  }

  private receive(data: unknown): void {
    if (typeof data !== 'string') return
    let msg: unknown
    try {
      msg = JSON.parse(data)
    } catch {
      console.warn('bridge: ignoring a frame that is not JSON')
      return
    }
    if (typeof msg !== 'object' || msg === null) return
    const m = msg as { id?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown }; event?: unknown; data?: unknown }
    if (typeof m.event === 'string') {
      this.dispatch(m.event, m.data)
      return
    }
    if (typeof m.id !== 'number') {
      if (m.error) console.warn('bridge: error not tied to a call', m.error)
      return
    }
    const job = this.pending.get(m.id)
    if (!job) return
    this.pending.delete(m.id)
    if (m.error) {
      // A code outside the table (a Go error choosing its own) is a plain failure.
      const code = isErrorCode(m.error.code) ? m.error.code : typeof m.error.code === 'string' ? ErrorCode.Failed : ErrorCode.Internal
      const message = typeof m.error.message === 'string' ? m.error.message : `${job.method} failed`
      job.reject(new BridgeError(code, message))
    } else {
      job.resolve(m.result ?? null)
    }
    this.flush()
  }

  private dispatch(event: string, data: unknown): void {
    this.events.emit(event, data)
  }

  private notifyConnection(connected: boolean): void {
    this.link.emit('connection', connected)
  }

  private rejectAll(jobs: Job[], code: ClientErrorCode, message: (method: string) => string): void {
    for (const job of jobs) {
      clearTimeout(job.timer)
      job.reject(new BridgeError(code, message(job.method)))
    }
  }
}

function noSessionMessage(method: string): string {
  return `${method}: this page has no session with the app (open the link Peerline gives you)`
}

/** What GET /api/info answers on the bridge. */
export interface BridgeInfo {
  bridge: true
  protocol: number
  version: string
  maxMessageBytes: number
}

/**
 * Asks the page's origin whether it is the bridge, with the bridge token:
 * its info, or `null` (the Wails window, a dev server, a wrong token, no
 * answer).
 */
export async function bridgeInfo(token: string, fetchFn: typeof fetch = globalThis.fetch): Promise<BridgeInfo | null> {
  try {
    const res = await fetchFn('/api/info', { headers: { Authorization: `Bearer ${token}` }, credentials: 'omit', cache: 'no-store' })
    if (!res.ok) return null
    const info = (await res.json()) as Partial<BridgeInfo>
    return info.bridge === true ? (info as BridgeInfo) : null
  } catch {
    return null
  }
}

function defaultURL(): string {
  const loc = (globalThis as { location?: Location }).location
  if (!loc) throw new Error('BridgeTransport: no page location; pass options.url')
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/api`
}

const encoder = new TextEncoder()

/** Whether s is over max bytes as UTF-8, without encoding small strings. */
function tooLarge(s: string, max: number): boolean {
  if (s.length * 3 <= max) return false // a UTF-16 unit is at most 3 UTF-8 bytes
  return encoder.encode(s).length > max
}

/** The http(s) URL of path on the origin of the WebSocket URL wsURL. */
export function httpURL(wsURL: string, path: string): string {
  const u = new URL(wsURL)
  u.protocol = u.protocol === 'wss:' ? 'https:' : 'http:'
  u.pathname = path.split('?')[0]
  u.search = path.includes('?') ? path.slice(path.indexOf('?')) : ''
  u.hash = ''
  return u.toString()
}
