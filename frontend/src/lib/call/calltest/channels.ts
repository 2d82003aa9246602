/**
 * A pair of fake data channels joined to each other, for the chat and
 * files tests: messages arrive on a later task, in order; binary messages
 * arrive as ArrayBuffer copies (binaryType "arraybuffer"); bufferedAmount
 * grows on send and shrinks on delivery, firing bufferedamountlow as a
 * browser does. `paused` holds delivery (a stalled path).
 */
import type { DataChannelLike } from '../datachannel'

export class PairedChannel extends EventTarget implements DataChannelLike {
  readyState: RTCDataChannelState = 'open'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  binaryType: BinaryType = 'blob'
  other!: PairedChannel
  /** Every message sent, in order (strings as they are, binary as byte lengths). */
  readonly log: (string | number)[] = []
  /** The largest bufferedAmount seen. */
  maxBuffered = 0
  paused = false
  private readonly queue: (string | ArrayBuffer)[] = []

  constructor(readonly label: string) {
    super()
  }

  send(data: string | ArrayBuffer | ArrayBufferView<ArrayBuffer>): void {
    if (this.readyState !== 'open') throw new DOMException('not open', 'InvalidStateError')
    let msg: string | ArrayBuffer
    if (typeof data === 'string') msg = data
    else if (data instanceof ArrayBuffer) msg = data.slice(0)
    else msg = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)
    const size = typeof msg === 'string' ? msg.length : msg.byteLength
    this.log.push(typeof msg === 'string' ? msg : size)
    this.bufferedAmount += size
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount)
    this.queue.push(msg)
    setTimeout(() => this.deliver(), 0)
  }

  /** Delivers what waits (after paused is cleared). */
  deliver(): void {
    while (!this.paused && this.queue.length > 0) {
      const msg = this.queue.shift()!
      const size = typeof msg === 'string' ? msg.length : msg.byteLength
      const before = this.bufferedAmount
      this.bufferedAmount -= size
      if (this.other.readyState === 'open') this.other.dispatchEvent(new MessageEvent('message', { data: msg }))
      if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) this.dispatchEvent(new Event('bufferedamountlow'))
    }
  }

  close(): void {
    for (const c of [this, this.other]) {
      if (c.readyState === 'closed') continue
      c.readyState = 'closed'
      c.queue.length = 0
      c.dispatchEvent(new Event('close'))
    }
  }
}

/** Two channels with label, joined. */
export function channelPair(label: string): [PairedChannel, PairedChannel] {
  const a = new PairedChannel(label)
  const b = new PairedChannel(label)
  a.other = b
  b.other = a
  return [a, b]
}
