import { describe, expect, test } from 'vitest'
import { parseInvite } from '../invite'
import { MeState } from './me.svelte'
import { FakeBackend } from './fakes'

describe('MeState invite link', () => {
  const ID = 'I42YJ2H-KDQRMWY-DKRMN67-7ZEKV7D-TVFMX6L-QX6F6LE-7TYOCPF-BG4OWAF'
  async function setup() {
    const backend = new FakeBackend()
    backend.impl('identity.me', () => ({ id: ID, short: 'I42YJ2H', name: 'Ada Lovelace', hubPort: 1, version: 'test' }))
    const copied: string[] = []
    const me = new MeState(backend, { writeText: async (t) => void copied.push(t) })
    await me.load()
    return { me, copied }
  }

  test('carries the id, the server and the name, and parses back', async () => {
    const { me } = await setup()
    const link = me.inviteLink('wss://signal.example.com/v1/signal')
    expect(link).toBe(`peerline://add?id=${ID}&server=wss%3A%2F%2Fsignal.example.com%2Fv1%2Fsignal&name=Ada+Lovelace`)
    expect(parseInvite(link)).toEqual({ id: ID, server: 'wss://signal.example.com/v1/signal', name: 'Ada Lovelace' })
  })

  test('leaves the server out on the LAN only', async () => {
    const { me } = await setup()
    expect(me.inviteLink('')).toBe(`peerline://add?id=${ID}&name=Ada+Lovelace`)
  })

  test('copy puts the link on the clipboard', async () => {
    const { me, copied } = await setup()
    expect(await me.copyInvite('')).toBe(true)
    expect(copied).toEqual([me.inviteLink('')])
    expect(me.linkCopied).toBe(true)
    me.dispose()
  })
})
