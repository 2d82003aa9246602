/** This install's own identity: id, short id, display name. */
import { EventName, type Backend, type Me } from '../backend'
import { formatInvite } from '../invite'
import { humanError } from './labels'

/** Where copied text goes; navigator.clipboard by default. */
export interface ClipboardLike {
  writeText(text: string): Promise<void>
}

export class MeState {
  me = $state<Me | null>(null)
  error = $state<string | null>(null)
  /** True for a moment after the id was copied. */
  copied = $state(false)
  /** True for a moment after the invite link was copied. */
  linkCopied = $state(false)

  /** The name others see, or "" when not chosen yet. */
  readonly name = $derived(this.me?.name ?? '')
  readonly id = $derived(this.me?.id ?? '')
  readonly short = $derived(this.me?.short ?? '')
  /** First run: no name chosen yet. */
  readonly needsName = $derived(this.me !== null && this.me.name.trim() === '')

  private readonly backend: Backend
  private readonly clipboard: ClipboardLike | null
  private readonly off: () => void
  private copiedTimer?: ReturnType<typeof setTimeout>
  private linkTimer?: ReturnType<typeof setTimeout>

  constructor(backend: Backend, clipboard: ClipboardLike | null = globalThis.navigator?.clipboard ?? null) {
    this.backend = backend
    this.clipboard = clipboard
    // Settings carry the display name too; keep the two in step.
    this.off = backend.on(EventName.SettingsChanged, (s) => {
      if (this.me && s.displayName !== this.me.name) this.me = { ...this.me, name: s.displayName }
    })
  }

  async load(): Promise<void> {
    try {
      this.me = await this.backend.identity.me()
      this.error = null
    } catch (err) {
      this.error = humanError(err)
    }
  }

  /** Changes the display name; resolves to an error message or null. */
  async setName(name: string): Promise<string | null> {
    const trimmed = name.trim()
    if (!trimmed) return 'Enter a name people will recognise.'
    try {
      this.me = await this.backend.identity.setName(trimmed)
      return null
    } catch (err) {
      return humanError(err)
    }
  }

  /** Copies the full id; `copied` is true for 1.5 s after. */
  async copyId(): Promise<boolean> {
    if (!this.me || !this.clipboard) return false
    try {
      await this.clipboard.writeText(this.me.id)
    } catch {
      return false
    }
    this.copied = true
    clearTimeout(this.copiedTimer)
    this.copiedTimer = setTimeout(() => (this.copied = false), 1500)
    return true
  }

  /**
   * Your invite link (peerline://add?…) with server, the signaling server
   * others reach you at ("" when you are on the LAN only), and your name.
   */
  inviteLink(server: string): string {
    if (!this.me) return ''
    return formatInvite({ id: this.me.id, server, name: this.me.name.trim() })
  }

  /** Copies inviteLink(server); `linkCopied` is true for 1.5 s after. */
  async copyInvite(server: string): Promise<boolean> {
    const link = this.inviteLink(server)
    if (!link || !this.clipboard) return false
    try {
      await this.clipboard.writeText(link)
    } catch {
      return false
    }
    this.linkCopied = true
    clearTimeout(this.linkTimer)
    this.linkTimer = setTimeout(() => (this.linkCopied = false), 1500)
    return true
  }

  dispose(): void {
    this.off()
    clearTimeout(this.copiedTimer)
    clearTimeout(this.linkTimer)
  }
}
