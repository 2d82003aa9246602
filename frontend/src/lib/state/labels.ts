/**
 * The words the UI shows for the backend's codes: discovery reasons, call
 * outcomes, errors, times. Pure functions, so tests and every component
 * word things the same way.
 */
import type { DiscoveryReason, Diagnosis, HistoryEntry } from '../backend'
import { ErrorCode, isClientCode } from '../backend/codes'
import { ServerURLError } from '../serverurl'

/** A short explanation of why nobody shows up, for the empty people list. */
export interface Explanation {
  title: string
  detail: string
}

const reasons: Record<DiscoveryReason, Explanation> = {
  ok: {
    title: 'People are around',
    detail: 'Peerline can see others on your network.',
  },
  not_running: {
    title: 'Network discovery is starting',
    detail: 'Peerline is getting ready to look for people on your network.',
  },
  no_interface: {
    title: 'No usable network',
    detail:
      'This computer is not connected to a network that allows discovery. Connect to Wi-Fi or Ethernet, or check the network interface chosen in Settings.',
  },
  advertise_failed: {
    title: 'Could not announce this computer',
    detail: 'Others on your network cannot see you right now. Another app may be using the discovery port, or a firewall blocks it.',
  },
  browse_failed: {
    title: 'Could not look for people',
    detail: 'Network discovery could not start. A firewall may block it (UDP port 5353).',
  },
  multicast_blocked: {
    title: 'Discovery is blocked on this computer',
    detail:
      'A firewall or network setting on this computer blocks network discovery (multicast DNS, UDP port 5353). Allow it, or add people by their ID.',
  },
  peers_unreachable: {
    title: 'People were found, but cannot be reached',
    detail:
      'Others announce themselves, but their computers do not answer. A firewall on their side or yours may block Peerline, or you are on different networks.',
  },
  no_peers: {
    title: 'Nobody else is running Peerline here yet',
    detail:
      'Ask a colleague to open Peerline on the same network. Some Wi-Fi networks keep devices apart; then add them by ID and address instead.',
  },
}

/** Why the people list is empty, in words, from a diagnosis (null: not known yet). */
export function explainDiagnosis(d: Diagnosis | null): Explanation | null {
  if (!d) return null
  if (!d.lan) {
    const servers = Object.values(d.servers ?? {})
    if (servers.length === 0) {
      return {
        title: 'Network discovery is off',
        detail: 'Turn it on in Settings to find people on your network, or add someone by their ID and a signaling server.',
      }
    }
    if (!servers.some((s) => s.connected)) {
      return {
        title: 'Not connected to your signaling server',
        detail: 'Peerline keeps trying. Check the server address in Settings and your internet connection.',
      }
    }
    return {
      title: 'Nobody is online yet',
      detail: 'People you add show up here when they open Peerline.',
    }
  }
  return reasons[d.lan.reason] ?? null
}

/** Outcome words for history rows, from this side's point of view. */
export function outcomeLabel(e: Pick<HistoryEntry, 'outcome' | 'direction'> & Partial<Pick<HistoryEntry, 'attempts'>>): string {
  const label = singleOutcomeLabel(e)
  // One entry for a caller that rang again and again (coalesced in Go).
  return (e.attempts ?? 1) > 1 ? `${label} · ${e.attempts} times` : label
}

function singleOutcomeLabel(e: Pick<HistoryEntry, 'outcome' | 'direction'>): string {
  const incoming = e.direction === 'incoming'
  switch (e.outcome) {
    case 'completed':
      return incoming ? 'Incoming call' : 'Outgoing call'
    case 'missed':
      return 'Missed call'
    case 'declined':
      return incoming ? 'Declined' : 'They declined'
    case 'busy':
      return incoming ? 'Missed (you were busy)' : 'They were busy'
    case 'cancelled':
      return incoming ? 'Missed call' : 'Cancelled'
    case 'timeout':
    case 'no_answer':
      return incoming ? 'Missed call' : 'No answer'
    case 'unavailable':
      return incoming ? 'Missed call' : 'Could not reach them'
    case 'failed':
      return 'Call failed'
    case 'interrupted':
      return 'Call interrupted'
    case 'ongoing':
      return 'In progress'
    default:
      return incoming ? 'Incoming call' : 'Outgoing call'
  }
}

/** Whether a history row should look like a problem (red). */
export function outcomeIsProblem(e: Pick<HistoryEntry, 'outcome' | 'direction'>): boolean {
  if (e.outcome === 'completed' || e.outcome === 'ongoing') return false
  if (e.outcome === 'cancelled' && e.direction === 'outgoing') return false
  if (e.outcome === 'declined' && e.direction === 'incoming') return false
  return true
}

/** "Today", "Yesterday", a weekday within the week, else a date. */
export function dayLabel(ms: number, now = Date.now()): string {
  const d = new Date(ms)
  const start = (t: Date) => new Date(t.getFullYear(), t.getMonth(), t.getDate()).getTime()
  const days = Math.round((start(new Date(now)) - start(d)) / 86_400_000)
  if (days <= 0) return 'Today'
  if (days === 1) return 'Yesterday'
  if (days < 7) return d.toLocaleDateString(undefined, { weekday: 'long' })
  const sameYear = d.getFullYear() === new Date(now).getFullYear()
  return d.toLocaleDateString(undefined, sameYear ? { month: 'long', day: 'numeric' } : { year: 'numeric', month: 'long', day: 'numeric' })
}

/** "14:05" (the user's locale decides 12/24 h). */
export function timeLabel(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })
}

/** A call length in words: "42 s", "3 min", "1 h 5 min". */
export function lengthLabel(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.round(s / 60)
  if (m < 60) return `${m} min`
  const h = Math.floor(m / 60)
  const rest = m % 60
  return rest ? `${h} h ${rest} min` : `${h} h`
}

/** Up to two initials for an avatar ("Ada Lovelace" → "AL"); "?" for no name. */
export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean)
  if (words.length === 0) return '?'
  const first = [...words[0]][0] ?? ''
  const last = words.length > 1 ? ([...words[words.length - 1]][0] ?? '') : ''
  return (first + last).toUpperCase()
}

/** A stable hue (0-359) for a peer id, so a person keeps their avatar color. */
export function hueOf(id: string): number {
  let h = 0
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0
  return h % 360
}

/** The first group of a peer id ("ABCDEFG-…" → "ABCDEFG"). */
export function shortId(id: string): string {
  return id.split('-')[0] ?? id
}

/** A peer id normalized for matching what someone typed: no dashes or spaces, upper case. */
export function compactId(id: string): string {
  return id.replace(/[-\s]/g, '').toUpperCase()
}

/**
 * A Go error text as a sentence for people ("store: put settings: invalid:
 * display name: too long" → "Display name: too long."). Known texts get
 * friendlier words.
 */
export function humanError(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : String(err ?? '')
  // The code decides (codes.ts, the Go table); the text is only tidied.
  const code = (err as { code?: unknown } | null)?.code
  if (code === ErrorCode.BadPeerID) {
    return 'That does not look like a Peerline ID. It has 8 groups of 7 letters and digits; copy it from their app.'
  }
  if (code === ErrorCode.OwnID) return 'That is your own ID.'
  if (isClientCode(code)) return raw
  // Drop Go's "pkg: op:" prefixes and the sentinel words, keep the reason.
  let text = raw
    .split(/:\s+/)
    .filter((part) => !/^(store|app|calls|dnd|identity|discovery|signaling|put settings|get settings|invalid input|invalid)$/i.test(part))
    .join(': ')
    .trim()
  if (!text) text = 'Something went wrong'
  text = text[0].toUpperCase() + text.slice(1)
  return /[.!?]$/.test(text) ? text : text + '.'
}

/**
 * The words for a signaling server address that is not one (a
 * ServerURLError from lib/serverurl; anything else in humanError's words).
 */
export function serverURLProblem(err: unknown): string {
  if (!(err instanceof ServerURLError)) return humanError(err)
  if (err.reason === 'empty' || err.reason.startsWith('want a wss://')) return 'A signaling server address starts with wss:// (or ws:// on a private network).'
  return `That server address is not valid: ${err.reason}.`
}
