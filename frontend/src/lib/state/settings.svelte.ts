/**
 * Preferences: load, save one change at a time, and the small forms that
 * add a signaling or ICE server. Settings.Put validates; its error comes
 * back in words.
 */
import { EventName, defaultSettings, type Backend, type Settings, type SettingsICEServer, type Theme } from '../backend'

export { defaultSettings }
import { canonicalServerURL, parseServerURL } from '../serverurl'
import { humanError, serverURLProblem } from './labels'

/** Fields whose change takes effect only after Peerline restarts. */
const restartFields: (keyof Settings)[] = ['signalingServers', 'disableLanDiscovery', 'listenLanWithoutDiscovery', 'discoveryInterfaces']

export class SettingsState {
  /** The settings as stored; null until loaded. */
  value = $state<Settings | null>(null)
  /** The last save or load error, in words. */
  error = $state<string | null>(null)
  saving = $state(false)
  /** Set after a change that applies at the next start. */
  needsRestart = $state(false)
  /** Interfaces seen so far (offered as choices for LAN discovery). */
  knownInterfaces = $state<string[]>([])
  /** Whether Peerline starts at login; null until known (or where it cannot be read). */
  startsAtLogin = $state<boolean | null>(null)

  /** The settings, or the defaults before they load. */
  readonly current: Settings = $derived(this.value ?? defaultSettings())
  readonly theme: Theme = $derived(this.current.theme)

  private readonly backend: Backend
  private readonly offs: (() => void)[] = []
  private queue: Promise<unknown> = Promise.resolve()

  constructor(backend: Backend) {
    this.backend = backend
    this.offs.push(
      backend.on(EventName.SettingsChanged, (s) => (this.value = s)),
      backend.on(EventName.DiscoveryStatus, (d) => this.noteInterfaces(d.lan?.interfaces ?? [], d.lan?.missing ?? [])),
    )
  }

  async load(): Promise<void> {
    try {
      this.value = await this.backend.settings.get()
      this.noteInterfaces(this.value.discoveryInterfaces, [])
      this.error = null
    } catch (err) {
      this.error = humanError(err)
    }
    try {
      this.startsAtLogin = await this.backend.desktop.startsAtLogin()
    } catch {
      this.startsAtLogin = null // shown as unavailable
    }
    try {
      const d = await this.backend.peers.diagnose()
      this.noteInterfaces(d.lan?.interfaces ?? [], d.lan?.missing ?? [])
    } catch {
      // Only suggestions; the form still takes typed names.
    }
  }

  /** Remembers interface names to offer. */
  noteInterfaces(...lists: string[][]): void {
    const all = new Set(this.knownInterfaces)
    for (const list of lists) for (const name of list) if (name) all.add(name)
    if (all.size !== this.knownInterfaces.length) this.knownInterfaces = [...all].sort()
  }

  /**
   * Saves a change on top of the stored settings. Changes run one after
   * another, each on the result of the last. Resolves to an error message,
   * or null when saved.
   */
  update(patch: Partial<Settings>): Promise<string | null> {
    const run = async (): Promise<string | null> => {
      const base = this.value ?? defaultSettings()
      const next: Settings = { ...base, ...patch }
      this.saving = true
      try {
        this.value = await this.backend.settings.put(next)
        this.error = null
        if (restartFields.some((k) => k in patch && JSON.stringify(base[k]) !== JSON.stringify(next[k]))) this.needsRestart = true
        return null
      } catch (err) {
        this.error = humanError(err)
        return this.error
      } finally {
        this.saving = false
      }
    }
    const p = this.queue.then(run, run)
    this.queue = p
    return p
  }

  setTheme(theme: Theme): Promise<string | null> {
    return this.update({ theme })
  }

  /** "Keep running when the window is closed" (on by default). */
  setKeepRunning(on: boolean): Promise<string | null> {
    return this.update({ quitOnClose: !on })
  }

  /** "Start Peerline when I log in": writes or removes the OS entry. Resolves to an error message, or null. */
  async setStartAtLogin(on: boolean): Promise<string | null> {
    try {
      await this.backend.desktop.setStartAtLogin(on)
      this.startsAtLogin = on
      this.error = null
      return null
    } catch (err) {
      this.error = humanError(err)
      try {
        this.startsAtLogin = await this.backend.desktop.startsAtLogin()
      } catch {
        this.startsAtLogin = null
      }
      return this.error
    }
  }

  setLanDiscovery(on: boolean): Promise<string | null> {
    return this.update({ disableLanDiscovery: !on })
  }

  /** With discovery off: keep accepting direct LAN connections or not. */
  setListenLan(on: boolean): Promise<string | null> {
    return this.update({ listenLanWithoutDiscovery: on })
  }

  /** [] means every interface. */
  setInterfaces(names: string[]): Promise<string | null> {
    return this.update({ discoveryInterfaces: names })
  }

  toggleInterface(name: string, on: boolean): Promise<string | null> {
    const now = this.current.discoveryInterfaces
    const next = on ? [...new Set([...now, name])] : now.filter((n) => n !== name)
    return this.setInterfaces(next)
  }

  removeServer(url: string): Promise<string | null> {
    return this.update({ signalingServers: this.current.signalingServers.filter((s) => s.url !== url) })
  }

  removeIceServer(index: number): Promise<string | null> {
    return this.update({ iceServers: this.current.iceServers.filter((_, i) => i !== index) })
  }

  dispose(): void {
    for (const off of this.offs.splice(0)) off()
  }
}

/** The "add signaling server" row. */
export class ServerForm {
  url = $state('')
  token = $state('')
  error = $state<string | null>(null)
  busy = $state(false)

  private readonly settings: SettingsState

  constructor(settings: SettingsState) {
    this.settings = settings
  }

  async submit(): Promise<boolean> {
    let url: string
    try {
      url = parseServerURL(this.url).toString() // what Go stores
    } catch (err) {
      this.error = serverURLProblem(err)
      return false
    }
    if (this.settings.current.signalingServers.some((s) => (canonicalServerURL(s.url) ?? s.url) === url)) {
      this.error = 'That server is already in the list.'
      return false
    }
    this.busy = true
    const err = await this.settings.update({
      signalingServers: [...this.settings.current.signalingServers, { url, token: this.token.trim() }],
    })
    this.busy = false
    this.error = err
    if (!err) {
      this.url = ''
      this.token = ''
    }
    return !err
  }
}

/** The "add STUN/TURN server" row. */
export class IceForm {
  urls = $state('')
  username = $state('')
  credential = $state('')
  error = $state<string | null>(null)
  busy = $state(false)

  private readonly settings: SettingsState

  constructor(settings: SettingsState) {
    this.settings = settings
  }

  /** Whether the URLs typed so far include a TURN server (which needs a username and credential). */
  get isTurn(): boolean {
    return this.list().some((u) => /^turns?:/i.test(u))
  }

  private list(): string[] {
    return this.urls
      .split(/[\s,]+/)
      .map((u) => u.trim())
      .filter(Boolean)
  }

  async submit(): Promise<boolean> {
    const urls = this.list()
    if (urls.length === 0 || urls.some((u) => !/^(stuns?|turns?):\S+$/i.test(u))) {
      this.error = 'Enter one or more stun:, stuns:, turn: or turns: URLs.'
      return false
    }
    if (this.isTurn && (!this.username.trim() || !this.credential)) {
      this.error = 'A TURN server needs a username and a credential.'
      return false
    }
    const entry: SettingsICEServer = { urls, username: this.username.trim(), credential: this.credential }
    this.busy = true
    const err = await this.settings.update({ iceServers: [...this.settings.current.iceServers, entry] })
    this.busy = false
    this.error = err
    if (!err) {
      this.urls = ''
      this.username = ''
      this.credential = ''
    }
    return !err
  }
}
