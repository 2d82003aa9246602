/**
 * CallData: chat and files over one peer connection (a 1:1 call has one; a
 * group call, a mesh of 1:1 connections, one per other person, each made
 * the same way). It owns the ChatChannel and the FileChannel on the
 * connection's "chat" and "files" data channels (datachannel.ts) and
 * reports what they do; the session keeps the lists the UI shows.
 */
import type { Backend } from '../backend'
import type { Attempt } from './attempt'
import { ChatChannel, type ChatMessage } from './chat'
import type { DataChannelLike } from './datachannel'
import type { CallOutputs } from './outputs'
import type { PeerLink } from './peer'
import { FileChannel, type FileSink, type SourceFile, type TransferView } from './transfer'

export interface CallDataOptions {
  /** The other side's peer id. */
  peer: string
  /** Our own peer id, once known ("" before). */
  self: () => string
  /** Go's file sink (Backend.files). */
  sink: FileSink
  onChat: (m: ChatMessage) => void
  onTransfer: (t: TransferView) => void
  /** See FileChannelOptions.stallMs. */
  stallMs?: number
}

export class CallData {
  readonly chat: ChatChannel
  readonly files: FileChannel

  constructor(channels: { chat: DataChannelLike; files: DataChannelLike }, opts: CallDataOptions) {
    this.chat = new ChatChannel(channels.chat, { self: opts.self, peer: opts.peer, onMessage: opts.onChat })
    this.files = new FileChannel({ peer: opts.peer, sink: opts.sink, onUpdate: opts.onTransfer, stallMs: opts.stallMs })
    this.files.attach(channels.files)
  }

  sendChat(text: string, id?: string): ChatMessage | null {
    return this.chat.send(text, id)
  }

  sendFile(file: SourceFile): TransferView {
    return this.files.send(file)
  }

  cancel(id: string): void {
    this.files.cancel(id)
  }

  /** The call is over: unfinished transfers fail, partial files go. */
  close(): void {
    this.chat.close()
    this.files.close()
  }
}

/** What a CallDataMaker uses: the backend's parts, the session's outputs and which attempt is the current call. */
export interface CallDataMakerOptions {
  backend: Pick<Backend, 'identity' | 'files' | 'history'>
  outputs: Pick<CallOutputs, 'addChat' | 'setTransfer'>
  /** The current call's attempt (null between calls). */
  current: () => Attempt | null
}

/**
 * CallDataMaker gives an attempt its CallData once its link has data
 * channels. What the data does is reported to the outputs only while the
 * attempt is the current call; chat is kept with the call in the history
 * (Go names the sender; only the call going on takes messages).
 */
export class CallDataMaker {
  /** Our own peer id (data-from of our chat messages), fetched with the first call's data channels. */
  private selfId = ''

  constructor(private readonly opts: CallDataMakerOptions) {}

  /** Makes a.data from link's data channels, once; nothing when the link has none. */
  attach(a: Attempt, link: Pick<PeerLink, 'dataChannels'>): void {
    const channels = link.dataChannels
    if (a.data || !channels) return
    const { backend, outputs, current } = this.opts
    if (!this.selfId) {
      void backend.identity
        .me()
        .then((me) => (this.selfId = me.id))
        .catch(() => {})
    }
    a.data = new CallData(channels, {
      peer: a.peer,
      self: () => this.selfId,
      sink: backend.files,
      onChat: (m) => {
        if (current() === a) outputs.addChat(m)
        if (a.id) void backend.history.addMessage(a.id, m.id, m.mine, m.text, m.at).catch((err) => console.debug('call: chat not kept', err))
      },
      onTransfer: (t) => {
        if (current() === a) outputs.setTransfer(t)
      },
    })
  }
}
