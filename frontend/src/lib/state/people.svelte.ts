/**
 * The people list: LAN peers and contacts with presence, search, the
 * address-book actions, and identity-changed warnings. Adapts the
 * peer:*, contact:*, identity:* and discovery:* events.
 */
import { EventName, type Backend, type ContactInput, type ContactView, type Diagnosis, type MatchedBy, type PeerView } from '../backend'
import { parseServerURL } from '../serverurl'
import { InviteError, isInviteLink, parseInvite } from '../invite'
import { compactId, humanError, serverURLProblem } from './labels'

/** One row of the people list: the peer view plus what the contact record adds. */
export interface Person extends PeerView {
  /** The name the peer announces for itself ("" when unknown). */
  announcedName: string
  /** Signaling server URL this contact is reached through ("" for LAN). */
  server: string
  /** LAN address (host:port) added by hand ("" when found by discovery). */
  address: string
}

/** A contact that called with a new, unverified identity. */
export interface KeyChange {
  person: Person
  /** The new identity the user must compare and accept or reject. */
  newId: string
  /** What tied the new identity to the contact: "address", the Peerline at an address it used proved the new key. */
  matchedBy: MatchedBy
  /** Where the new key was proven (host:port); "" when not known (the warning was raised before a restart). */
  address: string
}

/** Same order as Go's Peers.List: favorites, then online, then by name. */
export function sortPeople<T extends Pick<PeerView, 'favorite' | 'online' | 'name'>>(list: T[]): T[] {
  return [...list].sort((a, b) => {
    if (a.favorite !== b.favorite) return a.favorite ? -1 : 1
    if (a.online !== b.online) return a.online ? -1 : 1
    const x = a.name.toLowerCase()
    const y = b.name.toLowerCase()
    return x < y ? -1 : x > y ? 1 : 0
  })
}

/** Whether a person matches a search query (name, announced name or id, any case). */
export function matches(p: Pick<Person, 'name' | 'announcedName' | 'id'>, query: string): boolean {
  const q = query.trim().toLowerCase()
  if (!q) return true
  if (p.name.toLowerCase().includes(q) || p.announcedName.toLowerCase().includes(q)) return true
  const cq = compactId(q)
  return cq.length >= 3 && compactId(p.id).includes(cq)
}

export class PeopleState {
  /** Everyone listed, in display order. */
  list = $state<Person[]>([])
  /** The search box. */
  query = $state('')
  /** Why the list may be empty (Peers.Diagnose / discovery:status). */
  diagnosis = $state<Diagnosis | null>(null)
  /** The first load finished. */
  loaded = $state(false)
  /** The last load failure, in words. */
  loadError = $state<string | null>(null)
  /** Who is online is known: false while the link to the app is down (nobody then shows online). */
  presenceKnown = $state(true)

  /** The rows that match the search. */
  readonly visible = $derived(this.list.filter((p) => matches(p, this.query)))
  /** Online LAN peers that are not contacts yet (the "add from LAN" choices). */
  readonly strangers = $derived(this.list.filter((p) => !p.contact && p.online))
  /** Contacts whose identity changed: a loud warning each. */
  readonly keyChanges: KeyChange[] = $derived(
    this.list
      .filter((p) => p.keyChanged)
      .map((p) => ({
        person: p,
        newId: this.newIds[p.id]?.newId ?? this.contacts[p.id]?.newId ?? '',
        matchedBy: this.newIds[p.id]?.matchedBy ?? 'address',
        address: this.newIds[p.id]?.address ?? '',
      })),
  )
  readonly onlineCount = $derived(this.list.filter((p) => p.online).length)

  private contacts = $state<Record<string, ContactView>>({})
  private newIds = $state<Record<string, { newId: string; matchedBy: MatchedBy; address: string }>>({})
  private readonly backend: Backend
  private readonly offs: (() => void)[] = []
  private loading: Promise<void> | null = null
  private again = false

  constructor(backend: Backend) {
    this.backend = backend
    this.offs.push(
      backend.on(EventName.PeerOnline, (peer) => this.upsert(peer)),
      backend.on(EventName.PeerOffline, ({ id }) => this.wentOffline(id)),
      backend.on(EventName.ContactChanged, () => void this.refresh()),
      backend.on(EventName.IdentityChanged, (change) => {
        this.newIds = {
          ...this.newIds,
          [change.contact.id]: { newId: change.newId, matchedBy: change.matchedBy, address: change.address ?? '' },
        }
        this.contacts = { ...this.contacts, [change.contact.id]: change.contact }
        void this.refresh()
      }),
      backend.on(EventName.DiscoveryStatus, (d) => (this.diagnosis = d)),
    )
  }

  /** The person with this id, if listed. */
  get(id: string | null | undefined): Person | undefined {
    return id ? this.list.find((p) => p.id === id) : undefined
  }

  /** Reloads the list and the diagnosis; concurrent calls share one reload (plus one more if asked meanwhile). */
  refresh(): Promise<void> {
    if (this.loading) {
      this.again = true
      return this.loading
    }
    this.loading = (async () => {
      do {
        this.again = false
        await this.load()
      } while (this.again)
    })().finally(() => (this.loading = null))
    return this.loading
  }

  private async load(): Promise<void> {
    try {
      const [peers, contacts, diagnosis] = await Promise.all([
        this.backend.peers.list(),
        this.backend.contacts.list(),
        this.backend.peers.diagnose().catch(() => this.diagnosis),
      ])
      const byId: Record<string, ContactView> = {}
      for (const c of contacts ?? []) byId[c.id] = c
      this.contacts = byId
      this.list = (peers ?? []).map((p) => this.person(p))
      this.diagnosis = diagnosis
      this.loadError = null
      this.presenceKnown = true
    } catch (err) {
      this.loadError = humanError(err)
    } finally {
      this.loaded = true
    }
  }

  private person(p: PeerView): Person {
    const c = this.contacts[p.id]
    return { ...p, announcedName: c?.announcedName ?? '', server: c?.server ?? '', address: c?.address ?? '' }
  }

  /**
   * A presence event while a reload is in flight: that reload's answer may
   * predate the event (Go answers the list and emits events concurrently),
   * so one more reload follows it, or the stale answer would stand.
   */
  private presenceMoved() {
    if (this.loading) this.again = true
  }

  private upsert(peer: PeerView) {
    this.presenceMoved()
    const next = this.list.filter((p) => p.id !== peer.id)
    next.push(this.person(peer))
    this.list = sortPeople(next)
  }

  private wentOffline(id: string) {
    this.presenceMoved()
    const p = this.get(id)
    if (!p) return
    this.list = sortPeople(
      p.contact ? this.list.map((x) => (x.id === id ? { ...x, online: false, lan: false } : x)) : this.list.filter((x) => x.id !== id),
    )
  }

  /**
   * The link to the app dropped: nobody's presence is known any more, so
   * nobody shows online until the list is loaded again.
   */
  presenceLost(): void {
    this.presenceKnown = false
    this.list = sortPeople(this.list.map((p) => (p.online || p.lan ? { ...p, online: false, lan: false } : p)))
  }

  /** Asks the app again why nobody may be listed. */
  async diagnose(): Promise<void> {
    try {
      this.diagnosis = await this.backend.peers.diagnose()
    } catch {
      // Keep the last diagnosis; the list itself reports load errors.
    }
  }

  /** Adds a contact by id with a server URL or LAN address. Rejects with the Go error. */
  async add(input: ContactInput): Promise<ContactView> {
    const c = await this.backend.contacts.add(input)
    await this.refresh()
    return c
  }

  /** Keeps a LAN peer as a contact. */
  async keep(id: string): Promise<ContactView> {
    const c = await this.backend.contacts.addFromLAN(id)
    await this.refresh()
    return c
  }

  /** Favorites are listed first. Keeps a stranger as a contact first. */
  async setFavorite(id: string, favorite: boolean): Promise<void> {
    this.patch(id, { favorite })
    try {
      if (favorite && !this.get(id)?.contact) await this.backend.contacts.addFromLAN(id)
      await this.backend.contacts.setFavorite(id, favorite)
    } finally {
      await this.refresh()
    }
  }

  async rename(id: string, name: string): Promise<void> {
    await this.backend.contacts.rename(id, name.trim())
    await this.refresh()
  }

  async setBlocked(id: string, blocked: boolean): Promise<void> {
    await this.backend.contacts.setBlocked(id, blocked)
    await this.refresh()
  }

  /** Blocks anyone, a stranger too, under the name it called with. */
  async block(id: string, name: string): Promise<void> {
    await this.backend.contacts.block(id, name)
    await this.refresh()
  }

  /**
   * For someone who is not a contact, the contact whose name they use
   * ("someone using Grace's name"), if any. A name proves nothing, so
   * this is a warning about them, never a mark on the contact.
   */
  sameNameAs(p: Pick<Person, 'id' | 'name' | 'contact'>): string {
    if (p.contact || !p.name.trim()) return ''
    const name = p.name.trim().toLowerCase()
    const twin = this.list.find(
      (c) => c.contact && c.id !== p.id && (c.name.toLowerCase() === name || this.contacts[c.id]?.announcedName.toLowerCase() === name),
    )
    return twin?.name ?? ''
  }

  async remove(id: string): Promise<void> {
    await this.backend.contacts.delete(id)
    await this.refresh()
  }

  /** Trusts the new identity the user compared (newId as shown). */
  async acceptNewKey(id: string, newId: string): Promise<void> {
    await this.backend.contacts.acceptNewKey(id, newId)
    this.forgetNewId(id)
    await this.refresh()
  }

  /** Keeps the old identity; calls from the new one stay held. */
  async rejectNewKey(id: string): Promise<void> {
    await this.backend.contacts.rejectNewKey(id)
    this.forgetNewId(id)
    await this.refresh()
  }

  private forgetNewId(id: string) {
    const { [id]: _, ...rest } = this.newIds
    void _
    this.newIds = rest
  }

  private patch(id: string, fields: Partial<Person>) {
    this.list = this.list.map((p) => (p.id === id ? { ...p, ...fields } : p))
  }

  dispose(): void {
    for (const off of this.offs.splice(0)) off()
  }
}

/** How a person is added by hand. */
export const AddVia = {
  Server: 'server',
  Address: 'address',
} as const
/** One of AddVia's values. */
export type AddVia = (typeof AddVia)[keyof typeof AddVia]

/** The "Add person" form: pick someone on the LAN, or type an id with a server or address. */
export class AddPersonForm {
  id = $state('')
  name = $state('')
  via = $state<AddVia>('address')
  server = $state('')
  address = $state('')
  busy = $state(false)
  error = $state<string | null>(null)

  private readonly people: PeopleState

  constructor(people: PeopleState, defaults: { server?: string } = {}) {
    this.people = people
    if (defaults.server) {
      this.server = defaults.server
      this.via = 'server'
    }
  }

  /** Whether the typed form can be sent. */
  get ready(): boolean {
    return compactId(this.id).length > 0 && !this.busy
  }

  /**
   * When the id field holds an invite link (peerline://add?…), fills in
   * the id, server and name from it (a name typed already is kept). A
   * malformed or hostile link sets `error` and changes nothing else.
   * Returns whether the field held a link.
   */
  applyLink(): boolean {
    if (!isInviteLink(this.id)) return false
    try {
      const inv = parseInvite(this.id)
      this.id = inv.id
      if (inv.server) {
        this.server = inv.server
        this.via = 'server'
      }
      if (inv.name && !this.name.trim()) this.name = inv.name
      this.error = null
    } catch (err) {
      this.error = err instanceof InviteError ? err.message : 'That link cannot be read; copy it again.'
    }
    return true
  }

  /** Adds the typed person; resolves to their id, or null with `error` set. */
  async submit(): Promise<string | null> {
    if (this.applyLink() && this.error) return null
    if (!compactId(this.id)) {
      this.error = 'Enter their Peerline ID.'
      return null
    }
    const address = this.via === 'address' ? this.address.trim() : ''
    let server = ''
    if (address && !/^(\[[0-9a-fA-F:.]+(%[\w.-]+)?\]|[\w.-]+):\d{1,5}$/.test(address)) {
      this.error = 'Write the address as host:port, for example 192.168.1.20:47800.'
      return null
    }
    if (this.via === 'server' && this.server.trim()) {
      try {
        server = parseServerURL(this.server).toString() // what Go stores
      } catch (err) {
        this.error = serverURLProblem(err)
        return null
      }
    }
    return this.run(() => this.people.add({ id: this.id.trim(), name: this.name.trim(), server, address }))
  }

  /** Keeps someone found on the LAN. */
  async keep(id: string): Promise<string | null> {
    return this.run(() => this.people.keep(id))
  }

  private async run(f: () => Promise<ContactView>): Promise<string | null> {
    this.busy = true
    this.error = null
    try {
      const c = await f()
      return c.id
    } catch (err) {
      this.error = humanError(err)
      return null
    } finally {
      this.busy = false
    }
  }
}
