import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  BridgeError,
  BridgeTransport,
  bridgeInfo,
  type BridgeOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './bridge'

/** A WebSocket the test drives by hand: open, receive, drop. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = []
  readyState = 0
  sent: string[] = []
  closedWith?: number
  onopen: ((ev: Event) => unknown) | null = null
  onmessage: ((ev: MessageEvent) => unknown) | null = null
  onclose: ((ev: CloseEvent) => unknown) | null = null
  onerror: ((ev: Event) => unknown) | null = null

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    FakeSocket.all.push(this)
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('InvalidStateError')
    this.sent.push(data)
  }

  close(code = 1000): void {
    this.closedWith = code
    this.drop(code)
  }

  // Test controls.
  open(): void {
    this.readyState = 1
    this.onopen?.({} as Event)
  }

  receive(msg: unknown): void {
    this.onmessage?.({ data: typeof msg === 'string' ? msg : JSON.stringify(msg) } as MessageEvent)
  }

  drop(code = 1006): void {
    if (this.readyState === 3) return
    this.readyState = 3
    this.onerror?.({} as Event)
    this.onclose?.({ code, reason: '' } as CloseEvent)
  }

  requests(): { id: number; method: string; args: unknown[] }[] {
    return this.sent.map((s) => JSON.parse(s))
  }

  last(): { id: number; method: string; args: unknown[] } {
    return JSON.parse(this.sent[this.sent.length - 1])
  }
}

function latest(): FakeSocket {
  return FakeSocket.all[FakeSocket.all.length - 1]
}

function transport(options: BridgeOptions = {}): BridgeTransport {
  const t = new BridgeTransport({ url: 'ws://127.0.0.1:1234/api', WebSocket: FakeSocket, credential: 'tok', ...options })
  opened.push(t)
  return t
}

const opened: BridgeTransport[] = []

/** Awaits a promise that must reject, and returns its error. */
async function rejection(p: Promise<unknown>): Promise<BridgeError> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(BridgeError)
    expect(err).toBeInstanceOf(Error)
    return err as BridgeError
  }
  throw new Error('promise resolved, want a rejection')
}

beforeEach(() => {
  FakeSocket.all = []
  vi.useFakeTimers()
})

afterEach(() => {
  for (const t of opened.splice(0)) t.close()
  vi.useRealTimers()
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

describe('BridgeTransport calls', () => {
  it('sends a request and resolves with the result', async () => {
    const t = transport()
    const ws = latest()
    expect(ws.url).toBe('ws://127.0.0.1:1234/api')
    ws.open()
    const p = t.call<{ text: string }>('Test.Greet', 'Ada', 3)
    expect(ws.last()).toEqual({ id: 1, method: 'Test.Greet', args: ['Ada', 3] })
    ws.receive({ id: 1, result: { text: 'hello Ada' } })
    await expect(p).resolves.toEqual({ text: 'hello Ada' })
  })

  it('queues calls made before the socket opens', async () => {
    const t = transport()
    const ws = latest()
    const a = t.call('Test.A')
    const b = t.call('Test.B', [1])
    expect(ws.sent).toEqual([])
    ws.open()
    expect(ws.requests().map((r) => r.method)).toEqual(['Test.A', 'Test.B'])
    ws.receive({ id: 2, result: 'b' })
    ws.receive({ id: 1, result: null })
    await expect(a).resolves.toBeNull()
    await expect(b).resolves.toBe('b')
  })

  it('matches out-of-order responses by id', async () => {
    const t = transport()
    const ws = latest()
    ws.open()
    const calls = [t.call('S.M', 0), t.call('S.M', 1), t.call('S.M', 2)]
    for (const r of ws.requests().reverse()) ws.receive({ id: r.id, result: r.args[0] })
    await expect(Promise.all(calls)).resolves.toEqual([0, 1, 2])
  })

  it('rejects with the code and message of an error response', async () => {
    const t = transport()
    const ws = latest()
    ws.open()
    const p = t.call('Contacts.Rename', 'x', 'Ada')
    ws.receive({ id: 1, error: { code: 'failed', message: 'store: no such contact' } })
    const err = await rejection(p)
    expect(err.code).toBe('failed')
    expect(err.message).toBe('store: no such contact')
    expect(err.name).toBe('BridgeError')
  })

  it('keeps the codes of the table, and makes any other code a plain failure', async () => {
    const t = transport()
    const ws = latest()
    ws.open()
    const p = t.call('Calls.Accept')
    ws.receive({ id: 1, error: { code: 'wrong_state', message: 'calls: not possible in this call state' } })
    expect((await rejection(p)).code).toBe('wrong_state')
    const q = t.call('Contacts.AcceptNewKey')
    ws.receive({ id: 2, error: { code: 'key_changed', message: 'contact key changed' } })
    expect(await rejection(q)).toMatchObject({ code: 'failed', message: 'contact key changed' })
  })

  it('ignores garbage, unknown ids and binary data, and keeps working', async () => {
    const t = transport()
    const ws = latest()
    ws.open()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const p = t.call('S.M')
    ws.receive('not json')
    ws.receive('42')
    ws.receive({ id: 99, result: 'stranger' })
    ws.receive({ id: null, error: { code: 'bad_request', message: 'garbage' } })
    ws.onmessage?.({ data: new ArrayBuffer(4) } as MessageEvent)
    ws.receive({ id: 1, result: 'mine' })
    await expect(p).resolves.toBe('mine')
    expect(warn).toHaveBeenCalled()
  })

  it('rejects arguments that cannot be encoded without sending', async () => {
    const t = transport()
    const ws = latest()
    ws.open()
    const err = await rejection(t.call('S.M', 1n))
    expect(err.code).toBe('bad_request')
    expect(ws.sent).toEqual([])
  })

  it('rejects oversize requests locally instead of losing the socket', async () => {
    const t = transport({ maxMessageBytes: 100 })
    const ws = latest()
    ws.open()
    const err = await rejection(t.call('S.M', 'é'.repeat(40))) // 80 bytes of UTF-8 plus the envelope
    expect(err.code).toBe('too_large')
    expect(ws.sent).toEqual([])
    const ok = t.call('S.M', 'small')
    expect(ws.sent).toHaveLength(1)
    ws.receive({ id: ws.last().id, result: 1 })
    await expect(ok).resolves.toBe(1)
  })

  it('keeps at most maxInFlight calls on the wire', async () => {
    const t = transport({ maxInFlight: 2 })
    const ws = latest()
    ws.open()
    const calls = [t.call('S.M', 'a'), t.call('S.M', 'b'), t.call('S.M', 'c')]
    expect(ws.sent).toHaveLength(2)
    ws.receive({ id: 1, result: 'a' })
    expect(ws.sent).toHaveLength(3)
    ws.receive({ id: 3, result: 'c' })
    ws.receive({ id: 2, error: { code: 'failed', message: 'b failed' } })
    await expect(calls[0]).resolves.toBe('a')
    expect((await rejection(calls[1])).message).toBe('b failed')
    await expect(calls[2]).resolves.toBe('c')
  })
})

describe('BridgeTransport events', () => {
  it('delivers pushed events to their handlers until unsubscribed', () => {
    const t = transport()
    const ws = latest()
    ws.open()
    const state: unknown[] = []
    const online: unknown[] = []
    const off = t.on('call:state', (d) => state.push(d))
    t.on('peer:online', (d) => online.push(d))
    ws.receive({ event: 'call:state', data: { state: 'ringing' } })
    ws.receive({ event: 'peer:online', data: { id: 'k3f' } })
    ws.receive({ event: 'nobody:listens', data: 1 })
    off()
    off()
    ws.receive({ event: 'call:state', data: { state: 'ended' } })
    expect(state).toEqual([{ state: 'ringing' }])
    expect(online).toEqual([{ id: 'k3f' }])
  })

  it('a throwing handler does not stop the others', () => {
    const t = transport()
    const ws = latest()
    ws.open()
    const error = vi.spyOn(console, 'error').mockImplementation(() => {})
    const got: unknown[] = []
    t.on('call:state', () => {
      throw new Error('boom')
    })
    t.on('call:state', (d) => got.push(d))
    ws.receive({ event: 'call:state', data: 1 })
    expect(got).toEqual([1])
    expect(error).toHaveBeenCalled()
  })
})

describe('BridgeTransport connection', () => {
  it('rejects in-flight calls when the socket drops, then reconnects and sends queued ones', async () => {
    const t = transport()
    const status: boolean[] = []
    t.onConnectionChange((c) => status.push(c))
    const first = latest()
    first.open()
    expect(t.isConnected).toBe(true)
    const inFlight = t.call('Calls.Start', 'k3f')
    first.drop()
    const err = await rejection(inFlight)
    expect(err.code).toBe('disconnected')
    expect(err.message).toContain('may or may not have run')
    expect(t.isConnected).toBe(false)

    const queued = t.call('S.M')
    expect(FakeSocket.all).toHaveLength(1)
    vi.advanceTimersByTime(250)
    expect(FakeSocket.all).toHaveLength(2)
    const second = latest()
    second.open()
    expect(second.requests().map((r) => r.method)).toEqual(['S.M'])
    second.receive({ id: second.last().id, result: 'ok' })
    await expect(queued).resolves.toBe('ok')
    expect(status).toEqual([true, false, true])
    // Events flow on the new socket; the old one is ignored.
    const got: unknown[] = []
    t.on('x:y', (d) => got.push(d))
    first.receive({ event: 'x:y', data: 'stale' })
    second.receive({ event: 'x:y', data: 'fresh' })
    expect(got).toEqual(['fresh'])
  })

  it('backs off exponentially up to the maximum, and resets after a success', () => {
    transport({ minReconnectDelayMs: 100, maxReconnectDelayMs: 400 })
    const delays: number[] = []
    for (let i = 0; i < 5; i++) {
      latest().drop()
      const before = FakeSocket.all.length
      let waited = 0
      while (FakeSocket.all.length === before) {
        vi.advanceTimersByTime(50)
        waited += 50
      }
      delays.push(waited)
    }
    expect(delays).toEqual([100, 200, 400, 400, 400])
    latest().open()
    latest().drop()
    vi.advanceTimersByTime(100)
    expect(FakeSocket.all).toHaveLength(7)
  })

  it('reconnects when the WebSocket constructor throws', () => {
    let fail = true
    class Flaky extends FakeSocket {
      constructor(url: string, protocols?: string | string[]) {
        if (fail) throw new Error('SecurityError')
        super(url, protocols)
      }
    }
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const t = new BridgeTransport({ url: 'ws://127.0.0.1:1/api', WebSocket: Flaky, credential: 'tok' })
    opened.push(t)
    expect(FakeSocket.all).toHaveLength(0)
    fail = false
    vi.advanceTimersByTime(250)
    expect(FakeSocket.all).toHaveLength(1)
  })

  it('rejects a queued call with unavailable when no connection comes', async () => {
    const t = transport({ connectTimeoutMs: 1000 })
    const p = t.call('S.M')
    vi.advanceTimersByTime(999)
    latest().drop()
    vi.advanceTimersByTime(1000) // the timer restarts on drop
    const err = await rejection(p)
    expect(err.code).toBe('unavailable')
    // It was never sent, and a later connection doesn't send it.
    vi.advanceTimersByTime(5000)
    latest().open()
    expect(latest().sent).toEqual([])
  })

  it('does not time out calls waiting for a slot on a live socket', async () => {
    const t = transport({ maxInFlight: 1, connectTimeoutMs: 1000 })
    const ws = latest()
    ws.open()
    const a = t.call('S.Slow')
    const b = t.call('S.M')
    vi.advanceTimersByTime(60_000)
    ws.receive({ id: 1, result: 'a' })
    ws.receive({ id: 2, result: 'b' })
    await expect(Promise.all([a, b])).resolves.toEqual(['a', 'b'])
  })

  it('close rejects everything, stops reconnecting, and refuses new calls', async () => {
    const t = transport({ maxInFlight: 1 })
    const status: boolean[] = []
    t.onConnectionChange((c) => status.push(c))
    const ws = latest()
    ws.open()
    const sent = t.call('S.A')
    const queued = t.call('S.B')
    t.close()
    t.close()
    expect(ws.closedWith).toBe(1000)
    expect((await rejection(sent)).code).toBe('closed')
    expect((await rejection(queued)).code).toBe('closed')
    expect((await rejection(t.call('S.C'))).code).toBe('closed')
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(status).toEqual([true, false])
  })

  it('defaults to /api on the page origin', () => {
    vi.stubGlobal('location', { protocol: 'http:', host: '127.0.0.1:4321' })
    opened.push(new BridgeTransport({ WebSocket: FakeSocket, credential: 'tok' }))
    expect(latest().url).toBe('ws://127.0.0.1:4321/api')
    vi.stubGlobal('location', { protocol: 'https:', host: 'localhost:8443' })
    opened.push(new BridgeTransport({ WebSocket: FakeSocket, credential: 'tok' }))
    expect(latest().url).toBe('wss://localhost:8443/api')
  })

  it('offers the token as a subprotocol, next to the protocol', () => {
    transport({ credential: 'T0k-en_' })
    expect(latest().protocols).toEqual(['peerline.v1', 'peerline.token.T0k-en_'])
  })

  it('asks for the credential before every connection', () => {
    let token = 'first'
    transport({ credential: () => token })
    expect(latest().protocols).toContain('peerline.token.first')
    token = 'second'
    latest().drop()
    vi.advanceTimersByTime(250)
    expect(latest().protocols).toContain('peerline.token.second')
  })

  it('waits for a credential still being redeemed', async () => {
    let resolve!: (t: string) => void
    const pending = new Promise<string>((r) => (resolve = r))
    const t = transport({ credential: () => pending })
    const p = t.call('S.M')
    expect(FakeSocket.all).toHaveLength(0)
    resolve('redeemed')
    await pending
    expect(latest().protocols).toContain('peerline.token.redeemed')
    latest().open()
    latest().receive({ id: 1, result: 'ok' })
    await expect(p).resolves.toBe('ok')
  })

  it('opens no socket without a credential, and calls fail at once', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const t = transport({ credential: () => null })
    expect(FakeSocket.all).toHaveLength(0)
    const err = await rejection(t.call('S.M'))
    expect(err.code).toBe('unavailable')
    expect(err.message).toMatch(/no session/)
  })
})

describe('bridgeInfo', () => {
  const respond = (status: number, body: unknown) =>
    (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch

  it('returns the info when the origin is the bridge', async () => {
    const info = { bridge: true, protocol: 1, version: '1.2.3', maxMessageBytes: 1048576 }
    let sent: RequestInit | undefined
    const fetchFn = (async (_url: string, init?: RequestInit) => {
      sent = init
      return new Response(JSON.stringify(info), { status: 200 })
    }) as unknown as typeof fetch
    await expect(bridgeInfo('tok', fetchFn)).resolves.toEqual(info)
    expect(sent?.headers).toEqual({ Authorization: 'Bearer tok' })
    expect(sent?.credentials).toBe('omit')
  })

  it('returns null elsewhere', async () => {
    await expect(bridgeInfo('tok', respond(404, 'not found'))).resolves.toBeNull()
    await expect(bridgeInfo('tok', respond(200, { something: 'else' }))).resolves.toBeNull()
    const failing = (async () => {
      throw new TypeError('network')
    }) as unknown as typeof fetch
    await expect(bridgeInfo('tok', failing)).resolves.toBeNull()
  })
})

// Compile-time: the browser's WebSocket fits the constructor option.
const browserWebSocketFits: typeof WebSocket extends WebSocketConstructor ? true : never = true
void browserWebSocketFits
