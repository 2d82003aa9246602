/**
 * Invite links, peerline://add?id=…&server=…&name=…: the TypeScript twin
 * of Go's app/invite (rules in docs/invite-links.md). Both run
 * app/invite/testdata/invite-vectors.json. A link is pasted from
 * anywhere, so parseInvite is strict and bounded and never throws
 * anything but an InviteError. Pure functions; no I/O.
 *
 * One difference by design: this side checks the id's shape (56 letters
 * of the id alphabet, dashes and case ignored), Go also its check
 * characters — the Add-person dialog sends the id to Go, which refuses a
 * mistyped one with its own error code (bad_peer_id).
 */
import { parseServerURL } from '../serverurl'

/** The URL scheme the installers register. */
export const INVITE_SCHEME = 'peerline'
/** The longest link, in bytes (Go invite.MaxLen). */
export const MAX_INVITE_LEN = 2048
/** The longest name, in code points (Go invite.MaxNameRunes). */
export const MAX_INVITE_NAME = 64

/** What is wrong with a link: the values Go's invite.Reason has. */
export const InviteReason = {
  TooLong: 'too_long',
  Control: 'control',
  Scheme: 'scheme',
  Form: 'form',
  Duplicate: 'duplicate',
  ID: 'id',
  Server: 'server',
  Name: 'name',
} as const
export type InviteReason = (typeof InviteReason)[keyof typeof InviteReason]

/** A link parseInvite refused; `reason` is stable, the message for people. */
export class InviteError extends Error {
  constructor(
    readonly reason: InviteReason,
    message: string,
  ) {
    super(message)
    this.name = 'InviteError'
  }
}

/** One invite: id in canonical form, server canonical or '', name or ''. */
export interface Invite {
  id: string
  server: string
  name: string
}

const encoder = new TextEncoder()

/** Go's url.QueryEscape: space as '+', everything but A-Z a-z 0-9 - _ . ~ escaped. */
function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+')
}

/** The canonical text of an invite: id, server, name, the empty ones left out. */
export function formatInvite(inv: Invite): string {
  let s = `${INVITE_SCHEME}://add?id=${queryEscape(inv.id)}`
  if (inv.server) s += `&server=${queryEscape(inv.server)}`
  if (inv.name) s += `&name=${queryEscape(inv.name)}`
  return s
}

/** Whether text is meant as a link (starts with the scheme), valid or not. */
export function isInviteLink(text: string): boolean {
  const s = text.trim()
  return s.length > INVITE_SCHEME.length && s.slice(0, INVITE_SCHEME.length + 1).toLowerCase() === INVITE_SCHEME + ':'
}

// Go's checks: a control, format (Cf) or white-space character, or
// anything up to and including the ASCII space.
const BAD_IN_LINK = /[\u0000-\u0020\u007f-\u009f\p{Cf}\s\ufffd]/u
const BAD_IN_NAME = /[\p{Cc}\p{Cf}\ufffd]|(?! )\s/u
const ID_ALPHABET = /^[A-Z2-7]{56}$/

/** Go's url.QueryUnescape of a query component; null when it is malformed. */
function queryUnescape(s: string): string | null {
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return null
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '))
  } catch {
    return null
  }
}

/** The canonical id of a hand-typed or canonical one, or null when its shape is wrong. */
function canonicalId(raw: string): string | null {
  const clean = raw
    .replace(/[- ]/g, '')
    .toUpperCase()
    .replace(/0/g, 'O')
    .replace(/1/g, 'I')
    .replace(/8/g, 'B')
  if (!ID_ALPHABET.test(clean)) return null
  return clean.match(/.{7}/g)!.join('-')
}

/** Reads an invite link; throws InviteError saying what is wrong. */
export function parseInvite(text: string): Invite {
  const s = text.trim()
  if (encoder.encode(s).length > MAX_INVITE_LEN) throw new InviteError('too_long', 'That link is too long to be a Peerline invite.')
  if (BAD_IN_LINK.test(s)) throw new InviteError('control', 'That link holds spaces or hidden characters; copy it again.')
  if (!isInviteLink(s)) throw new InviteError('scheme', 'That is not a Peerline link (it starts with peerline://).')
  const rest = s.slice(INVITE_SCHEME.length + 1)
  if (rest.slice(0, 6).toLowerCase() !== '//add?') throw new InviteError('form', 'That Peerline link is not an invite (peerline://add?…).')
  const query = rest.slice(6)
  if (query.includes('#')) throw new InviteError('form', 'That Peerline link is damaged.')
  const values = new Map<string, string[]>()
  for (const part of query.split('&')) {
    if (part === '') continue
    const eq = part.indexOf('=')
    const rawKey = eq < 0 ? part : part.slice(0, eq)
    const rawValue = eq < 0 ? '' : part.slice(eq + 1)
    if (part.includes(';')) throw new InviteError('form', 'That Peerline link is damaged.')
    const key = queryUnescape(rawKey)
    const value = queryUnescape(rawValue)
    if (key === null || value === null) throw new InviteError('form', 'That Peerline link is damaged.')
    values.set(key, [...(values.get(key) ?? []), value])
  }
  for (const [, v] of values) {
    if (v.length > 1) throw new InviteError('duplicate', 'That Peerline link names something twice; ask for a new one.')
  }
  const get = (k: string) => values.get(k)?.[0] ?? ''
  const rawId = get('id')
  const id = rawId ? canonicalId(rawId) : null
  if (!id) throw new InviteError('id', 'That link has no valid Peerline ID.')
  let server = ''
  if (get('server')) {
    try {
      server = parseServerURL(get('server')).toString()
    } catch {
      throw new InviteError('server', 'The server in that link is not a signaling server address.')
    }
  }
  const name = get('name').trim()
  if ([...name].length > MAX_INVITE_NAME || BAD_IN_NAME.test(name)) {
    throw new InviteError('name', `The name in that link is too long or holds hidden characters (at most ${MAX_INVITE_NAME}).`)
  }
  return { id, server, name }
}
