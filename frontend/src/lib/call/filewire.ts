/**
 * The wire format of files in a call, on the negotiated "files" data
 * channel (id 2; datachannel.ts). Control messages are JSON text frames;
 * the file's bytes go in binary frames. Either side may send files at the
 * same time: a transfer is named by its sender's id, and a binary frame by
 * the sender's small number n for it (so each binary frame carries the
 * sender's own number: the receiver looks it up among the other side's
 * transfers).
 *
 * Text frames (sender → receiver unless marked ←):
 *
 *   {"t":"offer","id":"…","n":1,"name":"deck.pdf","size":123}
 *        a file; sent again with the same id when the channel reopens
 *   ← {"t":"accept","id":"…","have":0}
 *        the receiver is ready and has `have` bytes on disk: the sender
 *        (re)starts there (0 for a new file; more after a reconnect)
 *   ← {"t":"ack","id":"…","have":N}
 *        N bytes are on disk: the sender may have at most WINDOW bytes
 *        beyond the last ack in flight (flow control to the disk's pace)
 *   {"t":"end","id":"…","sha256":"<64 hex>"}      after the last byte
 *   ← {"t":"done","id":"…"}                        saved and verified
 *   {"t":"fail","id":"…","code":"…"} (both ways)   the transfer is over;
 *        code is an error code (file_too_large, empty_file, disk_full,
 *        checksum_mismatch, …, or "failed")
 *   {"t":"cancel","id":"…"} (both ways)            the person cancelled
 *
 * Binary frames: byte 0 = 1 (a chunk), bytes 1–4 = n (uint32, big-endian),
 * bytes 5–12 = the offset in the file (float64, big-endian, an integer),
 * then at most CHUNK_PAYLOAD bytes of the file.
 *
 * Limits: text frames ≤ MAX_CONTROL_FRAME characters, names ≤ 1024 UTF-16
 * units (Go sanitizes them again: app/files), sizes ≤ 2^53-1. Anything
 * else is ignored (decode* return null); unknown types too, so later
 * versions can add messages.
 */
import { ErrorCode } from '../backend/codes'

/** A chunk's payload, bytes: with its 13-byte header a frame is 64 KiB. */
export const CHUNK_PAYLOAD = 64 * 1024 - 13
/** Bytes a sender may have beyond the receiver's last ack. */
export const WINDOW = 16 * 1024 * 1024
/** The largest file sent (Go's files.DefaultMaxSize: under 4 GiB). */
export const MAX_FILE_SIZE = 4 * 1024 * 1024 * 1024 - 1
export const MAX_CONTROL_FRAME = 4096
export const MAX_NAME = 1024
const CHUNK_KIND = 1
const HEADER = 13

export type FileMessage =
  | { t: 'offer'; id: string; n: number; name: string; size: number }
  | { t: 'accept'; id: string; have: number }
  | { t: 'ack'; id: string; have: number }
  | { t: 'end'; id: string; sha256: string }
  | { t: 'done'; id: string }
  | { t: 'fail'; id: string; code: string }
  | { t: 'cancel'; id: string }

/** One binary frame: bytes of transfer n at offset. */
export interface Chunk {
  n: number
  offset: number
  bytes: Uint8Array
}

const ID_RE = /^[0-9a-z]{1,32}$/
const CODE_RE = /^[a-z][a-z0-9_]{0,63}$/
const SHA_RE = /^[0-9a-f]{64}$/

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

export function encodeFileMessage(m: FileMessage): string {
  return JSON.stringify(m)
}

/** The control message in a text frame, or null. Never throws. */
export function decodeFileMessage(data: unknown): FileMessage | null {
  if (typeof data !== 'string' || data.length > MAX_CONTROL_FRAME) return null
  let v: unknown
  try {
    v = JSON.parse(data)
  } catch {
    return null
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
  const o = v as Record<string, unknown>
  if (typeof o.id !== 'string' || !ID_RE.test(o.id)) return null
  const id = o.id
  switch (o.t) {
    case 'offer':
      if (!isCount(o.n) || o.n > 0xffffffff || typeof o.name !== 'string' || o.name.length > MAX_NAME || !isCount(o.size)) return null
      return { t: 'offer', id, n: o.n, name: o.name, size: o.size }
    case 'accept':
    case 'ack':
      if (!isCount(o.have)) return null
      return { t: o.t, id, have: o.have }
    case 'end':
      if (typeof o.sha256 !== 'string' || !SHA_RE.test(o.sha256)) return null
      return { t: 'end', id, sha256: o.sha256 }
    case 'done':
    case 'cancel':
      return { t: o.t, id }
    case 'fail':
      return { t: 'fail', id, code: typeof o.code === 'string' && CODE_RE.test(o.code) ? o.code : ErrorCode.Failed }
  }
  return null
}

/** A binary frame of bytes (at most CHUNK_PAYLOAD) of transfer n at offset. */
export function encodeChunk(n: number, offset: number, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(HEADER + bytes.length)
  const dv = new DataView(out.buffer)
  dv.setUint8(0, CHUNK_KIND)
  dv.setUint32(1, n)
  dv.setFloat64(5, offset)
  out.set(bytes, HEADER)
  return out
}

/** The chunk in a binary frame, or null. The bytes are a view of data, not a copy. Never throws. */
export function decodeChunk(data: unknown): Chunk | null {
  if (!(data instanceof ArrayBuffer) || data.byteLength < HEADER + 1 || data.byteLength > HEADER + CHUNK_PAYLOAD) return null
  const dv = new DataView(data)
  if (dv.getUint8(0) !== CHUNK_KIND) return null
  const offset = dv.getFloat64(5)
  if (!isCount(offset)) return null
  return { n: dv.getUint32(1), offset, bytes: new Uint8Array(data, HEADER) }
}
