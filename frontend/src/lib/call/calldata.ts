/**
 * CallData: chat and files over one peer connection (a 1:1 call has one; a
 * group call, a mesh of 1:1 connections, one per other person, each made
 * the same way). It owns the ChatChannel and the FileChannel on the
 * connection's "chat" and "files" data channels (datachannel.ts) and
 * reports what they do; the session keeps the lists the UI shows.
 */
import { ChatChannel, type ChatMessage } from './chat'
import type { DataChannelLike } from './datachannel'
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

  sendChat(text: string): ChatMessage | null {
    return this.chat.send(text)
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
