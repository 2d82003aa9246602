import { describe, expect, it, vi } from 'vitest'
import { pageCredential, redeemTicket, takeFromFragment, tokenKey, type PageEnv } from './bridgeSession'

/** A page at hash, with its own storage and history; fetchFn answers /api/session. */
function page(hash: string, fetchFn: typeof fetch = noFetch, stored: Record<string, string> = {}) {
  const loc = { hash, pathname: '/', search: '' }
  const urls: string[] = []
  const store = new Map(Object.entries(stored))
  const env: PageEnv = {
    location: loc,
    history: {
      replaceState: (_d: unknown, _t: string, url?: string | URL | null) => {
        urls.push(String(url))
        loc.hash = String(url).includes('#') ? String(url).slice(String(url).indexOf('#')) : ''
      },
    },
    storage: { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => void store.set(k, v) },
    fetch: fetchFn,
  }
  return { env, loc, urls, store }
}

const noFetch = (async () => {
  throw new Error('no fetch expected')
}) as unknown as typeof fetch

describe('takeFromFragment', () => {
  const cases: [string, string, string | null, string | null, string | null][] = [
    // name, hash, token, ticket, the address bar after (null: untouched)
    ['token alone', '#token=abc', 'abc', null, '/'],
    ['ticket and intent', '#ticket=t1&call=PEER&video=1', null, 't1', '/#call=PEER&video=1'],
    ['intent alone', '#accept=c1&video=0', null, null, null],
    ['nothing', '', null, null, null],
    ['empty token', '#token=', null, null, '/'],
  ]
  for (const [name, hash, token, ticket, after] of cases) {
    it(name, () => {
      const p = page(hash)
      expect(takeFromFragment(p.env)).toEqual({ token, ticket })
      expect(p.urls).toEqual(after === null ? [] : [after])
    })
  }
})

describe('pageCredential', () => {
  it('keeps the token from the fragment in this tab, out of the address bar', () => {
    const p = page('#token=abc')
    const cred = pageCredential(p.env)
    expect(cred()).toBe('abc')
    expect(p.store.get(tokenKey)).toBe('abc')
    expect(p.loc.hash).toBe('')
    // A reload of the same tab: the token comes from sessionStorage.
    const again = page('', noFetch, { [tokenKey]: 'abc' })
    expect(pageCredential(again.env)()).toBe('abc')
  })

  it('trades the call window ticket for the token once, keeping the intent', async () => {
    const calls: [string, RequestInit | undefined][] = []
    const fetchFn = (async (url: string, init?: RequestInit) => {
      calls.push([url, init])
      return new Response(JSON.stringify({ token: 'TOKEN' }), { status: 200 })
    }) as unknown as typeof fetch
    const p = page('#ticket=T1&call=PEER&video=1', fetchFn)
    const cred = pageCredential(p.env)
    expect(p.loc.hash).toBe('#call=PEER&video=1')
    const first = cred()
    expect(first).toBeInstanceOf(Promise)
    await expect(first).resolves.toBe('TOKEN')
    expect(cred()).toBe('TOKEN')
    expect(p.store.get(tokenKey)).toBe('TOKEN')
    expect(calls).toHaveLength(1)
    expect(calls[0][0]).toBe('/api/session')
    expect(calls[0][1]).toMatchObject({ method: 'POST', headers: { Authorization: 'Ticket T1' }, credentials: 'omit' })
  })

  it('has no credential when the ticket is refused and none is stored', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const refused = (async () => new Response('unauthorized', { status: 401 })) as unknown as typeof fetch
    await expect(pageCredential(page('#ticket=spent', refused).env)()).resolves.toBeNull()
    await expect(redeemTicket(refused, 'x')).resolves.toBeNull()
    expect(pageCredential(page('').env)()).toBeNull()
    expect(pageCredential(null)()).toBeNull()
  })
})
