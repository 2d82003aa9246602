/**
 * The harness of the CallSession tests: two sides (fake Go joined by a
 * Switchboard, fake browser, a real CallSession each), what each session
 * emitted, and the hooks that reset the fakes and dispose every session.
 * Call useSessions() once at the top of a test file.
 */
import { afterEach, beforeEach, vi } from 'vitest'
import type { CallError } from '../errors'
import { CallSession } from '../session'
import { CallEvent, type CallSessionOptions, type CallState, type MediaFlags } from '../types'
import { Switchboard, type SwitchboardBackend } from './switchboard'
import { FakePeerConnection, fakeRtc, waitFor } from './rtc'

/** One side of a call: its fake Go, fake browser and session, plus what the session emitted. */
export interface Side {
  go: SwitchboardBackend
  rtc: ReturnType<typeof fakeRtc>
  session: CallSession
  states: CallState[]
  errors: CallError[]
  remoteMedia: MediaFlags[]
  pc(): FakePeerConnection
}

let sessions: CallSession[] = []

export function side(go: SwitchboardBackend, opts: Partial<CallSessionOptions> = {}): Side {
  const rtc = fakeRtc()
  const session = new CallSession({
    backend: go,
    rtc: rtc.env,
    statsIntervalMs: 20,
    disconnectedRestartMs: 40,
    reconnectTimeoutMs: 400,
    connectTimeoutMs: 1000,
    ...opts,
  })
  sessions.push(session)
  const s: Side = {
    go,
    rtc,
    session,
    states: [],
    errors: [],
    remoteMedia: [],
    pc: () => {
      const all = rtc.pcs()
      if (all.length === 0) throw new Error('no peer connection yet')
      return all[all.length - 1]
    },
  }
  session.on(CallEvent.State, (c) => {
    if (s.states.at(-1) !== c.state) s.states.push(c.state)
  })
  session.on(CallEvent.Error, (e) => s.errors.push(e))
  session.on(CallEvent.RemoteMedia, (f) => s.remoteMedia.push(f))
  return s
}

export function pair(opts: Partial<CallSessionOptions> = {}): { a: Side; b: Side; board: Switchboard } {
  const board = new Switchboard()
  return { a: side(board.a, opts), b: side(board.b, opts), board }
}

/** A calls B and B answers; both connected. */
export async function connect(a: Side, b: Side, video = true, acceptVideo = video): Promise<void> {
  await a.session.placeCall(b.go.peerId, { video })
  await waitFor(() => b.session.state === 'ringing', 'B ringing')
  await b.session.accept({ video: acceptVideo })
  await waitFor(() => a.session.state === 'connected' && b.session.state === 'connected', 'both connected')
}

export const sender = (pc: FakePeerConnection, kind: 'audio' | 'video') => pc.transceivers.find((t) => t.kind === kind)?.sender

/** Registers the hooks: fresh fakes before each test, every session disposed after it. */
export function useSessions(): void {
  beforeEach(() => {
    sessions = []
    FakePeerConnection.all = []
  })
  afterEach(() => {
    for (const s of sessions) s.dispose()
    vi.restoreAllMocks()
  })
}
