import { describe, expect, it } from 'vitest'
// The vectors Go's app/invite is tested with: both parsers run them.
import vectors from '../../../../app/invite/testdata/invite-vectors.json'
import { InviteError, formatInvite, isInviteLink, parseInvite } from '.'

interface Valid {
  name: string
  in: string
  id: string
  server: string
  nameField: string
  canonical: string
}
interface Invalid {
  name: string
  in: string
  err: string
  goOnly?: boolean
}

describe('parseInvite: the shared vectors (app/invite/testdata/invite-vectors.json)', () => {
  it('has vectors to run', () => {
    expect(vectors.valid.length).toBeGreaterThan(5)
    expect(vectors.invalid.length).toBeGreaterThan(10)
  })

  it.each((vectors.valid as Valid[]).map((v) => [v.name, v] as const))('accepts %s', (_n, v) => {
    const inv = parseInvite(v.in)
    expect(inv).toEqual({ id: v.id, server: v.server, name: v.nameField })
    expect(formatInvite(inv)).toBe(v.canonical)
    expect(parseInvite(formatInvite(inv))).toEqual(inv)
  })

  it.each((vectors.invalid as Invalid[]).filter((v) => !v.goOnly).map((v) => [v.name, v] as const))('refuses %s', (_n, v) => {
    let err: unknown
    try {
      parseInvite(v.in)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(InviteError)
    expect((err as InviteError).reason).toBe(v.err)
  })
})

describe('isInviteLink', () => {
  it.each([
    ['peerline://add?id=x', true],
    [' PeerLine:x', true],
    ['ABCDEFG-HIJKLMN', false],
    ['https://peerline.example', false],
    ['', false],
  ])('%j → %s', (text, want) => {
    expect(isInviteLink(text)).toBe(want)
  })
})

// A property run over generated hostile texts: parseInvite throws only
// InviteError, and what it accepts formats to a link that parses back to
// the same invite (the Go side has a real fuzz target, FuzzParse).
describe('parseInvite on generated input', () => {
  const pieces = ['peerline:', '//add?', 'id=', (vectors.valid as Valid[])[0].id, '&', 'server=', 'wss://a.example', 'name=', '%', '%41', '%zz', '+', '#', ';', '=', '\u202e', '\n', ' ', 'é', '&id=', 'x']
  let seed = 12345
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed % n
  }
  it('never throws anything else, and round-trips what it accepts', () => {
    let accepted = 0
    for (let i = 0; i < 20000; i++) {
      // Half start as a valid link, so some of what follows is accepted.
      let s = rand(2) ? `peerline://add?id=${(vectors.valid as Valid[])[0].id}` : ''
      const n = 1 + rand(12)
      for (let j = 0; j < n; j++) s += pieces[rand(pieces.length)]
      try {
        const inv = parseInvite(s)
        accepted++
        expect(parseInvite(formatInvite(inv))).toEqual(inv)
      } catch (e) {
        expect(e).toBeInstanceOf(InviteError)
      }
    }
    expect(accepted).toBeGreaterThan(0)
  })
})
