/**
 * ServerURL: a signaling server's WebSocket URL in its one canonical form,
 * the TypeScript twin of Go's signaling.ParseServerURL (signaling/
 * serverurl.go; rules and vectors in docs/protocol.md "Server URLs" and
 * signaling/testdata/server-url-vectors.json, which the tests here run
 * too). It accepts exactly what Go accepts and returns the same canonical
 * text, so the UI can check and compare what the person typed before Go
 * stores it. It does no I/O and knows nothing of settings or contacts.
 *
 * Canonical form: scheme://host[:port]path[?query] — ws or wss in any
 * case (http and https are refused: they name web pages); a lower-case
 * DNS name, a dotted-quad IPv4 or a bracketed RFC 5952 IPv6 (no zone);
 * the port without leading zeros and absent when it is the scheme's
 * default; an empty path or "/" becomes /v1/signal; percent-encodings
 * upper case; an empty query dropped.
 */

/** The endpoint peerline-signal serves (Go signaling.Path). */
export const SIGNAL_PATH = '/v1/signal'

/** The longest server URL, in bytes, as typed (after trimming) and in canonical form (Go MaxServerURLLen). */
export const MAX_SERVER_URL_LEN = 2048

/** Why a text is not a server URL; `reason` never quotes the input (it may hold a secret). */
export class ServerURLError extends Error {
  constructor(readonly reason: string) {
    super(`bad server URL: ${reason}`)
    this.name = 'ServerURLError'
  }
}

/** A parsed server URL; `String(u)` is the canonical text. */
export class ServerURL {
  private constructor(
    /** wss (TLS) rather than ws. */
    readonly secure: boolean,
    /** The canonical host, an IPv6 address in brackets. */
    readonly host: string,
    /** The port written, 0 when it is the scheme's default. */
    private readonly explicitPort: number,
    /** The path, never empty. */
    readonly path: string,
    /** The query without its "?", or "". */
    readonly query: string,
  ) {}

  /** Reads a server URL as typed; throws ServerURLError when Go would refuse it. */
  static parse(text: string): ServerURL {
    const p = parseParts(text)
    const u = new ServerURL(p.secure, p.host, p.port, p.path, p.query)
    if (u.toString().length > MAX_SERVER_URL_LEN) throw bad(`longer than ${MAX_SERVER_URL_LEN} bytes`)
    return u
  }

  /** "wss" or "ws". */
  get scheme(): 'ws' | 'wss' {
    return this.secure ? 'wss' : 'ws'
  }

  /** The host without brackets. */
  get hostname(): string {
    return this.host.startsWith('[') ? this.host.slice(1, -1) : this.host
  }

  /** The port dialed: the explicit one, else 443 for wss and 80 for ws. */
  get port(): number {
    return this.explicitPort || (this.secure ? 443 : 80)
  }

  /** Whether u names the same WebSocket endpoint: everything but the query equal. */
  sameEndpoint(u: ServerURL): boolean {
    return this.secure === u.secure && this.host === u.host && this.explicitPort === u.explicitPort && this.path === u.path
  }

  /** The canonical text. */
  toString(): string {
    return `${this.scheme}://${this.host}${this.explicitPort ? `:${this.explicitPort}` : ''}${this.path}${this.query ? `?${this.query}` : ''}`
  }
}

/** Reads a server URL as typed; throws ServerURLError when Go would refuse it. */
export function parseServerURL(text: string): ServerURL {
  return ServerURL.parse(text)
}

/** The canonical text of a server URL, or null when it is not one. */
export function canonicalServerURL(text: string): string | null {
  try {
    return ServerURL.parse(text).toString()
  } catch (err) {
    if (err instanceof ServerURLError) return null
    throw err
  }
}

/** Whether two texts are server URLs of the same endpoint (a text that is not one matches nothing). */
export function sameServerEndpoint(a: string, b: string): boolean {
  const ua = canonicalOrNull(a)
  const ub = canonicalOrNull(b)
  return ua !== null && ub !== null && ua.sameEndpoint(ub)
}

function canonicalOrNull(text: string): ServerURL | null {
  try {
    return ServerURL.parse(text)
  } catch {
    return null
  }
}

const bad = (reason: string) => new ServerURLError(reason)

/** Go's strings.Trim(s, " \t\n\v\f\r"): ASCII white space only (String.prototype.trim also takes Unicode spaces). */
function trimASCII(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '')
}

/** The parts of a server URL, each in canonical form (port 0: the scheme's default). */
interface Parts {
  secure: boolean
  host: string
  port: number
  path: string
  query: string
}

function parseParts(input: string): Parts {
  const s = trimASCII(input)
  if (s === '') throw bad('empty')
  if (s.length > MAX_SERVER_URL_LEN) throw bad(`longer than ${MAX_SERVER_URL_LEN} bytes`)
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x20) throw bad('has a space (percent-encode it as %20)')
    if (c < 0x20 || c === 0x7f) throw bad('has a control character')
    if (c >= 0x80) throw bad('has a non-ASCII character (percent-encode it)')
    if (c === 0x5c) throw bad('has a backslash')
    if (c === 0x23) throw bad('has a #fragment')
  }
  // s is printable ASCII from here on, so its length is its length in bytes.

  const sep = s.indexOf('://')
  const scheme = sep < 0 ? '' : s.slice(0, sep).toLowerCase()
  let secure: boolean
  if (scheme === 'ws') secure = false
  else if (scheme === 'wss') secure = true
  else throw bad(`want a wss:// URL, e.g. wss://signal.example.com${SIGNAL_PATH} (ws:// or wss:// only)`)
  let rest = s.slice(sep + 3)

  let end = rest.search(/[/?]/)
  if (end < 0) end = rest.length
  const authority = rest.slice(0, end)
  rest = rest.slice(end)
  if (authority.includes('@')) throw bad('has a user or password (credentials); an access token goes in its own field')
  const [host, port] = parseAuthority(authority, secure)

  const q = rest.indexOf('?')
  const rawPath = q < 0 ? rest : rest.slice(0, q)
  const rawQuery = q < 0 ? '' : rest.slice(q + 1)
  let path = canonicalPart(rawPath, false)
  if (path === '' || path === '/') path = SIGNAL_PATH
  const query = canonicalPart(rawQuery, true)
  return { secure, host, port, path, query }
}

/** host[:port] → the canonical host and the port, 0 for the scheme's default. */
function parseAuthority(a: string, secure: boolean): [string, number] {
  if (a === '') throw bad('no host')
  let host = a
  let port = ''
  let hasPort = false
  if (a.startsWith('[')) {
    const i = a.indexOf(']')
    if (i < 0) throw bad('bad IPv6 address: no closing ]')
    host = a.slice(0, i + 1)
    const after = a.slice(i + 1)
    if (after !== '') {
      if (after[0] !== ':') throw bad('bad host: text after the ]')
      port = after.slice(1)
      hasPort = true
    }
  } else {
    const colons = a.split(':').length - 1
    if (colons > 1) throw bad('IPv6 addresses need brackets: [2001:db8::1]')
    if (colons === 1) {
      ;[host, port] = a.split(':') as [string, string]
      hasPort = true
    }
  }
  const h = canonicalHost(host)
  if (!hasPort) return [h, 0]
  let p = parsePort(port)
  if ((!secure && p === 80) || (secure && p === 443)) p = 0
  return [h, p]
}

function canonicalHost(h: string): string {
  if (h === '') throw bad('no host')
  if (h.startsWith('[')) {
    const inner = h.slice(1, -1)
    if (inner.includes('%')) throw bad('IPv6 zone (%) not allowed')
    const groups = parseIPv6(inner)
    if (!groups) throw bad('bad IPv6 address')
    if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) throw bad('IPv4-mapped IPv6 address: write the IPv4 address')
    return `[${formatIPv6(groups)}]`
  }
  if (h.length > 253) throw bad('host name longer than 253 bytes')
  h = h.toLowerCase()
  const last = h.slice(h.lastIndexOf('.') + 1)
  if (last !== '' && /^[0-9]+$/.test(last)) {
    // A name ending in digits is an IPv4 address or nothing: "010.1.1.1"
    // or "1.2.3" are refused, not guessed at.
    const v4 = parseIPv4(h)
    if (!v4) throw bad('bad IPv4 address')
    return v4.join('.')
  }
  for (const l of h.split('.')) {
    if (l === '' || l.length > 63 || l.startsWith('-') || l.endsWith('-') || !/^[a-z0-9-]+$/.test(l)) throw bad('bad host name')
  }
  return h
}

/** A decimal port 1-65535 of at most 5 digits. */
function parsePort(s: string): number {
  if (!/^[0-9]{1,5}$/.test(s)) throw bad('bad port: want 1-65535')
  const p = Number(s)
  if (p < 1 || p > 65535) throw bad('bad port: want 1-65535')
  return p
}

/** Four decimal octets 0-255 with no leading zeros (Go netip's strict form); null otherwise. */
function parseIPv4(s: string): number[] | null {
  const parts = s.split('.')
  if (parts.length !== 4) return null
  const out: number[] = []
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return null
    const n = Number(p)
    if (n > 255) return null
    out.push(n)
  }
  return out
}

/**
 * Eight 16-bit groups of an IPv6 address as Go netip.ParseAddr reads it:
 * 1-4 hex digits a group, at most one "::", an optional dotted IPv4 as
 * the last 32 bits; null otherwise.
 */
function parseIPv6(s: string): number[] | null {
  const dbl = s.indexOf('::')
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return null
  const side = (t: string, isLast: boolean): number[] | null => {
    if (t === '') return []
    const out: number[] = []
    const parts = t.split(':')
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]
      if (isLast && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIPv4(p)
        if (!v4) return null
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3])
        continue
      }
      if (!/^[0-9a-fA-F]{1,4}$/.test(p)) return null
      out.push(parseInt(p, 16))
    }
    return out
  }
  if (dbl < 0) {
    const all = side(s, true)
    return all && all.length === 8 ? all : null
  }
  const head = side(s.slice(0, dbl), false)
  const tail = side(s.slice(dbl + 2), true)
  if (!head || !tail || head.length + tail.length > 7) return null
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail]
}

/** RFC 5952 text: lower-case hex without leading zeros, the first longest run of two or more zero groups as "::". */
function formatIPv6(g: number[]): string {
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  const hex = (a: number[]) => a.map((x) => x.toString(16)).join(':')
  if (best < 0) return hex(g)
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`
}

const PART_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/]$/

/**
 * Checks a path or a query against RFC 3986's characters (unreserved,
 * sub-delims, ":", "@", "/", percent-encodings, and "?" in a query) and
 * returns it with its percent-encodings in upper case.
 */
function canonicalPart(s: string, query: boolean): string {
  const what = query ? 'query' : 'path'
  let out = ''
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (PART_CHARS.test(c) || (query && c === '?')) {
      out += c
    } else if (c === '%') {
      const hex = s.slice(i + 1, i + 3)
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw bad(`bad percent-encoding in the ${what}: want % and two hex digits`)
      out += '%' + hex.toUpperCase()
      i += 2
    } else {
      throw bad(`character ${JSON.stringify(c)} not allowed in the ${what} (percent-encode it)`)
    }
  }
  return out
}
