import { describe, expect, it } from 'vitest'
import { settle, waitFor } from './calltest/rtc'
import { connect, pair, useSessions } from './calltest/session'

useSessions()

describe('CallSession: reconnecting', () => {
  it('restarts ICE when the connection fails, without ringing again', async () => {
    const { a, b } = pair()
    await connect(a, b)
    await settle() // the first negotiation's last candidates are in
    const pcA = a.pc()
    pcA.setState('failed', 'failed')
    await waitFor(() => a.session.state === 'reconnecting', 'reconnecting')
    expect(pcA.restarts).toBe(1)
    await waitFor(() => a.session.state === 'connected' && b.go.callsTo('calls.renegotiate').length === 1, 'connected again')
    expect(a.go.callsTo('calls.mediaState').map((args) => args[1])).toEqual(['connected', 'reconnecting', 'connected'])
    expect(a.go.callsTo('calls.renegotiate').map((args) => args[1])).toEqual(['offer'])
    expect(b.go.callsTo('calls.renegotiate').map((args) => args[1])).toEqual(['answer'])
    expect(a.go.callsTo('calls.start')).toHaveLength(1)
    expect(b.states.filter((s) => s === 'ringing')).toHaveLength(1)
    expect(a.states).toEqual(['calling', 'ringing', 'connecting', 'connected', 'reconnecting', 'connected'])
    expect(a.rtc.pcs()).toHaveLength(1) // same connection, same tracks
  })

  it('restarts after `disconnected` lasts, not on a blip', async () => {
    const { a, b } = pair()
    await connect(a, b)
    const pcA = a.pc()
    pcA.setState('disconnected')
    await new Promise((r) => setTimeout(r, 10))
    pcA.setState('connected')
    await new Promise((r) => setTimeout(r, 80))
    expect(pcA.restarts).toBe(0)
    pcA.setState('disconnected', 'disconnected')
    await waitFor(() => pcA.restarts === 1, 'restart after 40 ms')
    await waitFor(() => a.session.state === 'connected', 'connected again')
  })

  it('an ICE restart can recover without connectionState ever changing', async () => {
    const { a, b } = pair()
    await connect(a, b)
    const pcA = a.pc()
    pcA.setState('disconnected') // ICE only; connectionState stays `connected`, as it may in browsers
    await waitFor(() => a.session.state === 'reconnecting', 'reconnecting')
    await waitFor(() => a.session.state === 'connected', 'connected again')
    expect(pcA.connectionState).toBe('connected')
    expect(a.go.callsTo('calls.mediaState').map((args) => args[1])).toEqual(['connected', 'reconnecting', 'connected'])
  })

  it('an `online` event on a healthy connection restarts ICE quietly', async () => {
    const { a, b } = pair()
    await connect(a, b)
    a.rtc.network.online()
    expect(a.pc().restarts).toBe(1)
    await waitFor(() => a.go.callsTo('calls.renegotiate').length === 1 && a.pc().signalingState === 'stable', 'restart negotiated')
    await settle()
    expect(a.states.at(-1)).toBe('connected')
    expect(a.states).not.toContain('reconnecting')
    expect(a.go.callsTo('calls.mediaState').map((args) => args[1])).toEqual(['connected'])
  })

  it('restarts on an `online` event (new network)', async () => {
    const { a, b } = pair()
    await connect(a, b)
    b.pc().setState('disconnected', 'disconnected')
    b.rtc.network.online()
    expect(b.pc().restarts).toBe(1)
    await waitFor(() => b.session.state === 'connected' && b.go.callsTo('calls.mediaState').length === 3, 'reconnected')
    // The callee (polite) restarted: its offer went through Calls.Renegotiate.
    expect(b.go.callsTo('calls.renegotiate').map((args) => args[1])).toEqual(['offer'])
  })

  it('both sides restarting at once (glare) still converges', async () => {
    const { a, b } = pair()
    await connect(a, b)
    a.pc().setState('failed', 'failed')
    b.pc().setState('failed', 'failed')
    await waitFor(() => a.session.state === 'connected' && b.session.state === 'connected', 'both connected', 3000)
    await settle()
    expect(a.pc().signalingState).toBe('stable')
    expect(b.pc().signalingState).toBe('stable')
    expect(b.pc().history).toContain('rollback') // the polite callee gave way
  })

  it('ends with connection_lost when the restart does not bring it back', async () => {
    const { a, b } = pair()
    await connect(a, b)
    a.pc().autoConnect = false
    b.pc().autoConnect = false
    a.pc().setState('failed', 'failed')
    await waitFor(() => a.session.state === 'ended', 'ended', 3000)
    expect(a.session.error?.code).toBe('connection_lost')
    expect(a.errors.map((e) => e.code)).toEqual(['connection_lost'])
    expect(a.go.callsTo('calls.hangup')).toHaveLength(1)
    expect(a.rtc.media.live()).toEqual([])
    await waitFor(() => b.session.state === 'ended', 'B ended')
  })
})
