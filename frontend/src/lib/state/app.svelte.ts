/**
 * The whole UI's state, composed: who I am, people, history, settings,
 * devices and the call, plus navigation (which tab, which person) and the
 * link to the app. App.svelte makes one and hands the parts down.
 */
import { EventName, type Backend, type Capabilities, type Theme } from '../backend'
import type { Alerts } from './alerts'
import { BlockedState } from './blocked.svelte'
import { CallError, CallState, type CallEngine } from './call.svelte'
import { DevicesState, type DevicesEnv } from './devices.svelte'
import { DoNotDisturbState } from './dnd.svelte'
import type { GroupEngine } from './group.svelte'
import { HistoryState } from './history.svelte'
import { MeState, type ClipboardLike } from './me.svelte'
import { PeopleState } from './people.svelte'
import { SettingsState } from './settings.svelte'
import type { WindowIntent } from './intent'
import { shortcutOf, type KeyLike } from './shortcuts'

/** The localStorage key that remembers the call-window explanation was read. */
export const CALL_WINDOW_NOTICE_KEY = 'peerline.callWindowNoticeRead'

export const Tab = {
  People: 'people',
  History: 'history',
  Settings: 'settings',
} as const
/** One of Tab's values. */
export type Tab = (typeof Tab)[keyof typeof Tab]

export interface AppStateOptions {
  backend: Backend
  engine: CallEngine
  /** The group call engine beside the main session (lib/call/group.ts); none: 1:1 calls only. */
  group?: GroupEngine
  alerts?: Alerts
  devices?: DevicesEnv
  clipboard?: ClipboardLike | null
  /** Remembers small UI choices (the call-window explanation was read). Default: none, so it shows every launch. */
  storage?: Pick<Storage, 'getItem' | 'setItem'> | null
}

export class AppState {
  readonly backend: Backend
  readonly me: MeState
  readonly people: PeopleState
  readonly history: HistoryState
  readonly settings: SettingsState
  readonly blocked: BlockedState
  readonly devices: DevicesState
  readonly call: CallState
  readonly dnd: DoNotDisturbState

  tab = $state<Tab>('people')
  /** The person shown in the main area (people tab). */
  selectedId = $state<string | null>(null)
  /** The "Add person" dialog is open. */
  adding = $state(false)
  /** An invite link a click passed to the app, for the Add-person dialog to read once. */
  pendingInvite = $state<string | null>(null)
  /** Counts invite links opened: the dialog is made anew for each. */
  inviteSerial = $state(0)
  /** The link to the app is up (the bridge can drop; the Wails window never does). */
  connected = $state(true)
  /** Everything loaded once. */
  ready = $state(false)
  /** Explain, once, why calls open in their own window (this window has no WebRTC). */
  callWindowNotice = $state(false)

  /** The person shown, if still listed. */
  get selected() {
    return this.people.get(this.selectedId)
  }

  get theme(): Theme {
    return this.settings.theme
  }

  private readonly offs: (() => void)[] = []
  private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null

  constructor(o: AppStateOptions) {
    this.backend = o.backend
    this.storage = o.storage ?? null
    this.me = o.clipboard === undefined ? new MeState(o.backend) : new MeState(o.backend, o.clipboard)
    this.people = new PeopleState(o.backend)
    this.history = new HistoryState(o.backend)
    this.settings = new SettingsState(o.backend)
    this.blocked = new BlockedState(o.backend)
    this.devices = new DevicesState(o.devices)
    this.dnd = new DoNotDisturbState(o.backend)
    this.call = new CallState(o.engine, {
      alerts: o.alerts,
      nameOf: (id) => this.people.get(id)?.name || undefined,
      verifiedOf: (id) => this.people.get(id)?.verified,
      preferred: () => this.settings.current,
      group: o.group,
    })
    this.callWindowNotice = this.call.elsewhere && this.remembered(CALL_WINDOW_NOTICE_KEY) !== '1'
    this.offs.push(
      // A click on a peerline://add link elsewhere: show Add person filled in from it.
      o.backend.on(EventName.InviteOpened, ({ link }) => this.openInvite(link)),
      // The desktop notification's Answer: Go brought this window to the
      // front; it answers as its Answer button would (here, or in the call
      // window where this webview has no WebRTC). Only the app window: a
      // call window open on the bridge hears the event too.
      o.backend.on(EventName.CallAnswer, ({ call, video }) => {
        if (o.backend.kind === 'wails') void this.runIntent({ action: 'accept', call, video })
      }),
      o.backend.onConnectionChange((up) => {
        this.connected = up
        if (up) void this.load()
        else this.people.presenceLost()
      }),
    )
  }

  /** Loads everything; also after the link to the app comes back. */
  async load(): Promise<void> {
    await Promise.all([this.me.load(), this.people.refresh(), this.history.refresh(), this.settings.load(), this.dnd.load()])
    this.call.useDevices(this.settings.current)
    this.ready = true
  }

  /**
   * The incoming-call screen's Block: the ringing call is declined (the
   * caller hears "declined" this once, like any decline) and its caller
   * never rings again; anyone, strangers too.
   */
  async blockCaller(): Promise<void> {
    const id = this.call.peerId
    const name = this.call.call?.peerName ?? ''
    if (!id) return
    await this.call.decline()
    await this.people.block(id, name)
    await this.blocked.load()
  }

  /** Opens a tab. */
  show(tab: Tab): void {
    this.tab = tab
    if (tab === 'settings') void this.blocked.load()
    if (tab === 'history') this.history.markSeen()
    if (tab !== 'settings') this.devices.stopPreview()
  }

  /** Shows a person in the main area. */
  select(id: string | null): void {
    this.selectedId = id
    this.show('people')
  }

  /** Calls a person; the settings' devices are used. */
  async callPerson(id: string, video: boolean): Promise<void> {
    this.devices.stopPreview() // the camera may not open twice on every system
    await this.call.placeCall(id, video)
  }

  /** Calls the people of a group call again (a history entry): the first rings, the others are added once they answer. */
  async callGroup(ids: string[], video: boolean): Promise<void> {
    this.devices.stopPreview()
    await this.call.placeGroupCall(ids, video)
  }

  /**
   * The first load; then tells Go this window is up and what its engine
   * can do (Desktop.Ready: the launch-to-interactive figure), and does what
   * the window was opened for.
   */
  async start(caps: Capabilities, intent: WindowIntent | null = null): Promise<void> {
    await this.load()
    this.backend.desktop.ready(caps).catch((err) => console.warn('peerline: Desktop.Ready', err))
    if (intent) await this.runIntent(intent)
  }

  /** Hides the call-window explanation for good. */
  dismissCallWindowNotice(): void {
    this.callWindowNotice = false
    try {
      this.storage?.setItem(CALL_WINDOW_NOTICE_KEY, '1')
    } catch {
      // Storage may be full or off; the notice then comes back next launch.
    }
  }

  private remembered(key: string): string | null {
    try {
      return this.storage?.getItem(key) ?? null
    } catch {
      return null
    }
  }

  /**
   * Does what the call window was opened for: places the call, or answers
   * the ringing one. Resolves once the call is on its way (or failed: the
   * error shows as for any call).
   */
  async runIntent(intent: WindowIntent): Promise<void> {
    if (intent.action === 'call') {
      await this.callPerson(intent.peer, intent.video)
      return
    }
    if (await this.call.pickUp(intent.call)) {
      await this.call.accept(intent.video)
      return
    }
    this.call.error = new CallError('wrong_state', 'That call is no longer ringing.')
  }

  /** Handles a key press; returns whether it was a shortcut that acted (the caller then prevents the default). */
  key(e: KeyLike): boolean {
    const action = shortcutOf(e)
    return action ? this.call.shortcut(action) : false
  }

  /** Opens Add person (anew, if it was open) with an invite link to read. */
  openInvite(link: string): void {
    this.pendingInvite = link
    this.inviteSerial++
    this.adding = true
  }

  /** The pending invite link, once: the dialog that reads it clears it. */
  takeInvite(): string | null {
    const link = this.pendingInvite
    this.pendingInvite = null
    return link
  }

  dispose(): void {
    for (const off of this.offs.splice(0)) off()
    this.people.dispose()
    this.history.dispose()
    this.settings.dispose()
    this.devices.dispose()
    this.me.dispose()
    this.dnd.dispose()
    this.call.dispose()
  }
}
