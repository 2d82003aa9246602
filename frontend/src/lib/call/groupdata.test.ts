import { describe, expect, it } from 'vitest'
import { connect, pair, useSessions, type Side } from './calltest/session'
import { waitFor } from './calltest/rtc'
import { GroupData } from './groupdata'
import { CallEvent } from './types'

useSessions()

const file = (name: string, n: number) => {
  const bytes = new Uint8Array(n).map((_, i) => i % 251)
  return { name, size: n, bytes, slice: (s: number, e: number) => new Blob([bytes.slice(s, e)]) }
}

/**
 * A's side of a group of three: a real session with B (the main one) and
 * one with C (a leg), each connected to its person over its own switchboard.
 */
async function threeOf() {
  const ab = pair()
  const ac = pair()
  ;(ac.b.go as { peerId: string }).peerId = 'PEERC'
  await connect(ab.a, ab.b)
  await connect(ac.a, ac.b)
  const main = ab.a.session
  const leg = ac.a.session
  const live = (s: Side['session']) => s.state !== 'ended' && s.state !== 'idle'
  const data = new GroupData(main, () => [main, leg], () => live(leg))
  data.watch(leg)
  return { data, main, leg, b: ab.b, c: ac.b, goB: ab.a.go, goC: ac.a.go }
}

const texts = (s: Side) => s.session.chat.map((m) => [m.from, m.text])

describe('group chat and files (GroupData)', () => {
  it('a message goes to everyone once; theirs come from every leg; it goes on after the first person leaves', async () => {
    const { data, main, leg, b, c, goB, goC } = await threeOf()
    let emits = 0
    data.on(CallEvent.Chat, () => emits++)
    expect(data.sendChat('hello both')).toBe(true)
    // Ours: once in the group's list though it went on two legs.
    expect(data.chat.map((m) => [m.text, m.mine])).toEqual([['hello both', true]])
    expect(emits).toBe(1)
    await waitFor(() => b.session.chat.length === 1 && c.session.chat.length === 1, 'B and C have it')
    expect(texts(b)).toEqual([['PEERA', 'hello both']])
    expect(texts(c)).toEqual([['PEERA', 'hello both']])

    c.session.sendChat('from C')
    await waitFor(() => data.chat.length === 2, 'A has C’s')
    b.session.sendChat('from B')
    await waitFor(() => data.chat.length === 3, 'A has B’s')
    expect(data.chat.slice(1).map((m) => [m.from, m.text, m.mine])).toEqual([
      ['PEERC', 'from C', false],
      ['PEERB', 'from B', false],
    ])
    // History: each leg's messages kept with that leg's call (ours with both).
    await waitFor(() => goB.callsTo('history.addMessage').length === 2 && goC.callsTo('history.addMessage').length === 2, 'kept')
    expect(goB.callsTo('history.addMessage').map(([call, , mine, text]) => [call === main.call!.id, mine, text])).toEqual([
      [true, true, 'hello both'],
      [true, false, 'from B'],
    ])
    expect(goC.callsTo('history.addMessage').map(([call, , mine, text]) => [call === leg.call!.id, mine, text])).toEqual([
      [true, true, 'hello both'],
      [true, false, 'from C'],
    ])

    // B (the main session's person) leaves: the list stays, chat with C goes on.
    await b.session.hangup()
    await waitFor(() => main.state === 'ended', 'A’s call with B ended')
    expect(data.sendChat('still here')).toBe(true)
    await waitFor(() => c.session.chat.length === 3, 'C has it')
    expect(c.session.chat[2]).toMatchObject({ from: 'PEERA', text: 'still here' })
    expect(b.session.chat.length).toBe(2)
    expect(data.chat.map((m) => m.text)).toEqual(['hello both', 'from C', 'from B', 'still here'])
  })

  it('a file goes to everyone, one transfer each; a file from any leg comes in; cancel goes to its leg', async () => {
    const { data, b, c } = await threeOf()
    const f = file('deck.pdf', 150_000)
    const sent = data.sendFile(f)
    expect(sent.map((t) => [t.peer, t.direction])).toEqual([
      ['PEERB', 'out'],
      ['PEERC', 'out'],
    ])
    expect(new Set(sent.map((t) => t.id)).size).toBe(2)
    await waitFor(() => data.transfers.length === 2 && data.transfers.every((t) => t.state === 'done'), 'both sent')
    expect(b.go.disk.saved.get('deck.pdf')).toEqual(f.bytes)
    expect(c.go.disk.saved.get('deck.pdf')).toEqual(f.bytes)

    c.session.sendFile(file('notes.txt', 1000))
    await waitFor(() => data.transfers.some((t) => t.direction === 'in' && t.state === 'done'), 'C’s file in')
    expect(data.transfers[2]).toMatchObject({ direction: 'in', peer: 'PEERC', name: 'notes.txt' })

    // A slow one to B only, cancelled from A's list: B sees it cancelled, C never had it.
    const big = data.sendFile(file('big.bin', 3_000_000))
    data.cancelTransfer(big[0].id)
    await waitFor(() => b.session.transfers.some((t) => t.name === 'big.bin' && t.state === 'cancelled'), 'B sees it cancelled')
    await waitFor(() => data.transfers.find((t) => t.id === big[1].id)?.state === 'done', 'C’s copy goes on')
  })

  it('a new call with no leg live starts with empty lists; a leg still ringing gets nothing', async () => {
    const ab = pair()
    const main = ab.a.session
    const data = new GroupData(main, () => [main], () => false)
    await connect(ab.a, ab.b)
    data.sendChat('first call')
    expect(data.chat.length).toBe(1)
    await ab.a.session.hangup()
    const seen: number[] = []
    data.on(CallEvent.Chat, (l) => seen.push(l.length))
    await ab.a.session.placeCall(ab.b.go.peerId, { video: false })
    await waitFor(() => seen.includes(0), 'cleared')
    expect(data.chat).toEqual([])
    // Calling, not answered: nothing goes.
    expect(data.sendChat('too soon')).toBe(false)
    expect(data.sendFile(file('x', 10))).toEqual([])
  })
})
