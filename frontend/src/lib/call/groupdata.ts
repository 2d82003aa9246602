/**
 * GroupData: chat and files of a group call, across its legs. A group call
 * is a mesh of 1:1 calls, each with its own CallData (chat and files
 * channels) in its own CallSession; GroupData is what the UI talks to
 * instead of any one of them:
 *
 *   sending a message    it goes on every answered leg's chat channel under
 *                        one id, so our own shows once, and each receiver
 *                        (who has one connection to us) shows it once,
 *                        named by the connection it came over
 *   sending a file       one transfer per answered leg (each its own entry:
 *                        its own progress, its own cancel, its own failure)
 *   the lists            every leg's messages and transfers in the order
 *                        they arrived here, kept when a leg ends (the person
 *                        left: what they said stays on screen), cleared when
 *                        the next call begins
 *
 * Who sent a message is still the connection it came over (chat.ts), never
 * the frame: nobody in the mesh relays another's messages, so nobody can
 * speak for another. History keeps each leg's messages with that leg's
 * call (CallDataMaker), as it keeps each pair's call; Go's history folds
 * a group call's legs into one entry and shows each message once (by
 * sender and id: ours went on every leg under one id).
 */
import { TypedEmitter } from '../emitter'
import { MAX_CHAT_MESSAGES, type ChatMessage } from './chat'
import { randomId } from './datachannel'
import type { SourceFile, TransferView } from './transfer'
import { ANSWERED_STATES, CallEvent, type CallEventMap } from './types'
import type { CallSession } from './session'

/** The part of a session GroupData uses (a leg or the main one). */
export type DataSession = Pick<CallSession, 'on' | 'state' | 'call' | 'sendChat' | 'sendFile' | 'cancelTransfer'>

export type GroupDataEvents = Pick<CallEventMap, typeof CallEvent.Chat | typeof CallEvent.Transfers>

const msgKey = (m: ChatMessage) => `${m.mine ? '' : m.from}/${m.id}`
const transferKey = (t: TransferView) => `${t.peer}/${t.direction}/${t.id}`

export class GroupData {
  private readonly events = new TypedEmitter<CallEventMap>('group data') // only Chat and Transfers
  private log: ChatMessage[] = []
  private readonly keys = new Set<string>()
  private files: TransferView[] = []
  /** Which session each transfer is on (cancel goes there). */
  private readonly owner = new Map<string, DataSession>()
  private mainCall: string | null = null
  private readonly offs: (() => void)[] = []

  /**
   * @param main the window's session: a new call there, with no other leg
   *   live, is a new call (the lists clear)
   * @param sessions every session of the group now, the main one first
   * @param legsLive whether a leg besides the main session is live
   */
  constructor(
    private readonly main: DataSession,
    private readonly sessions: () => DataSession[],
    private readonly legsLive: () => boolean,
  ) {
    this.mainCall = main.call?.id ?? null
    this.offs.push(
      main.on(CallEvent.State, ({ call }) => {
        const id = call?.id ?? null
        if (!id || id === this.mainCall) return
        this.mainCall = id
        if (!this.legsLive()) this.clear()
      }),
    )
    this.watch(main)
  }

  /** Takes a session's chat and transfers into the group's lists (until it is disposed). */
  watch(s: DataSession): void {
    const offs = [s.on(CallEvent.Chat, (list) => this.takeChat(list)), s.on(CallEvent.Transfers, (list) => this.takeTransfers(s, list))]
    if (s === this.main) this.offs.push(...offs)
  }

  on<E extends keyof GroupDataEvents>(event: E, handler: (data: CallEventMap[E]) => void): () => void {
    return this.events.on(event, handler)
  }

  get chat(): ChatMessage[] {
    return [...this.log]
  }

  get transfers(): TransferView[] {
    return this.files.map((t) => ({ ...t }))
  }

  /** Sends text to everyone in the call; false when it went to nobody (empty, too long, no answered leg). */
  sendChat(text: string): boolean {
    const id = randomId()
    let sent = false
    for (const s of this.answered()) if (s.sendChat(text, id)) sent = true
    return sent
  }

  /** Sends file to everyone in the call, one transfer each; the transfers begun. */
  sendFile(file: SourceFile): TransferView[] {
    return this.answered()
      .map((s) => s.sendFile(file))
      .filter((t): t is TransferView => !!t)
  }

  cancelTransfer(id: string): void {
    this.owner.get(id)?.cancelTransfer(id)
  }

  dispose(): void {
    for (const off of this.offs.splice(0)) off()
    this.events.clear()
  }

  /** The sessions someone answered: a leg still ringing gets nothing (they may never join). */
  private answered(): DataSession[] {
    return this.sessions().filter((s) => ANSWERED_STATES.includes(s.state))
  }

  private takeChat(list: ChatMessage[]): void {
    const added = list.filter((m) => !this.keys.has(msgKey(m)))
    if (added.length === 0) return
    for (const m of added) this.keys.add(msgKey(m))
    this.log = [...this.log, ...added].slice(-MAX_CHAT_MESSAGES)
    this.events.emit(CallEvent.Chat, this.chat)
  }

  private takeTransfers(s: DataSession, list: TransferView[]): void {
    if (list.length === 0) return // the session's new call cleared its own; ours clear with the group's
    const next = [...this.files]
    for (const t of list) {
      this.owner.set(t.id, s)
      const i = next.findIndex((x) => transferKey(x) === transferKey(t))
      if (i < 0) next.push(t)
      else next[i] = t
    }
    this.files = next
    this.events.emit(CallEvent.Transfers, this.transfers)
  }

  private clear(): void {
    this.keys.clear()
    this.owner.clear()
    if (this.log.length > 0) {
      this.log = []
      this.events.emit(CallEvent.Chat, [])
    }
    if (this.files.length > 0) {
      this.files = []
      this.events.emit(CallEvent.Transfers, [])
    }
  }
}
