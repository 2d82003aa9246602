import { afterEach, describe, expect, it, vi } from 'vitest'
import { services } from './backend'
import { BridgeBackend } from './bridgeBackend'
import { BridgeError, BridgeTransport, type WebSocketLike } from './bridge'
import { BackendError } from './errors'
import { EventName } from './events'
import { detectBackend } from './index'
import { WailsBackend, inWails } from './wailsBackend'

class Socket implements WebSocketLike {
  static last: Socket
  readyState = 0
  sent: { id: number; method: string; args: unknown[] }[] = []
  onopen: ((ev: Event) => unknown) | null = null
  onmessage: ((ev: MessageEvent) => unknown) | null = null
  onclose: ((ev: CloseEvent) => unknown) | null = null
  onerror: ((ev: Event) => unknown) | null = null
  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {
    Socket.last = this
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }
  close(): void {}
  open(): void {
    this.readyState = 1
    this.onopen?.({} as Event)
  }
  receive(msg: unknown): void {
    this.onmessage?.({ data: JSON.stringify(msg) } as MessageEvent)
  }
}

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('services', () => {
  it('maps every method to its Go "Service.Method" with positional arguments', async () => {
    const calls: [string, unknown[]][] = []
    const s = services(async (m, ...args) => {
      calls.push([m, args])
      return null
    })
    await s.calls.start('peer', true, 'sdp')
    await s.calls.accept('id', false, 'ans')
    await s.calls.candidate('id', { candidate: '' })
    await s.calls.renegotiate('id', 'offer', 'sdp')
    await s.calls.mediaState('id', 'reconnecting')
    await s.calls.iceServers()
    await s.contacts.acceptNewKey('a', 'b')
    await s.contacts.addFromLAN('a')
    await s.history.list(20, '')
    await s.settings.get()
    await s.settings.doNotDisturb()
    await s.settings.setDoNotDisturb('tomorrow')
    await s.settings.endDoNotDisturb()
    await s.identity.setName('Ada')
    await s.peers.diagnose()
    expect(calls).toEqual([
      ['Calls.Start', ['peer', true, 'sdp']],
      ['Calls.Accept', ['id', false, 'ans']],
      ['Calls.Candidate', ['id', { candidate: '' }]],
      ['Calls.Renegotiate', ['id', 'offer', 'sdp']],
      ['Calls.MediaState', ['id', 'reconnecting']],
      ['Calls.ICEServers', []],
      ['Contacts.AcceptNewKey', ['a', 'b']],
      ['Contacts.AddFromLAN', ['a']],
      ['History.List', [20, '']],
      ['Settings.Get', []],
      ['Settings.DoNotDisturb', []],
      ['Settings.SetDoNotDisturb', ['tomorrow']],
      ['Settings.EndDoNotDisturb', []],
      ['Identity.SetName', ['Ada']],
      ['Peers.Diagnose', []],
    ])
  })
})

describe('BridgeBackend', () => {
  it('calls over the bridge and passes events through', async () => {
    const b = new BridgeBackend(new BridgeTransport({ url: 'ws://x/api', WebSocket: Socket, credential: 'tok' }))
    const ws = Socket.last
    ws.open()
    const p = b.calls.start('peer', false, 'sdp')
    expect(ws.sent[0]).toEqual({ id: 1, method: 'Calls.Start', args: ['peer', false, 'sdp'] })
    ws.receive({ id: 1, result: { id: 'c1', state: 'calling' } })
    await expect(p).resolves.toEqual({ id: 'c1', state: 'calling' })

    const got: unknown[] = []
    const off = b.on(EventName.CallSignal, (s) => got.push(s.kind))
    ws.receive({ event: 'call:signal', data: { call: 'c1', kind: 'answer', sdp: 'x' } })
    off()
    ws.receive({ event: 'call:signal', data: { call: 'c1', kind: 'answer', sdp: 'y' } })
    expect(got).toEqual(['answer'])
    b.close()
  })

  it('rejects with a BackendError carrying the code and the method', async () => {
    const b = new BridgeBackend(new BridgeTransport({ url: 'ws://x/api', WebSocket: Socket, credential: 'tok' }))
    const ws = Socket.last
    ws.open()
    const p = b.calls.accept('c1', true, 'sdp')
    ws.receive({ id: 1, error: { code: 'failed', message: 'calls: not possible in this call state' } })
    const err = await p.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BackendError)
    expect(err).toMatchObject({ code: 'failed', method: 'Calls.Accept', message: 'calls: not possible in this call state' })
    expect((err as BackendError).cause).toBeInstanceOf(BridgeError)
    b.close()
  })
})

describe('WailsBackend', () => {
  function stubWails() {
    const listeners = new Map<string, ((...d: unknown[]) => void)[]>()
    const go = {
      api: {
        Calls: {
          Start: vi.fn(async (...a: unknown[]) => ({ id: 'c1', args: a })),
          // What Wails rejects with through Go's ErrorFormatter (errcode.Format).
          Hangup: vi.fn(async () => Promise.reject({ code: 'no_call', message: 'calls: no such call' })),
          // Wails' own refusal, before Go ran: a bare string.
          Accept: vi.fn(async () => Promise.reject('error parsing arguments: json: cannot unmarshal')),
          Decline: vi.fn(async () => Promise.reject({ code: 'teleported', message: 'x' })),
        },
        Identity: { Me: vi.fn(async () => ({ id: 'me' })) },
      },
    }
    const runtime = {
      EventsOnMultiple: vi.fn((name: string, cb: (...d: unknown[]) => void) => {
        listeners.set(name, [...(listeners.get(name) ?? []), cb])
        return () => listeners.set(name, (listeners.get(name) ?? []).filter((x) => x !== cb))
      }),
    }
    vi.stubGlobal('window', { go, runtime })
    vi.stubGlobal('go', go)
    vi.stubGlobal('runtime', runtime)
    return { go, listeners }
  }

  it('calls the generated bindings and keeps the code of Wails rejections', async () => {
    const { go } = stubWails()
    expect(inWails()).toBe(true)
    const b = new WailsBackend()
    await expect(b.calls.start('peer', true, 'sdp')).resolves.toEqual({ id: 'c1', args: ['peer', true, 'sdp'] })
    await expect(b.identity.me()).resolves.toEqual({ id: 'me' })
    const err = await b.calls.hangup('c9').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BackendError)
    expect(err).toMatchObject({ code: 'no_call', message: 'calls: no such call', method: 'Calls.Hangup' })
    expect(go.api.Calls.Hangup).toHaveBeenCalledWith('c9')
    await expect(b.calls.accept('c9', true, 'sdp')).rejects.toMatchObject({ code: 'bad_request', method: 'Calls.Accept' })
    await expect(b.calls.decline('c9')).rejects.toMatchObject({ code: 'failed', message: 'x' })
  })

  it('delivers the first event argument and unsubscribes', () => {
    const { listeners } = stubWails()
    const b = new WailsBackend()
    const got: unknown[] = []
    const off = b.on(EventName.PeerOffline, (d) => got.push(d.id))
    listeners.get('peer:offline')!.forEach((cb) => cb({ id: 'p1' }))
    off()
    expect(listeners.get('peer:offline')).toEqual([])
    expect(got).toEqual(['p1'])
  })

  it('detectBackend picks Wails inside the window and the bridge elsewhere', () => {
    stubWails()
    expect(detectBackend().kind).toBe('wails')
    vi.unstubAllGlobals()
    vi.stubGlobal('location', { protocol: 'http:', host: '127.0.0.1:9', hash: '#token=t', pathname: '/', search: '' })
    vi.stubGlobal('history', { replaceState: () => {} })
    vi.stubGlobal('WebSocket', Socket)
    const b = detectBackend()
    expect(b.kind).toBe('bridge')
    expect(Socket.last.url).toBe('ws://127.0.0.1:9/api')
    expect(Socket.last.protocols).toEqual(['peerline.v1', 'peerline.token.t'])
    b.close()
  })
})
