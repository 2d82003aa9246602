/**
 * Files inside a call, for one peer connection (a group call has one
 * FileChannel per other person): sending a File read slice by slice,
 * receiving into Go's file sink (Files service → app/files), never the
 * whole file in memory on either side. Wire format: filewire.ts.
 *
 * Sending: the File is read in blocks of READ_BLOCK (file.slice), hashed
 * (SHA-256, sha256.ts) as it is read, and sent in chunks of CHUNK_PAYLOAD
 * while the channel's bufferedAmount is under HIGH_WATER (then it waits for
 * `bufferedamountlow`, threshold LOW_WATER) and while it has less than
 * WINDOW bytes beyond the receiver's last ack: the receiver acks what is
 * on disk, so a slow disk slows the sender instead of filling the
 * receiver's memory. The digest goes in `end`.
 *
 * Receiving: Files.begin on the offer (Go sanitizes the name and checks the
 * size and disk space), chunks appended in order, batched into writes of
 * WRITE_BATCH (Files.write: raw bytes over the bridge, base64 in the Wails
 * window), acked as written. A write waits for a full batch (every write
 * is a request with a fixed cost, which on a busy machine takes CPU from
 * the data channel itself), unless the file is complete, the channel
 * closed, or FLUSH_MS passed since the last write (a slow sender still
 * shows progress). On `end` Files.finish checks the SHA-256 and names the
 * file. Cancel, a failure or the call ending aborts (Go removes the .part
 * file).
 *
 * Resume: when the files channel is attached again (a new channel on the
 * same connection) the sender offers every unfinished transfer again with
 * its id; the receiver answers with the bytes it has on disk and the
 * sender goes on from there (it re-reads the file; the hash goes on where
 * it was, as bytes are only ever hashed once, in order). An ICE restart
 * keeps the channel (SCTP retransmits what was lost), so nothing is
 * needed then. A transfer with no progress for stallMs (the other side
 * vanished) fails.
 */
import type { FilesService } from '../backend'
import { ErrorCode } from '../backend/codes'
import { listen, randomId, type DataChannelLike } from './datachannel'
import {
  CHUNK_PAYLOAD,
  decodeChunk,
  decodeFileMessage,
  encodeChunk,
  encodeFileMessage,
  MAX_FILE_SIZE,
  WINDOW,
  type Chunk,
  type FileMessage,
} from './filewire'
import { Sha256 } from './sha256'

/** A transfer's state: data-state of data-testid="file-transfer". */
export const TransferState = {
  Sending: 'sending',
  Receiving: 'receiving',
  Done: 'done',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const
export type TransferState = (typeof TransferState)[keyof typeof TransferState]

/** Why a transfer failed, besides the Go codes (ErrorCode: file_too_large, empty_file, disk_full, checksum_mismatch, …). */
export const TransferFailure = {
  /** Nothing came from the sender for stallMs: it vanished. */
  SenderGone: 'sender_gone',
  /** No ack came from the receiver for stallMs. */
  ReceiverGone: 'receiver_gone',
  /** The call ended before the transfer did. */
  CallEnded: 'call_ended',
  /** The file could not be read. */
  Unreadable: 'unreadable',
} as const
export type TransferFailure = (typeof TransferFailure)[keyof typeof TransferFailure]

/** One transfer as the UI shows it. */
export interface TransferView {
  id: string
  direction: 'out' | 'in'
  /** The other side's peer id. */
  peer: string
  /** The sender's name of the file; on the receiving side, once Go has it, the sanitized one and when done the name it was saved as. */
  name: string
  size: number
  state: TransferState
  /** 0–100: data-progress. Sending: what the receiver has on disk. */
  progress: number
  /** Bytes on the receiver's disk. */
  bytes: number
  /** Why it failed (a TransferFailure or ErrorCode value), when it did. */
  code?: string
}

/** The part of a File a sender reads. */
export interface SourceFile {
  readonly name: string
  readonly size: number
  slice(start: number, end: number): Blob
}

/** What a receiver needs of Go. */
export type FileSink = Pick<FilesService, 'begin' | 'write' | 'finish' | 'abort'>

export interface FileChannelOptions {
  peer: string
  sink: FileSink
  onUpdate: (t: TransferView) => void
  /** No progress for this long fails a transfer, ms. Default 15000. */
  stallMs?: number
}

/** bufferedAmount above which a sender waits. */
export const HIGH_WATER = 4 * 1024 * 1024
/** bufferedAmountLowThreshold: the sender goes on below it. */
export const LOW_WATER = 1024 * 1024
/** Bytes read from the File at once. */
export const READ_BLOCK = 1024 * 1024
/** The largest write to Go (Go's files.MaxChunk). */
export const WRITE_BATCH = 4 * 1024 * 1024
/** Queued bytes short of a batch wait at most this long for more, ms. */
export const FLUSH_MS = 1000
const DEFAULT_STALL_MS = 15_000

/** A promise a waiter sleeps on until wake(). */
class Signal {
  private waiters: (() => void)[] = []
  wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r))
  }
  wake(): void {
    for (const w of this.waiters.splice(0)) w()
  }
}

const codeOf = (err: unknown): string => {
  const c = (err as { code?: unknown })?.code
  return typeof c === 'string' && c !== '' ? c : ErrorCode.Failed
}

interface Outgoing {
  view: TransferView
  n: number
  file: SourceFile
  /** Next offset to send. */
  sent: number
  acked: number
  hashed: number
  sha: Sha256
  digest: string | null
  /** Bumped on every (re)start: a pump of an older generation stops. */
  gen: number
  accepted: boolean
  stall?: ReturnType<typeof setTimeout>
}

interface Incoming {
  view: TransferView
  n: number
  sinkId: string | null
  /** Next offset accepted: on disk plus queued. */
  expected: number
  queue: Uint8Array[]
  /** Bytes in queue. */
  queued: number
  /** Write what is queued even short of a batch (FLUSH_MS passed, the channel closed). */
  flush: boolean
  flushTimer?: ReturnType<typeof setTimeout>
  writing: Promise<void> | null
  endSha: string | null
  stall?: ReturnType<typeof setTimeout>
}

const isFinal = (s: TransferState) => s === 'done' || s === 'failed' || s === 'cancelled'

export class FileChannel {
  private ch: DataChannelLike | null = null
  private offs: (() => void)[] = []
  private readonly out = new Map<string, Outgoing>()
  private readonly inc = new Map<string, Incoming>()
  /** The other side's transfer numbers → its transfers. */
  private readonly incByN = new Map<number, Incoming>()
  private nextN = 1
  private readonly room = new Signal()
  private closed = false
  private readonly stallMs: number

  constructor(private readonly opts: FileChannelOptions) {
    this.stallMs = opts.stallMs ?? DEFAULT_STALL_MS
  }

  /** Every transfer, in the order they began. */
  get transfers(): TransferView[] {
    return [...this.out.values(), ...this.inc.values()].map((t) => ({ ...t.view }))
  }

  /**
   * Uses ch (the "files" channel) from now on. Attaching a new channel
   * resumes every unfinished outgoing transfer (it is offered again).
   */
  attach(ch: DataChannelLike): void {
    if (this.closed) return
    for (const off of this.offs.splice(0)) off()
    this.ch = ch
    ch.binaryType = 'arraybuffer'
    ch.bufferedAmountLowThreshold = LOW_WATER
    this.offs.push(
      listen(ch, 'message', (ev) => this.receive((ev as MessageEvent).data)),
      listen(ch, 'bufferedamountlow', () => this.room.wake()),
      listen(ch, 'open', () => this.reoffer()),
      listen(ch, 'close', () => {
        this.room.wake()
        // What came before is good: on disk, it need not come again.
        for (const i of this.inc.values()) this.kick(i, true)
      }),
    )
    if (ch.readyState === 'open') this.reoffer()
  }

  /** Sends file; returns its transfer (failed at once when it is empty or too large). */
  send(file: SourceFile): TransferView {
    const view: TransferView = { id: randomId(), direction: 'out', peer: this.opts.peer, name: file.name, size: file.size, state: 'sending', progress: 0, bytes: 0 }
    const o: Outgoing = { view, n: this.nextN++, file, sent: 0, acked: 0, hashed: 0, sha: new Sha256(), digest: null, gen: 0, accepted: false }
    this.out.set(view.id, o)
    if (this.closed) this.finishOut(o, 'failed', TransferFailure.CallEnded)
    else if (file.size === 0) this.finishOut(o, 'failed', ErrorCode.EmptyFile)
    else if (file.size > MAX_FILE_SIZE) this.finishOut(o, 'failed', ErrorCode.FileTooLarge)
    else {
      this.emit(view)
      this.offer(o)
    }
    return { ...o.view }
  }

  /** Cancels a transfer in either direction; the other side hears of it. */
  cancel(id: string): void {
    const o = this.out.get(id)
    if (o && !isFinal(o.view.state)) {
      this.sendText({ t: 'cancel', id })
      this.finishOut(o, 'cancelled')
    }
    const i = this.inc.get(id)
    if (i && !isFinal(i.view.state)) {
      this.sendText({ t: 'cancel', id })
      this.finishIn(i, 'cancelled')
    }
  }

  /** The call is over: every unfinished transfer fails (partial files are removed). */
  close(code: string = TransferFailure.CallEnded): void {
    if (this.closed) return
    for (const o of this.out.values()) if (!isFinal(o.view.state)) this.finishOut(o, 'failed', code)
    for (const i of this.inc.values()) if (!isFinal(i.view.state)) this.finishIn(i, 'failed', code)
    this.closed = true
    for (const off of this.offs.splice(0)) off()
    this.room.wake()
  }

  // ---- sending ---------------------------------------------------------------

  private offer(o: Outgoing): void {
    const { id, name, size } = o.view
    this.sendText({ t: 'offer', id, n: o.n, name, size })
    this.armStall(o)
  }

  private reoffer(): void {
    for (const o of this.out.values()) if (o.view.state === 'sending') this.offer(o)
  }

  private onAccept(o: Outgoing, have: number): void {
    if (o.view.state !== 'sending' || have > o.view.size) return
    o.accepted = true
    o.sent = Math.max(have, 0)
    o.acked = have
    o.gen++
    this.setProgress(o.view, have)
    this.armStall(o)
    void this.pump(o, o.gen)
  }

  private onAck(o: Outgoing, have: number): void {
    if (o.view.state !== 'sending' || have < o.acked || have > o.view.size) return
    o.acked = have
    this.setProgress(o.view, have)
    this.armStall(o)
    this.room.wake()
  }

  private async pump(o: Outgoing, gen: number): Promise<void> {
    const live = () => o.gen === gen && o.view.state === 'sending' && !this.closed
    const size = o.view.size
    // The next block is read while this one drains (a File read is an IPC
    // to the browser process, slow on a busy machine).
    type Ahead = { start: number; end: number; bytes: Promise<ArrayBuffer> }
    let ahead: Ahead | null = null
    const read = (start: number): Ahead => {
      const end = Math.min(size, start + READ_BLOCK)
      return { start, end, bytes: o.file.slice(start, end).arrayBuffer() }
    }
    while (live() && o.sent < size) {
      const ch = this.ch
      if (!ch || ch.readyState !== 'open') return // the next channel's accept restarts it
      if (!ahead || ahead.start !== o.sent) ahead = read(o.sent)
      if (o.sent - o.acked >= WINDOW || ch.bufferedAmount > HIGH_WATER) {
        await this.room.wait()
        continue
      }
      const { start, end }: Ahead = ahead
      let block: Uint8Array
      try {
        block = new Uint8Array(await ahead.bytes)
      } catch {
        if (live()) {
          this.sendText({ t: 'fail', id: o.view.id, code: TransferFailure.Unreadable })
          this.finishOut(o, 'failed', TransferFailure.Unreadable)
        }
        return
      }
      if (!live() || o.sent !== start || this.ch !== ch) return
      ahead = end < size ? read(end) : null
      try {
        for (let off = 0; off < block.length; off += CHUNK_PAYLOAD) {
          ch.send(encodeChunk(o.n, start + off, block.subarray(off, off + CHUNK_PAYLOAD)))
        }
        o.sent = end
      } catch (err) {
        console.debug('files: send failed', err)
        return // the channel closed; a new one resumes
      } finally {
        // Hashed after the sends, while the channel drains them; always,
        // so that what was hashed covers whatever was sent (a resume
        // starts at most there: bytes are hashed once, in order).
        if (end > o.hashed) {
          o.sha.update(block.subarray(o.hashed - start))
          o.hashed = end
        }
      }
    }
    if (!live() || o.sent !== size) return
    o.digest ??= o.sha.hex()
    this.sendText({ t: 'end', id: o.view.id, sha256: o.digest })
  }

  private finishOut(o: Outgoing, state: TransferState, code?: string): void {
    clearTimeout(o.stall)
    o.gen++
    o.view.state = state
    if (code) o.view.code = code
    if (state === 'done') this.setProgress(o.view, o.view.size, false)
    this.emit(o.view)
    this.room.wake()
  }

  // ---- receiving -------------------------------------------------------------

  private async onOffer(m: Extract<FileMessage, { t: 'offer' }>): Promise<void> {
    const known = this.inc.get(m.id)
    if (known) {
      // Offered again on a new channel: resume from what is on disk.
      if (known.view.state !== 'receiving') {
        if (known.view.state === 'done') this.sendText({ t: 'done', id: m.id })
        else this.sendText({ t: known.view.state === 'cancelled' ? 'cancel' : 'fail', id: m.id, code: known.view.code ?? ErrorCode.Failed })
        return
      }
      this.incByN.set(m.n, known)
      known.n = m.n
      // What the old channel brought is written first (a write may start
      // another as it ends), the rest dropped: the sender resends it.
      this.kick(known, true)
      while (known.writing) await known.writing
      clearTimeout(known.flushTimer)
      known.flushTimer = undefined
      known.queue = []
      known.queued = 0
      known.flush = false
      known.expected = known.view.bytes
      this.sendText({ t: 'accept', id: m.id, have: known.view.bytes })
      this.armStall(known)
      return
    }
    const view: TransferView = { id: m.id, direction: 'in', peer: this.opts.peer, name: m.name, size: m.size, state: 'receiving', progress: 0, bytes: 0 }
    const i: Incoming = { view, n: m.n, sinkId: null, expected: 0, queue: [], queued: 0, flush: false, writing: null, endSha: null }
    this.inc.set(m.id, i)
    this.incByN.set(m.n, i)
    if (m.size === 0 || m.size > MAX_FILE_SIZE) {
      const code = m.size === 0 ? ErrorCode.EmptyFile : ErrorCode.FileTooLarge
      this.sendText({ t: 'fail', id: m.id, code })
      this.finishIn(i, 'failed', code)
      return
    }
    this.emit(view)
    try {
      const t = await this.opts.sink.begin(m.name, m.size)
      i.sinkId = t.id
      view.name = t.name
    } catch (err) {
      const code = codeOf(err)
      if (view.state === 'receiving') {
        this.sendText({ t: 'fail', id: m.id, code })
        this.finishIn(i, 'failed', code)
      }
      return
    }
    if (view.state !== 'receiving') {
      void this.opts.sink.abort(i.sinkId).catch(() => {})
      return
    }
    this.emit(view)
    this.sendText({ t: 'accept', id: m.id, have: 0 })
    this.armStall(i)
  }

  private onChunk(c: Chunk): void {
    const i = this.incByN.get(c.n)
    if (!i || i.view.state !== 'receiving' || i.sinkId === null) return
    // A chunk from before a resume, or beyond the file: dropped.
    if (c.offset !== i.expected || c.offset + c.bytes.length > i.view.size) return
    i.queue.push(c.bytes)
    i.queued += c.bytes.length
    i.expected += c.bytes.length
    this.armStall(i)
    this.kick(i, false)
  }

  /** A full batch, the whole file, or a flush: worth a write now. */
  private ready(i: Incoming): boolean {
    return i.queue.length > 0 && (i.flush || i.queued + CHUNK_PAYLOAD > WRITE_BATCH || i.expected === i.view.size)
  }

  /** Starts writing when ready (flush: whatever is queued); else makes sure a flush comes within FLUSH_MS. */
  private kick(i: Incoming, flush: boolean): void {
    if (i.view.state !== 'receiving' || i.queue.length === 0) return
    if (flush) i.flush = true
    if (i.writing) return
    if (this.ready(i)) {
      clearTimeout(i.flushTimer)
      i.flushTimer = undefined
      i.writing = this.drain(i)
    } else {
      i.flushTimer ??= setTimeout(() => {
        i.flushTimer = undefined
        this.kick(i, true)
      }, FLUSH_MS)
    }
  }

  /** Writes what is queued to Go, batch by batch, acking each, while ready. */
  private async drain(i: Incoming): Promise<void> {
    try {
      while (this.ready(i) && i.view.state === 'receiving') {
        const batch = take(i.queue, WRITE_BATCH)
        i.queued -= batch.length
        if (i.queue.length === 0) i.flush = false
        let have: number
        try {
          have = await this.opts.sink.write(i.sinkId!, i.view.bytes, batch)
        } catch (err) {
          if (i.view.state === 'receiving') {
            const code = codeOf(err)
            this.sendText({ t: 'fail', id: i.view.id, code })
            this.finishIn(i, 'failed', code)
          }
          return
        }
        if (i.view.state !== 'receiving') return
        this.setProgress(i.view, have)
        this.sendText({ t: 'ack', id: i.view.id, have })
      }
    } finally {
      i.writing = null
    }
    // Short of a batch: the next chunk, or the flush timer, writes it.
    this.kick(i, false)
    this.maybeFinish(i)
  }

  private onEnd(i: Incoming, sha: string): void {
    if (i.view.state !== 'receiving') return
    i.endSha = sha
    this.maybeFinish(i)
  }

  private async maybeFinish(i: Incoming): Promise<void> {
    if (i.view.state !== 'receiving' || i.writing || !i.endSha || i.view.bytes !== i.view.size || i.sinkId === null) return
    const sha = i.endSha
    i.endSha = null
    clearTimeout(i.stall)
    try {
      const t = await this.opts.sink.finish(i.sinkId, sha)
      i.sinkId = null
      if (i.view.state !== 'receiving') return
      i.view.name = t.name
      this.sendText({ t: 'done', id: i.view.id })
      this.finishIn(i, 'done')
    } catch (err) {
      if (i.view.state !== 'receiving') return
      const code = codeOf(err)
      this.sendText({ t: 'fail', id: i.view.id, code })
      this.finishIn(i, 'failed', code)
    }
  }

  private finishIn(i: Incoming, state: TransferState, code?: string): void {
    clearTimeout(i.stall)
    clearTimeout(i.flushTimer)
    i.view.state = state
    if (code) i.view.code = code
    i.queue = []
    i.queued = 0
    if (state !== 'done' && i.sinkId !== null) {
      const id = i.sinkId
      i.sinkId = null
      void this.opts.sink.abort(id).catch((err: unknown) => console.debug('files: abort', err))
    }
    this.emit(i.view)
  }

  // ---- both ------------------------------------------------------------------

  private receive(data: unknown): void {
    if (this.closed) return
    if (typeof data !== 'string') {
      const c = decodeChunk(data)
      if (c) this.onChunk(c)
      return
    }
    const m = decodeFileMessage(data)
    if (!m) return
    const o = this.out.get(m.id)
    const i = this.inc.get(m.id)
    switch (m.t) {
      case 'offer':
        if (!o) void this.onOffer(m)
        return
      case 'accept':
        if (o) this.onAccept(o, m.have)
        return
      case 'ack':
        if (o) this.onAck(o, m.have)
        return
      case 'done':
        if (o && o.view.state === 'sending' && o.digest) this.finishOut(o, 'done')
        return
      case 'end':
        if (i) this.onEnd(i, m.sha256)
        return
      case 'fail':
        if (o && o.view.state === 'sending') this.finishOut(o, 'failed', m.code)
        if (i && i.view.state === 'receiving') this.finishIn(i, 'failed', m.code)
        return
      case 'cancel':
        if (o && o.view.state === 'sending') this.finishOut(o, 'cancelled')
        if (i && i.view.state === 'receiving') this.finishIn(i, 'cancelled')
        return
    }
  }

  private armStall(t: Outgoing | Incoming): void {
    clearTimeout(t.stall)
    t.stall = setTimeout(() => {
      if (isFinal(t.view.state)) return
      // Our own disk is the slow part, not the other side.
      if ('writing' in t && t.writing) return this.armStall(t)
      if ('file' in t) {
        this.sendText({ t: 'fail', id: t.view.id, code: TransferFailure.ReceiverGone })
        this.finishOut(t, 'failed', TransferFailure.ReceiverGone)
      } else {
        this.sendText({ t: 'fail', id: t.view.id, code: TransferFailure.SenderGone })
        this.finishIn(t, 'failed', TransferFailure.SenderGone)
      }
    }, this.stallMs)
  }

  /** Sets bytes and progress, and emits (unless emit is false): once per write or ack, at most one per MiB. */
  private setProgress(v: TransferView, bytes: number, emit = true): void {
    if (bytes === v.bytes) return
    v.bytes = bytes
    v.progress = v.size > 0 ? Math.floor((bytes * 100) / v.size) : 0
    if (emit) this.emit(v)
  }

  private emit(v: TransferView): void {
    this.opts.onUpdate({ ...v })
  }

  private sendText(m: FileMessage): void {
    const ch = this.ch
    if (!ch || ch.readyState !== 'open') return
    try {
      ch.send(encodeFileMessage(m))
    } catch (err) {
      console.debug('files: send failed', err)
    }
  }
}

/** Takes chunks off the front of queue, up to max bytes (at least one chunk), as one array. */
function take(queue: Uint8Array[], max: number): Uint8Array {
  if (queue.length === 1 || queue[0].length >= max) return queue.shift()!
  let n = 0
  let k = 0
  while (k < queue.length && n + queue[k].length <= max) n += queue[k++].length
  const out = new Uint8Array(n)
  let o = 0
  for (const c of queue.splice(0, k)) {
    out.set(c, o)
    o += c.length
  }
  return out
}

/** A person's words for a failed transfer's code. */
export function transferMessage(code: string | undefined): string {
  switch (code) {
    case ErrorCode.EmptyFile:
      return 'The file is empty: nothing to send.'
    case ErrorCode.FileTooLarge:
      return 'The file is too large (the limit is 4 GB).'
    case ErrorCode.DiskFull:
      return 'There is no room on the disk for it.'
    case ErrorCode.ChecksumMismatch:
      return 'The file arrived damaged and was not kept.'
    case TransferFailure.SenderGone:
      return 'The sender stopped sending.'
    case TransferFailure.ReceiverGone:
      return 'The other side stopped receiving.'
    case TransferFailure.CallEnded:
      return 'The call ended before the file was through.'
    case TransferFailure.Unreadable:
      return 'The file could not be read.'
  }
  return 'The transfer failed.'
}
