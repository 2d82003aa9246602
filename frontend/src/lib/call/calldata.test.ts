import { describe, expect, it } from 'vitest'
import { connect, pair, useSessions } from './calltest/session'
import { waitFor } from './calltest/rtc'
import { CallEvent } from './types'
import type { TransferView } from './transfer'

useSessions()

const file = (name: string, n: number) => {
  const bytes = new Uint8Array(n).map((_, i) => i % 251)
  return { name, size: n, bytes, slice: (s: number, e: number) => new Blob([bytes.slice(s, e)]) }
}

describe('chat and files in a call', () => {
  it('chat goes both ways, each message named by its sender', async () => {
    const { a, b } = pair()
    await connect(a, b)
    let chats = 0
    b.session.on(CallEvent.Chat, () => chats++)
    expect(a.session.sendChat('hello Grace')).toBe(true)
    await waitFor(() => b.session.chat.length === 1, 'B has the message')
    expect(b.session.sendChat('hello Ada')).toBe(true)
    await waitFor(() => a.session.chat.length === 2, 'A has both')
    expect(b.session.chat.map((m) => [m.from, m.text, m.mine])).toEqual([
      [a.go.peerId, 'hello Grace', false],
      ['AAAAAAA-BBBBBBB', 'hello Ada', true], // our own id, from Identity.Me (the fake's)
    ])
    expect(a.session.chat[1]).toMatchObject({ from: b.go.peerId, text: 'hello Ada', mine: false })
    expect(chats).toBe(2)
    // Each side keeps both messages with the call in its history; Go names the sender.
    await waitFor(() => a.go.callsTo('history.addMessage').length === 2, 'A kept both')
    expect(a.go.callsTo('history.addMessage').map(([call, , mine, text]) => [call, mine, text])).toEqual([
      [a.session.call!.id, true, 'hello Grace'],
      [a.session.call!.id, false, 'hello Ada'],
    ])
    expect(a.session.sendChat('  ')).toBe(false)
  })

  it('sends a file to the other side, which saves it; the next call starts with none', async () => {
    const { a, b } = pair()
    await connect(a, b)
    const f = file('notes.txt', 200_000)
    const t = a.session.sendFile(f)!
    expect(t.state).toBe('sending')
    const seen: TransferView[][] = []
    b.session.on(CallEvent.Transfers, (list) => seen.push(list))
    await waitFor(() => b.session.transfers[0]?.state === 'done' && a.session.transfers[0]?.state === 'done', 'done both sides')
    expect(b.go.disk.saved.get('notes.txt')).toEqual(f.bytes)
    expect(b.session.transfers[0]).toMatchObject({ direction: 'in', peer: a.go.peerId, progress: 100 })
    await b.session.hangup()
    await waitFor(() => a.session.state === 'ended', 'ended')
    await connect(a, b)
    expect(a.session.transfers).toEqual([])
    expect(a.session.chat).toEqual([])
  })

  it('hanging up mid-transfer fails it on both sides and keeps no partial file', async () => {
    const { a, b } = pair()
    await connect(a, b)
    let hold!: () => void
    const gate = new Promise<void>((r) => (hold = r))
    const write = b.go.disk.write.bind(b.go.disk)
    b.go.impl('files.write', async (id: string, o: number, c: Uint8Array) => {
      const n = write(id, o, c)
      await gate
      return n
    })
    a.session.sendFile(file('big.bin', 5_000_000))
    await waitFor(() => b.go.disk.open.size === 1 && b.go.disk.writes.length > 0, 'B writing')
    await a.session.hangup()
    hold()
    await waitFor(() => b.session.state === 'ended', 'B ended')
    expect(a.session.transfers[0]).toMatchObject({ state: 'failed', code: 'call_ended' })
    expect(b.session.transfers[0]).toMatchObject({ state: 'failed', code: 'call_ended' })
    await waitFor(() => b.go.disk.open.size === 0, 'the partial file removed')
    expect(b.go.disk.saved.size).toBe(0)
  })
})
