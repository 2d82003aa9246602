/**
 * The page's credential for the loopback bridge (package app/bridge).
 *
 * The app hands a page its way in through the URL's fragment, which no
 * server ever sees: `#token=T` on the `ui:` link, or `#ticket=T` on the
 * call window (a single-use ticket from the app's launch page, traded for
 * the token at `POST /api/session`). Both are taken out of the address bar
 * at once (the rest of the fragment, the call window's intent, stays).
 *
 * The token is kept in sessionStorage: per origin, so per port (no other
 * local web server can read it), per tab, gone when the tab closes. Only
 * the bridge transport sends it, on its WebSocket handshake; nothing sends
 * it ambiently, as a cookie would, to other servers on 127.0.0.1.
 */

/** The sessionStorage key of the token. */
export const tokenKey = 'peerline.bridge.token'

/** What the credential needs of the page; tests pass their own. */
export interface PageEnv {
  location: Pick<Location, 'hash' | 'pathname' | 'search'>
  history: Pick<History, 'replaceState'> | null
  storage: Pick<Storage, 'getItem' | 'setItem'> | null
  fetch: typeof fetch
}

/** The token now, or a promise of it while a ticket is being redeemed; null when the page has none. */
export type Credential = () => string | null | Promise<string | null>

/**
 * Removes `token` and `ticket` from the fragment (replacing the history
 * entry, so they stay out of history and a reload) and returns them.
 */
export function takeFromFragment(env: Pick<PageEnv, 'location' | 'history'>): { token: string | null; ticket: string | null } {
  const q = new URLSearchParams((env.location.hash ?? '').replace(/^#/, ''))
  const token = q.get('token') || null
  const ticket = q.get('ticket') || null
  if (q.has('token') || q.has('ticket')) {
    q.delete('token')
    q.delete('ticket')
    const rest = q.toString()
    env.history?.replaceState(null, '', env.location.pathname + env.location.search + (rest ? `#${rest}` : ''))
  }
  return { token, ticket }
}

/** Trades a launch ticket for the token; null when the bridge refuses it (spent, expired). */
export async function redeemTicket(fetchFn: typeof fetch, ticket: string): Promise<string | null> {
  try {
    const res = await fetchFn('/api/session', {
      method: 'POST',
      headers: { Authorization: `Ticket ${ticket}` },
      credentials: 'omit',
      cache: 'no-store',
    })
    if (!res.ok) {
      console.warn(`bridge: the call window's ticket was refused (${res.status}): open the call from the Peerline window again`)
      return null
    }
    const body = (await res.json()) as { token?: unknown }
    return typeof body.token === 'string' && body.token !== '' ? body.token : null
  } catch (err) {
    console.warn('bridge: redeeming the ticket failed', err)
    return null
  }
}

/**
 * The page's credential: takes it out of the fragment now, and gives the
 * transport the token (from the fragment, the redeemed ticket, or this
 * tab's sessionStorage).
 */
export function pageCredential(env: PageEnv | null = pageEnv()): Credential {
  if (!env) return () => null
  const { token, ticket } = takeFromFragment(env)
  const remember = (t: string): void => {
    try {
      env.storage?.setItem(tokenKey, t)
    } catch {
      // Storage full or refused: the token lives as long as this page.
    }
  }
  let current = token ?? readStored(env.storage)
  if (token) remember(token)
  let pending: Promise<string | null> | null = null
  if (ticket) {
    pending = redeemTicket(env.fetch, ticket).then((t) => {
      if (t) {
        current = t
        remember(t)
      }
      pending = null
      return current
    })
  }
  return () => pending ?? current
}

function readStored(storage: PageEnv['storage']): string | null {
  try {
    return storage?.getItem(tokenKey) || null
  } catch {
    return null
  }
}

/** This page's environment, or null outside a browser. */
function pageEnv(): PageEnv | null {
  const g = globalThis as { location?: Location; history?: History; sessionStorage?: Storage; fetch?: typeof fetch }
  if (!g.location || !g.fetch) return null
  let storage: Storage | null = null
  try {
    storage = g.sessionStorage ?? null
  } catch {
    storage = null // storage disabled: the token lives as long as the page
  }
  return { location: g.location, history: g.history ?? null, storage, fetch: g.fetch.bind(globalThis) }
}
