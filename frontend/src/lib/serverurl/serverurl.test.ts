import { describe, expect, it } from 'vitest'
// The vectors Go's signaling.ParseServerURL is tested with: both parsers run them.
import vectors from '../../../../signaling/testdata/server-url-vectors.json'
import { MAX_SERVER_URL_LEN, ServerURLError, canonicalServerURL, parseServerURL, sameServerEndpoint } from '.'

interface Valid {
  name: string
  in: string
  want: string
}
interface Invalid {
  name: string
  in: string
  err: string
}

describe('parseServerURL: the shared vectors (signaling/testdata/server-url-vectors.json)', () => {
  it('has vectors to run', () => {
    expect(vectors.valid.length).toBeGreaterThan(20)
    expect(vectors.invalid.length).toBeGreaterThan(20)
  })

  it.each((vectors.valid as Valid[]).map((v) => [v.name, v] as const))('accepts %s', (_name, v) => {
    const u = parseServerURL(v.in)
    expect(u.toString()).toBe(v.want)
    // The canonical text parses to itself.
    expect(parseServerURL(v.want).toString()).toBe(v.want)
  })

  it.each((vectors.invalid as Invalid[]).map((v) => [v.name, v] as const))('rejects %s', (_name, v) => {
    expect(() => parseServerURL(v.in)).toThrow(ServerURLError)
    expect(canonicalServerURL(v.in)).toBeNull()
  })
})

describe('parseServerURL: more cases', () => {
  const valid: [name: string, input: string, want: string][] = [
    ['IPv6 loopback, default port', 'ws://[::1]:80', 'ws://[::1]/v1/signal'],
    ['IPv6 all zeros', 'wss://[::]/s', 'wss://[::]/s'],
    ['IPv6 leading zeros dropped, hex lower-cased', 'wss://[2001:0DB8:0000:0000:0000:0000:0000:0001]/s', 'wss://[2001:db8::1]/s'],
    ['IPv6 first of two equal zero runs compressed', 'wss://[1:0:0:2:0:0:3:4]/s', 'wss://[1::2:0:0:3:4]/s'],
    ['IPv6 longer zero run compressed', 'wss://[1:0:2:0:0:0:3:4]/s', 'wss://[1:0:2::3:4]/s'],
    ['IPv6 a single zero group is not compressed', 'wss://[1:2:3:4:5:6:0:8]/s', 'wss://[1:2:3:4:5:6:0:8]/s'],
    ['IPv6 trailing ::', 'wss://[fe80::]/s', 'wss://[fe80::]/s'],
    ['IPv6 embedded IPv4 in the last 32 bits', 'wss://[64:ff9b::192.0.2.1]/s', 'wss://[64:ff9b::c000:201]/s'],
    ['query only a question mark', 'wss://h.example/s?', 'wss://h.example/s'],
    ['query kept after a bare host', 'ws://h.example:8080?token-less=1', 'ws://h.example:8080/v1/signal?token-less=1'],
    ['lower-case percent in the query upper-cased', 'wss://h.example/s?a=%2f', 'wss://h.example/s?a=%2F'],
    ['digits in a DNS label are fine', 'wss://a1.example/s', 'wss://a1.example/s'],
  ]
  it.each(valid)('accepts %s', (_name, input, want) => {
    expect(parseServerURL(input).toString()).toBe(want)
  })

  const invalid: [name: string, input: string][] = [
    ['no-break space (String.trim would take it, Go does not)', 'wss://h.example/s\u00a0'],
    ['byte order mark in front', '\ufeffwss://h.example/s'],
    ['IPv6 with two ::', 'wss://[1::2::3]/s'],
    ['IPv6 with nine groups', 'wss://[1:2:3:4:5:6:7:8:9]/s'],
    ['IPv6 with eight groups and ::', 'wss://[1:2:3:4:5:6:7::8]/s'],
    ['IPv6 with seven groups, no ::', 'wss://[1:2:3:4:5:6:7]/s'],
    ['IPv6 group of five digits', 'wss://[12345::1]/s'],
    ['IPv6 single leading colon', 'wss://[:1::2]/s'],
    ['IPv6 IPv4 not at the end', 'wss://[1.2.3.4::1]/s'],
    ['IPv6 IPv4 with a leading zero', 'wss://[::01.2.3.4]/s'],
    ['IPv4-mapped in hex', 'wss://[::ffff:102:304]/s'],
    ['IPv4 octet with a plus sign', 'wss://+1.2.3.4/s'],
    ['IPv4 empty octet', 'wss://1..3.4/s'],
    ['port too long', 'wss://h.example:123456/s'],
    ['scheme without slashes', 'wss:h.example'],
    ['websocket-ish scheme', 'wsss://h.example'],
    ['http (a web page)', 'http://h.example/v1/signal'],
    ['https (a web page)', 'https://h.example'],
    ['too long as typed', 'wss://h.example/' + 'a'.repeat(MAX_SERVER_URL_LEN)],
  ]
  it.each(invalid)('rejects %s', (_name, input) => {
    expect(() => parseServerURL(input)).toThrow(ServerURLError)
  })

  it('rejects a URL within the limit as typed whose canonical form (with /v1/signal) is over it', () => {
    // As typed it is within the limit; canonical form adds /v1/signal and goes over.
    const host = 'a.' + 'b'.repeat(60) + '.example'
    const base = `wss://${host}`
    const typed = base + '?' + 'q'.repeat(MAX_SERVER_URL_LEN - base.length - 1)
    expect(typed.length).toBe(MAX_SERVER_URL_LEN)
    expect(() => parseServerURL(typed)).toThrow(/longer than 2048/)
  })

  it('errors name the problem without quoting the input', () => {
    const secret = 'wss://user:hunter2@h.example/s'
    try {
      parseServerURL(secret)
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ServerURLError)
      expect((err as ServerURLError).reason).toMatch(/credentials/)
      expect(String(err)).not.toContain('hunter2')
    }
  })
})

describe('ServerURL parts and endpoints', () => {
  it('exposes scheme, hostname, port, path and query', () => {
    const u = parseServerURL('wss://[2001:db8::1]:8443/x?y=1')
    expect([u.scheme, u.secure, u.hostname, u.host, u.port, u.path, u.query]).toEqual(['wss', true, '2001:db8::1', '[2001:db8::1]', 8443, '/x', 'y=1'])
    const d = parseServerURL('ws://h.example')
    expect([d.scheme, d.port, d.path, d.query]).toEqual(['ws', 80, '/v1/signal', ''])
    expect(parseServerURL('wss://h.example').port).toBe(443)
  })

  const cases: [name: string, a: string, b: string, same: boolean][] = [
    ['identical', 'wss://h.example/s', 'wss://h.example/s', true],
    ['default port implied', 'wss://h.example:443/v1/signal', 'wss://H.example', true],
    ['query ignored', 'wss://h.example/s?a=1', 'wss://h.example/s?b=2', true],
    ['other scheme', 'ws://h.example', 'wss://h.example', false],
    ['other port', 'wss://h.example:8443', 'wss://h.example', false],
    ['other path', 'wss://h.example/a', 'wss://h.example/b', false],
    ['path case matters', 'wss://h.example/A', 'wss://h.example/a', false],
    ['not a URL matches nothing', 'not a url', 'not a url', false],
  ]
  it.each(cases)('sameServerEndpoint: %s', (_name, a, b, same) => {
    expect(sameServerEndpoint(a, b)).toBe(same)
    expect(sameServerEndpoint(b, a)).toBe(same)
  })
})
