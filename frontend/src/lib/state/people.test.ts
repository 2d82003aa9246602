import { BackendError } from '../backend/errors'
import { describe, expect, test } from 'vitest'
import { AddPersonForm, PeopleState, matches, sortPeople } from './people.svelte'
import { FakeBackend, contactView, flush, peerView } from './fakes'

function setup() {
  const backend = new FakeBackend()
  backend.peerList = [
    peerView({ id: 'AAAAAAA-1111111', name: 'Grace', online: true, lan: true, contact: true, verified: true }),
    peerView({ id: 'BBBBBBB-2222222', name: 'Linus', online: true, lan: true }),
    peerView({ id: 'CCCCCCC-3333333', name: 'Barbara', contact: true }),
  ]
  backend.contactList = [
    contactView({ id: 'AAAAAAA-1111111', name: 'Grace', announcedName: 'Grace H.', verified: true }),
    contactView({ id: 'CCCCCCC-3333333', name: 'Barbara', server: 'wss://signal.example' }),
  ]
  const people = new PeopleState(backend)
  return { backend, people }
}

describe('sortPeople', () => {
  test.each([
    {
      name: 'favorites first',
      in: [
        { name: 'b', online: true, favorite: false },
        { name: 'a', online: false, favorite: true },
      ],
      want: ['a', 'b'],
    },
    {
      name: 'then online',
      in: [
        { name: 'a', online: false, favorite: false },
        { name: 'b', online: true, favorite: false },
      ],
      want: ['b', 'a'],
    },
    {
      name: 'then by name, any case',
      in: [
        { name: 'bob', online: true, favorite: false },
        { name: 'Alice', online: true, favorite: false },
      ],
      want: ['Alice', 'bob'],
    },
  ])('$name', ({ in: list, want }) => {
    expect(sortPeople(list).map((p) => p.name)).toEqual(want)
  })
})

describe('matches', () => {
  const p = { id: 'ABCDEFG-HIJKLMN', name: 'Grace Hopper', announcedName: 'gh' }
  test.each([
    { q: '', want: true },
    { q: 'grace', want: true },
    { q: 'HOP', want: true },
    { q: 'gh', want: true },
    { q: 'abcdefghij', want: true }, // id typed without the dash
    { q: 'fg-hi', want: true },
    { q: 'zz', want: false },
    { q: 'ab', want: false }, // too short to match ids
  ])('"$q" → $want', ({ q, want }) => {
    expect(matches(p, q)).toBe(want)
  })
})

describe('PeopleState', () => {
  test('loads peers merged with contact details and the diagnosis', async () => {
    const { people } = setup()
    await people.refresh()
    expect(people.loaded).toBe(true)
    expect(people.list.map((p) => p.name)).toEqual(['Grace', 'Linus', 'Barbara'])
    expect(people.get('AAAAAAA-1111111')?.announcedName).toBe('Grace H.')
    expect(people.get('CCCCCCC-3333333')?.server).toBe('wss://signal.example')
    expect(people.diagnosis?.lan?.reason).toBe('no_peers')
    expect(people.strangers.map((p) => p.id)).toEqual(['BBBBBBB-2222222'])
    expect(people.onlineCount).toBe(2)
  })

  test('search filters the visible rows', async () => {
    const { people } = setup()
    await people.refresh()
    people.query = 'lin'
    expect(people.visible.map((p) => p.name)).toEqual(['Linus'])
    people.query = ''
    expect(people.visible).toHaveLength(3)
  })

  test('peer:online adds or updates a row, in order', async () => {
    const { backend, people } = setup()
    await people.refresh()
    backend.emit('peer:online', peerView({ id: 'CCCCCCC-3333333', name: 'Barbara', online: true, contact: true }))
    expect(people.get('CCCCCCC-3333333')?.online).toBe(true)
    expect(people.get('CCCCCCC-3333333')?.server).toBe('wss://signal.example') // contact details kept
    expect(people.list.map((p) => p.name)).toEqual(['Barbara', 'Grace', 'Linus'])
    backend.emit('peer:online', peerView({ id: 'DDDDDDD-4444444', name: 'Ada', online: true }))
    expect(people.list[0].name).toBe('Ada')
  })

  test('peer:offline marks contacts offline and drops strangers', async () => {
    const { backend, people } = setup()
    await people.refresh()
    backend.emit('peer:offline', { id: 'AAAAAAA-1111111' })
    expect(people.get('AAAAAAA-1111111')?.online).toBe(false)
    backend.emit('peer:offline', { id: 'BBBBBBB-2222222' })
    expect(people.get('BBBBBBB-2222222')).toBeUndefined()
    backend.emit('peer:offline', { id: 'nobody' }) // ignored
    expect(people.list).toHaveLength(2)
  })

  test('contact:changed reloads; concurrent reloads coalesce', async () => {
    const { backend, people } = setup()
    await people.refresh()
    const before = backend.callsTo('peers.list').length
    backend.emit('contact:changed', contactView({ id: 'BBBBBBB-2222222' }))
    backend.emit('contact:changed', contactView({ id: 'BBBBBBB-2222222' }))
    backend.emit('contact:changed', contactView({ id: 'BBBBBBB-2222222' }))
    await flush()
    await people.refresh()
    // The first reload, then one more for everything asked meanwhile.
    expect(backend.callsTo('peers.list').length - before).toBeLessThanOrEqual(3)
    expect(backend.callsTo('peers.list').length - before).toBeGreaterThanOrEqual(2)
  })

  test('peer:online during a reload: the stale answer does not stand (one more reload)', async () => {
    const { backend, people } = setup()
    await people.refresh()
    // Go answers the list as it was, then Barbara comes online (the
    // event can reach the page before that answer).
    let release!: () => void
    const stale = backend.peerList.map((p) => ({ ...p }))
    backend.impl('peers.list', async () => {
      await new Promise<void>((r) => (release = r))
      return stale
    })
    const reload = people.refresh()
    await flush()
    backend.peerList = stale.map((p) => (p.id === 'CCCCCCC-3333333' ? { ...p, online: true } : p))
    backend.emit('peer:online', peerView({ id: 'CCCCCCC-3333333', name: 'Barbara', online: true, contact: true }))
    backend.impl('peers.list', () => backend.peerList)
    release()
    await reload
    expect(people.get('CCCCCCC-3333333')?.online).toBe(true)
  })

  test('identity:changed becomes a warning with both ids; accept sends the id shown', async () => {
    const { backend, people } = setup()
    await people.refresh()
    backend.peerList[0] = { ...backend.peerList[0], keyChanged: true }
    backend.emit('identity:changed', {
      contact: contactView({ id: 'AAAAAAA-1111111', name: 'Grace', keyChanged: true, newId: 'NEWNEWN-0000000' }),
      newId: 'NEWNEWN-0000000',
      matchedBy: 'address',
      address: '192.168.1.20:47400',
    })
    await flush()
    await people.refresh()
    expect(people.keyChanges).toHaveLength(1)
    expect(people.keyChanges[0]).toMatchObject({
      newId: 'NEWNEWN-0000000',
      matchedBy: 'address',
      address: '192.168.1.20:47400',
    })
    expect(people.keyChanges[0].person.id).toBe('AAAAAAA-1111111')

    backend.peerList[0] = { ...backend.peerList[0], keyChanged: false }
    await people.acceptNewKey('AAAAAAA-1111111', 'NEWNEWN-0000000')
    expect(backend.callsTo('contacts.acceptNewKey')).toEqual([['AAAAAAA-1111111', 'NEWNEWN-0000000']])
    expect(people.keyChanges).toHaveLength(0)
  })

  test('a key change known only from the contact list (after a restart) still warns', async () => {
    const { backend, people } = setup()
    backend.peerList[0] = { ...backend.peerList[0], keyChanged: true }
    backend.contactList[0] = { ...backend.contactList[0], keyChanged: true, newId: 'NEWNEWN-0000000' }
    await people.refresh()
    expect(people.keyChanges[0]).toMatchObject({ newId: 'NEWNEWN-0000000', matchedBy: 'address', address: '' })
  })

  test('favoriting a stranger keeps them as a contact first', async () => {
    const { backend, people } = setup()
    await people.refresh()
    await people.setFavorite('BBBBBBB-2222222', true)
    expect(backend.callsTo('contacts.addFromLAN')).toEqual([['BBBBBBB-2222222']])
    expect(backend.callsTo('contacts.setFavorite')).toEqual([['BBBBBBB-2222222', true]])
  })

  test('discovery:status updates the diagnosis', async () => {
    const { backend, people } = setup()
    backend.emit('discovery:status', { lan: null, servers: {} })
    expect(people.diagnosis).toEqual({ lan: null, servers: {} })
  })

  test('load failure is reported in words', async () => {
    const { backend, people } = setup()
    backend.impl('peers.list', () => {
      throw new Error('store: list contacts: database is locked')
    })
    await people.refresh()
    expect(people.loadError).toBe('List contacts: database is locked.')
    expect(people.loaded).toBe(true)
  })

  test('dispose unsubscribes', () => {
    const { backend, people } = setup()
    expect(backend.listenerCount('peer:online')).toBe(1)
    people.dispose()
    expect(backend.listenerCount('peer:online')).toBe(0)
  })
})

describe('AddPersonForm', () => {
  test('adds by id and address', async () => {
    const { backend, people } = setup()
    const form = new AddPersonForm(people)
    form.id = ' ZZZZZZZ-9999999 '
    form.name = 'Zed'
    form.address = '192.168.1.20:47800'
    expect(await form.submit()).toBe('ZZZZZZZ-9999999')
    expect(backend.callsTo('contacts.add')).toEqual([[{ id: 'ZZZZZZZ-9999999', name: 'Zed', server: '', address: '192.168.1.20:47800' }]])
    expect(form.error).toBeNull()
  })

  test('defaults to the first signaling server when there is one', async () => {
    const { backend, people } = setup()
    const form = new AddPersonForm(people, { server: 'wss://signal.example' })
    expect(form.via).toBe('server')
    form.id = 'ZZZZZZZ-9999999'
    await form.submit()
    expect(backend.callsTo('contacts.add')[0][0]).toMatchObject({ server: 'wss://signal.example/v1/signal', address: '' })
  })

  test.each([
    { name: 'no id', id: '', address: '', want: 'Enter their Peerline ID.' },
    { name: 'bad address', id: 'X', address: 'nope', want: 'Write the address as host:port, for example 192.168.1.20:47800.' },
    { name: 'a server without a scheme', id: 'X', server: 'signal.example', want: 'A signaling server address starts with wss:// (or ws:// on a private network).' },
    { name: 'a server with a password', id: 'X', server: 'wss://u:p@signal.example', want: /^That server address is not valid: .*credentials/ },
    { name: 'a server with a bad port', id: 'X', server: 'wss://signal.example:0', want: /^That server address is not valid: bad port/ },
  ])('refuses $name without asking the app', async ({ id, address, server, want }) => {
    const { backend, people } = setup()
    const form = new AddPersonForm(people)
    form.id = id
    if (server !== undefined) {
      form.via = 'server'
      form.server = server
    } else form.address = address
    expect(await form.submit()).toBeNull()
    if (typeof want === 'string') expect(form.error).toBe(want)
    else expect(form.error).toMatch(want)
    expect(backend.callsTo('contacts.add')).toHaveLength(0)
  })

  test('shows the app’s refusal in words', async () => {
    const { backend, people } = setup()
    backend.impl('contacts.add', () => {
      throw new BackendError('bad_peer_id', 'not a peer id: identity: parse peer id: bad peer id: 3 characters, want 56')
    })
    const form = new AddPersonForm(people)
    form.id = 'abc'
    expect(await form.submit()).toBeNull()
    expect(form.error).toMatch(/does not look like a Peerline ID/)
    expect(form.busy).toBe(false)
  })

  const ID = 'I42YJ2H-KDQRMWY-DKRMN67-7ZEKV7D-TVFMX6L-QX6F6LE-7TYOCPF-BG4OWAF'

  test('a pasted invite link fills in the id, the server and the name', async () => {
    const { backend, people } = setup()
    const form = new AddPersonForm(people)
    form.id = `peerline://add?id=${ID}&server=wss%3A%2F%2Fsignal.example.com&name=Ada+Lovelace`
    expect(form.applyLink()).toBe(true)
    expect({ id: form.id, via: form.via, server: form.server, name: form.name, error: form.error }).toEqual({
      id: ID,
      via: 'server',
      server: 'wss://signal.example.com/v1/signal',
      name: 'Ada Lovelace',
      error: null,
    })
    expect(await form.submit()).toBe(ID)
    expect(backend.callsTo('contacts.add')).toEqual([[{ id: ID, name: 'Ada Lovelace', server: 'wss://signal.example.com/v1/signal', address: '' }]])
  })

  test('a name typed already is kept over the link’s', () => {
    const { people } = setup()
    const form = new AddPersonForm(people)
    form.name = 'Ada'
    form.id = `peerline://add?id=${ID}&name=Someone+Else`
    form.applyLink()
    expect(form.name).toBe('Ada')
  })

  test.each([
    ['a server that is a web page', `peerline://add?id=${ID}&server=https://evil.example`],
    ['two ids', `peerline://add?id=${ID}&id=${ID}`],
    ['a hidden right-to-left override in the name', `peerline://add?id=${ID}&name=%E2%80%AEevil`],
    ['another action', `peerline://call?id=${ID}`],
  ])('a hostile link (%s) gets an error and changes nothing', async (_name, link) => {
    const { backend, people } = setup()
    const form = new AddPersonForm(people, { server: 'wss://mine.example' })
    form.name = 'Typed'
    form.id = link
    expect(form.applyLink()).toBe(true)
    expect(form.error).toBeTruthy()
    expect({ id: form.id, server: form.server, name: form.name }).toEqual({ id: link, server: 'wss://mine.example', name: 'Typed' })
    expect(await form.submit()).toBeNull()
    expect(backend.callsTo('contacts.add')).toHaveLength(0)
  })

  test('a bare id is not a link', () => {
    const { people } = setup()
    const form = new AddPersonForm(people)
    form.id = ID
    expect(form.applyLink()).toBe(false)
    expect(form.id).toBe(ID)
  })

  test('keeps someone from the LAN', async () => {
    const { backend, people } = setup()
    const form = new AddPersonForm(people)
    expect(await form.keep('BBBBBBB-2222222')).toBe('BBBBBBB-2222222')
    expect(backend.callsTo('contacts.addFromLAN')).toEqual([['BBBBBBB-2222222']])
  })
})
