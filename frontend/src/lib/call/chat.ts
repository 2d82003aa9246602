/**
 * Chat inside a call, on the negotiated "chat" data channel (id 1; see
 * datachannel.ts): peer to peer, so no server sees it. One message per
 * frame, a JSON text:
 *
 *   {"t":"msg","id":"9f2c…","text":"the deck is in the channel","at":1764745200000}
 *
 * id: 1–32 of [0-9a-z] (the sender's; repeats are dropped), text: 1 to
 * MAX_CHAT_TEXT UTF-16 units after trimming, at: the sender's clock, Unix ms
 * (shown; the receiver keeps its own arrival order). Frames over
 * MAX_CHAT_FRAME bytes, anything else or unknown types are ignored, so
 * later versions can add messages. Who sent a message is not on the wire:
 * it is the peer at the other end of the connection (verified by the
 * signed offer/answer and DTLS), never what a frame says.
 */
import { CHAT_CHANNEL_LABEL, listen, randomId, type DataChannelLike } from './datachannel'

/** The longest chat message, UTF-16 code units. */
export const MAX_CHAT_TEXT = 4000
/** The largest chat frame accepted, characters. */
export const MAX_CHAT_FRAME = 16 * 1024
/** Messages kept per call (older ones scroll away; history keeps at most as many). */
export const MAX_CHAT_MESSAGES = 1000
/** Messages waiting for the channel to open, at most. */
const MAX_PENDING = 100

/** One chat message as the UI shows it. */
export interface ChatMessage {
  id: string
  /** The sender's peer id: data-from of data-testid="chat-message". */
  from: string
  text: string
  /** When it was sent (the sender's clock), Unix ms. */
  at: number
  /** We sent it. */
  mine: boolean
}

/** What a chat frame carries. */
export interface ChatWire {
  id: string
  text: string
  at: number
}

const ID_RE = /^[0-9a-z]{1,32}$/

/** Trims text; null when it is empty or over MAX_CHAT_TEXT. */
export function cleanText(text: string): string | null {
  const t = text.trim()
  return t.length === 0 || t.length > MAX_CHAT_TEXT ? null : t
}

export function encodeChat(m: ChatWire): string {
  return JSON.stringify({ t: 'msg', id: m.id, text: m.text, at: m.at })
}

/** The message in a frame, or null when it is not a valid one. Never throws. */
export function decodeChat(data: unknown): ChatWire | null {
  if (typeof data !== 'string' || data.length > MAX_CHAT_FRAME) return null
  let m: unknown
  try {
    m = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return null
  const o = m as Record<string, unknown>
  if (o.t !== 'msg' || typeof o.id !== 'string' || !ID_RE.test(o.id) || typeof o.text !== 'string') return null
  if (typeof o.at !== 'number' || !Number.isSafeInteger(o.at) || o.at < 0) return null
  const text = cleanText(o.text)
  if (text === null) return null
  return { id: o.id, text, at: o.at }
}

export interface ChatChannelOptions {
  /** Our own peer id (data-from of what we send), or a function giving it once known. */
  self: () => string
  /** The peer at the other end of this connection. */
  peer: string
  /** A message was sent or arrived. */
  onMessage: (m: ChatMessage) => void
  now?: () => number
}

/**
 * The chat of one peer connection. Messages sent before the channel opens
 * wait (at most MAX_PENDING) and go when it does.
 */
export class ChatChannel {
  private readonly pending: string[] = []
  private readonly seen = new Set<string>()
  private readonly offs: (() => void)[] = []
  private closed = false

  constructor(
    private readonly ch: DataChannelLike,
    private readonly opts: ChatChannelOptions,
  ) {
    if (ch.label !== CHAT_CHANNEL_LABEL) console.debug('chat: channel labelled', ch.label)
    this.offs.push(
      listen(ch, 'open', () => this.flush()),
      listen(ch, 'message', (ev) => this.receive((ev as MessageEvent).data)),
    )
  }

  /**
   * Sends text; returns the message as shown, or null when the text is
   * empty, too long, or the chat is closed. id: the message's (a group
   * call sends one message on every leg under one id, so it shows once);
   * default a new one.
   */
  send(text: string, id: string = randomId()): ChatMessage | null {
    const clean = cleanText(text)
    if (clean === null || this.closed || !ID_RE.test(id)) return null
    const m: ChatWire = { id, text: clean, at: (this.opts.now ?? Date.now)() }
    this.seen.add(m.id)
    const frame = encodeChat(m)
    if (this.ch.readyState === 'open') this.sendFrame(frame)
    else if (this.pending.length < MAX_PENDING) this.pending.push(frame)
    else return null
    const shown: ChatMessage = { ...m, from: this.opts.self(), mine: true }
    this.opts.onMessage(shown)
    return shown
  }

  close(): void {
    this.closed = true
    for (const off of this.offs.splice(0)) off()
  }

  private receive(data: unknown): void {
    if (this.closed) return
    const m = decodeChat(data)
    if (!m || this.seen.has(m.id)) return
    if (this.seen.size >= MAX_CHAT_MESSAGES * 2) this.seen.clear()
    this.seen.add(m.id)
    this.opts.onMessage({ ...m, from: this.opts.peer, mine: false })
  }

  private flush(): void {
    for (const f of this.pending.splice(0)) this.sendFrame(f)
  }

  private sendFrame(frame: string): void {
    try {
      this.ch.send(frame)
    } catch (err) {
      console.debug('chat: send failed', err)
    }
  }
}
