/**
 * The blocked list (Settings): everyone blocked, contacts and strangers,
 * and unblocking them. Blocking itself happens where the person is (the
 * incoming-call screen, the person's page): AppState.blockCaller and
 * PeopleState.setBlocked.
 */
import type { Backend, BlockedView } from '../backend'
import { humanError } from './labels'

export class BlockedState {
  /** Everyone blocked: contacts first, then strangers, newest first. */
  list = $state<BlockedView[]>([])
  loaded = $state(false)
  /** The last failure, in words. */
  error = $state<string | null>(null)

  private readonly backend: Backend

  constructor(backend: Backend) {
    this.backend = backend
  }

  async load(): Promise<void> {
    try {
      this.list = (await this.backend.contacts.blocked()) ?? []
      this.error = null
    } catch (err) {
      this.error = humanError(err)
    } finally {
      this.loaded = true
    }
  }

  /** Lets someone ring again. */
  async unblock(id: string): Promise<void> {
    try {
      await this.backend.contacts.setBlocked(id, false)
      this.list = this.list.filter((b) => b.id !== id)
      this.error = null
    } catch (err) {
      this.error = humanError(err)
    }
  }
}
