import { describe, expect, it } from 'vitest'
import { ChatChannel, cleanText, decodeChat, encodeChat, MAX_CHAT_FRAME, MAX_CHAT_TEXT, type ChatMessage } from './chat'
import { channelPair } from './calltest/channels'
import { waitFor } from './calltest/rtc'

describe('chat wire format', () => {
  it('round-trips a message', () => {
    const m = { id: 'abc123', text: 'the deck is in', at: 1764745200000 }
    expect(decodeChat(encodeChat(m))).toEqual(m)
  })

  it.each([
    ['not a string', 42],
    ['not JSON', '{'],
    ['an array', '[]'],
    ['another type', '{"t":"media","id":"a","text":"x","at":1}'],
    ['no id', '{"t":"msg","text":"x","at":1}'],
    ['a bad id', '{"t":"msg","id":"../x","text":"x","at":1}'],
    ['empty text', '{"t":"msg","id":"a","text":"   ","at":1}'],
    ['text not a string', '{"t":"msg","id":"a","text":5,"at":1}'],
    ['a fractional time', '{"t":"msg","id":"a","text":"x","at":1.5}'],
    ['a negative time', '{"t":"msg","id":"a","text":"x","at":-1}'],
    ['too long a text', JSON.stringify({ t: 'msg', id: 'a', text: 'x'.repeat(MAX_CHAT_TEXT + 1), at: 1 })],
    ['too large a frame', 'x'.repeat(MAX_CHAT_FRAME + 1)],
  ])('ignores %s', (_, data) => {
    expect(decodeChat(data)).toBeNull()
  })

  it('never throws, and accepts only what it can show (random frames)', () => {
    let seed = 1
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n
    const pieces = ['{', '}', '"t"', ':', '"msg"', ',', '"id"', '"a1"', '"text"', '"hi"', '"at"', '1', '[', ']', 'null', '"\\u0000"', '-', '1e400', '"__proto__"']
    for (let k = 0; k < 5000; k++) {
      let s = ''
      const n = rnd(20)
      for (let i = 0; i < n; i++) s += pieces[rnd(pieces.length)]
      const m = decodeChat(s)
      if (m) {
        expect(m.text.length).toBeGreaterThan(0)
        expect(m.text.length).toBeLessThanOrEqual(MAX_CHAT_TEXT)
        expect(Number.isSafeInteger(m.at)).toBe(true)
      }
    }
  })

  it('trims text and refuses empty or overlong text', () => {
    expect(cleanText('  hi  ')).toBe('hi')
    expect(cleanText(' \n ')).toBeNull()
    expect(cleanText('x'.repeat(MAX_CHAT_TEXT + 1))).toBeNull()
  })
})

describe('ChatChannel', () => {
  it('carries messages both ways, the sender named by the connection, not the frame', async () => {
    const [ca, cb] = channelPair('chat')
    const atA: ChatMessage[] = []
    const atB: ChatMessage[] = []
    const a = new ChatChannel(ca, { self: () => 'ADA', peer: 'GRACE', onMessage: (m) => atA.push(m) })
    const b = new ChatChannel(cb, { self: () => 'GRACE', peer: 'ADA', onMessage: (m) => atB.push(m) })
    expect(a.send('hello Grace')?.from).toBe('ADA')
    b.send('hello Ada')
    await waitFor(() => atA.length === 2 && atB.length === 2, 'both messages both sides')
    expect(atB.map((m) => [m.from, m.text, m.mine])).toEqual([
      ['GRACE', 'hello Ada', true],
      ['ADA', 'hello Grace', false],
    ])
    expect(atA.find((m) => !m.mine)?.from).toBe('GRACE')
    expect(a.send('   ')).toBeNull()
    // A repeat of a message id is dropped.
    cb.send(ca.log[0] as string)
    await new Promise((r) => setTimeout(r, 5))
    expect(atB.length).toBe(2)
    a.close()
    b.close()
  })

  it('holds messages until the channel opens', async () => {
    const [ca, cb] = channelPair('chat')
    ca.readyState = 'connecting'
    const got: ChatMessage[] = []
    new ChatChannel(ca, { self: () => 'ADA', peer: 'GRACE', onMessage: () => {} }).send('early')
    new ChatChannel(cb, { self: () => 'GRACE', peer: 'ADA', onMessage: (m) => got.push(m) })
    ca.readyState = 'open'
    ca.dispatchEvent(new Event('open'))
    await waitFor(() => got.length === 1, 'the early message')
    expect(got[0].text).toBe('early')
  })
})
