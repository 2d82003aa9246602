import { describe, expect, it } from 'vitest'
import { FakeDisk } from '../backend/backendtest/disk'
import { channelPair, type PairedChannel } from './calltest/channels'
import { waitFor as waitForWithin } from './calltest/rtc'
import { CHUNK_PAYLOAD, decodeChunk, decodeFileMessage, encodeChunk, encodeFileMessage, MAX_CONTROL_FRAME, WINDOW, type FileMessage } from './filewire'
import { sha256Hex } from './sha256'
import { FileChannel, FLUSH_MS, HIGH_WATER, READ_BLOCK, WRITE_BATCH, type SourceFile, type TransferView } from './transfer'

/** waitFor with room for a busy machine (the transfers hash and copy megabytes). */
const waitFor = (cond: () => boolean, what: string, _ms?: number) => waitForWithin(cond, what, 10_000)

/** A file of n pseudo-random bytes that counts how much of it was read. */
function fakeFile(name: string, n: number, seed = 1): SourceFile & { bytes: Uint8Array; read: number; maxSlice: number } {
  const bytes = new Uint8Array(n)
  for (let i = 0; i < n; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24
  const f = {
    name,
    size: n,
    bytes,
    read: 0,
    maxSlice: 0,
    slice(start: number, end: number): Blob {
      f.read += end - start
      f.maxSlice = Math.max(f.maxSlice, end - start)
      return new Blob([bytes.slice(start, end)])
    },
  }
  return f
}

interface Side {
  ch: PairedChannel
  files: FileChannel
  disk: FakeDisk
  views: Map<string, TransferView[]>
  last(id: string): TransferView | undefined
}

function pairUp(opts: { stallMs?: number } = {}): [Side, Side] {
  const [ca, cb] = channelPair('files')
  const mk = (ch: PairedChannel, peer: string): Side => {
    const disk = new FakeDisk()
    const views = new Map<string, TransferView[]>()
    const files = new FileChannel({
      peer,
      stallMs: opts.stallMs,
      sink: {
        begin: async (n, s) => disk.begin(n, s),
        write: async (id, o, c) => disk.write(id, o, c),
        finish: async (id, sum) => disk.finish(id, sum),
        abort: async (id) => disk.abort(id),
      },
      onUpdate: (v) => views.set(v.id, [...(views.get(v.id) ?? []), v]),
    })
    files.attach(ch)
    return { ch, files, disk, views, last: (id) => views.get(id)?.at(-1) }
  }
  return [mk(ca, 'GRACE'), mk(cb, 'ADA')]
}

/** Holds the receiver's disk writes after the first one until the returned function is called. */
function holdDisk(side: Side): () => void {
  let release!: () => void
  const gate = new Promise<void>((r) => (release = r))
  const sink = (side.files as unknown as { opts: { sink: { write: (id: string, o: number, c: Uint8Array) => Promise<number> } } }).opts.sink
  const write = sink.write
  let writes = 0
  sink.write = async (id, o, c) => {
    if (writes++ > 0) await gate
    return write(id, o, c)
  }
  return release
}

describe('files wire format', () => {
  it('round-trips every message and a chunk', () => {
    const msgs: FileMessage[] = [
      { t: 'offer', id: 'a1', n: 3, name: 'deck.pdf', size: 12 },
      { t: 'accept', id: 'a1', have: 0 },
      { t: 'ack', id: 'a1', have: 5 },
      { t: 'end', id: 'a1', sha256: 'ab'.repeat(32) },
      { t: 'done', id: 'a1' },
      { t: 'fail', id: 'a1', code: 'disk_full' },
      { t: 'cancel', id: 'a1' },
    ]
    for (const m of msgs) expect(decodeFileMessage(encodeFileMessage(m))).toEqual(m)
    const c = decodeChunk(encodeChunk(7, 2 ** 40, new Uint8Array([1, 2, 3])).buffer)
    expect(c && { n: c.n, offset: c.offset, bytes: [...c.bytes] }).toEqual({ n: 7, offset: 2 ** 40, bytes: [1, 2, 3] })
  })

  it.each([
    ['a bad id', '{"t":"done","id":"../../x"}'],
    ['a negative size', '{"t":"offer","id":"a","n":1,"name":"x","size":-1}'],
    ['a fractional size', '{"t":"offer","id":"a","n":1,"name":"x","size":1.5}'],
    ['a huge n', '{"t":"offer","id":"a","n":4294967296,"name":"x","size":1}'],
    ['a long name', JSON.stringify({ t: 'offer', id: 'a', n: 1, name: 'x'.repeat(1025), size: 1 })],
    ['a short hash', '{"t":"end","id":"a","sha256":"abc"}'],
    ['an unknown type', '{"t":"zip","id":"a"}'],
    ['a big frame', 'x'.repeat(MAX_CONTROL_FRAME + 1)],
  ])('ignores %s', (_, data) => expect(decodeFileMessage(data)).toBeNull())

  it('turns an odd failure code into failed', () => {
    expect(decodeFileMessage('{"t":"fail","id":"a","code":"<script>"}')).toEqual({ t: 'fail', id: 'a', code: 'failed' })
  })

  it('never throws on random bytes, and decodes only well-formed chunks', () => {
    let seed = 9
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n
    for (let k = 0; k < 3000; k++) {
      const b = new Uint8Array(rnd(40))
      for (let i = 0; i < b.length; i++) b[i] = rnd(256)
      if (b.length > 0 && rnd(2)) b[0] = 1
      const c = decodeChunk(b.buffer)
      if (c) {
        expect(Number.isSafeInteger(c.offset) && c.offset >= 0).toBe(true)
        expect(c.bytes.length).toBeGreaterThan(0)
      }
      expect(() => decodeFileMessage(new TextDecoder().decode(b))).not.toThrow()
    }
    expect(decodeChunk(new ArrayBuffer(13 + CHUNK_PAYLOAD + 1))).toBeNull()
  })
})

describe('FileChannel', { timeout: 20_000 }, () => {
  it('sends a file in chunks with backpressure and saves it verified', async () => {
    const [a, b] = pairUp()
    const file = fakeFile('deck.pdf', 3 * READ_BLOCK + 12345)
    const t = a.files.send(file)
    expect(t.state).toBe('sending')
    await waitFor(() => a.last(t.id)?.state === 'done' && b.last(t.id)?.state === 'done', 'done on both sides', 5000)
    const saved = b.disk.saved.get('deck.pdf')!
    expect(sha256Hex(saved)).toBe(sha256Hex(file.bytes))
    expect(b.last(t.id)).toMatchObject({ direction: 'in', peer: 'ADA', progress: 100, bytes: file.size, name: 'deck.pdf' })
    expect(a.last(t.id)).toMatchObject({ direction: 'out', peer: 'GRACE', progress: 100 })
    // Read in blocks, never whole; sent in chunks of at most 64 KiB.
    expect(file.maxSlice).toBeLessThanOrEqual(READ_BLOCK)
    expect(file.read).toBe(file.size)
    const chunks = a.ch.log.filter((x) => typeof x === 'number') as number[]
    expect(Math.max(...chunks)).toBeLessThanOrEqual(64 * 1024)
    expect(a.ch.maxBuffered).toBeLessThanOrEqual(HIGH_WATER + READ_BLOCK + 13 * 20)
    // Progress rose step by step.
    const progress = b.views.get(t.id)!.map((v) => v.progress)
    expect(progress).toEqual([...progress].sort((x, y) => x - y))
    expect(b.disk.open.size).toBe(0)
  })

  it('keeps at most WINDOW bytes beyond what the receiver has on disk', async () => {
    const [a, b] = pairUp()
    const release = holdDisk(b) // the receiver's disk stalls after the first write
    const file = fakeFile('big.bin', WINDOW * 3)
    const t = a.files.send(file)
    await waitFor(() => file.read >= WINDOW, 'the first window read')
    await new Promise((r) => setTimeout(r, 50))
    // The window beyond what is on disk (the first write, a batch), and one block read ahead.
    expect(file.read).toBeLessThanOrEqual((b.last(t.id)?.bytes ?? 0) + WINDOW + 2 * READ_BLOCK)
    release()
    await waitFor(() => b.last(t.id)?.state === 'done', 'done', 10_000)
  })

  it('writes to disk in full batches, the last one short', async () => {
    const [a, b] = pairUp()
    const sizes: number[] = []
    const sink = (b.files as unknown as { opts: { sink: { write: (id: string, o: number, c: Uint8Array) => Promise<number> } } }).opts.sink
    const write = sink.write
    sink.write = async (id, o, c) => {
      sizes.push(c.length)
      return write(id, o, c)
    }
    const file = fakeFile('batches.bin', 3 * WRITE_BATCH + 5)
    const t = a.files.send(file)
    await waitFor(() => b.last(t.id)?.state === 'done', 'done')
    expect(sha256Hex(b.disk.saved.get('batches.bin')!)).toBe(sha256Hex(file.bytes))
    // Every write but the last is as full as whole chunks make it.
    for (const n of sizes.slice(0, -1)) expect(n).toBeGreaterThan(WRITE_BATCH - CHUNK_PAYLOAD)
    expect(sizes.length).toBeLessThanOrEqual(5)
  })

  it('writes what came within FLUSH_MS when the sender pauses short of a batch', async () => {
    const [a, b] = pairUp()
    const file = fakeFile('trickle.bin', 2 * WRITE_BATCH)
    // The sender's disk hangs after the first block: what came must still reach the receiver's.
    let release!: () => void
    const held = new Promise<void>((r) => (release = r))
    const slice = file.slice.bind(file)
    file.slice = (start, end) => {
      const blob = slice(start, end)
      if (start === 0) return blob
      return { arrayBuffer: () => held.then(() => blob.arrayBuffer()) } as Blob
    }
    const t = a.files.send(file)
    await waitFor(() => (b.last(t.id)?.bytes ?? 0) > 0, 'a short batch written', FLUSH_MS * 3)
    expect(b.last(t.id)!.bytes).toBe(READ_BLOCK)
    release()
    await waitFor(() => b.last(t.id)?.state === 'done', 'done')
    expect(sha256Hex(b.disk.saved.get('trickle.bin')!)).toBe(sha256Hex(file.bytes))
  })

  it('refuses an empty file and one of 4 GiB at once, with a clear state', () => {
    const [a] = pairUp()
    const empty = a.files.send(fakeFile('empty.txt', 0))
    expect(empty).toMatchObject({ state: 'failed', code: 'empty_file' })
    const huge = a.files.send({ name: 'huge.iso', size: 4 * 1024 ** 3, slice: () => new Blob([]) })
    expect(huge).toMatchObject({ state: 'failed', code: 'file_too_large' })
  })

  it('saves a file whose name has path separators and control characters under a safe name', async () => {
    const [a, b] = pairUp()
    const t = a.files.send(fakeFile('../../etc/pass\x07wd', 10))
    await waitFor(() => b.last(t.id)?.state === 'done', 'done')
    expect(b.last(t.id)!.name).toBe('passwd')
    expect([...b.disk.saved.keys()]).toEqual(['passwd'])
  })

  it('cancels from the sender: the receiver shows cancelled and keeps nothing', async () => {
    const [a, b] = pairUp()
    const release = holdDisk(b)
    const t = a.files.send(fakeFile('a.bin', 4 * READ_BLOCK))
    await waitFor(() => (b.last(t.id)?.bytes ?? 0) > 0, 'some bytes on disk')
    a.files.cancel(t.id)
    expect(a.last(t.id)?.state).toBe('cancelled')
    await waitFor(() => b.last(t.id)?.state === 'cancelled', 'cancelled at the receiver')
    release()
    await new Promise((r) => setTimeout(r, 10))
    expect(b.last(t.id)?.state).toBe('cancelled')
    expect(b.disk.open.size + b.disk.saved.size).toBe(0)
  })

  it('cancels from the receiver: the sender stops', async () => {
    const [a, b] = pairUp()
    const release = holdDisk(b)
    const file = fakeFile('a.bin', WINDOW * 2)
    const t = a.files.send(file)
    await waitFor(() => (b.last(t.id)?.bytes ?? 0) > 0, 'some bytes on disk')
    b.files.cancel(t.id)
    release()
    await waitFor(() => a.last(t.id)?.state === 'cancelled', 'cancelled at the sender')
    const read = file.read
    await new Promise((r) => setTimeout(r, 30))
    expect(file.read).toBe(read)
    expect(b.disk.open.size + b.disk.saved.size).toBe(0)
  })

  it('fails when the sender vanishes mid-transfer, and removes the partial file', async () => {
    const [a, b] = pairUp({ stallMs: 100 })
    // After the receiver's first write nothing more arrives, as when the sender's machine dies.
    const sink = (b.files as unknown as { opts: { sink: { write: (id: string, o: number, c: Uint8Array) => Promise<number> } } }).opts.sink
    const write = sink.write
    sink.write = async (id, o, c) => {
      a.ch.paused = true
      return write(id, o, c)
    }
    const t = a.files.send(fakeFile('a.bin', 2 * WINDOW))
    await waitFor(() => b.last(t.id)?.state === 'failed', 'failed at the receiver', 5000)
    expect(b.last(t.id)?.code).toBe('sender_gone')
    expect(b.disk.open.size + b.disk.saved.size).toBe(0)
  })

  it('fails every unfinished transfer when the call ends', async () => {
    const [a, b] = pairUp()
    holdDisk(b)
    const t = a.files.send(fakeFile('a.bin', 4 * READ_BLOCK))
    await waitFor(() => (b.last(t.id)?.bytes ?? 0) > 0, 'some bytes on disk')
    a.files.close()
    b.files.close()
    expect(a.last(t.id)).toMatchObject({ state: 'failed', code: 'call_ended' })
    expect(b.last(t.id)).toMatchObject({ state: 'failed', code: 'call_ended' })
    await waitFor(() => b.disk.open.size === 0, 'the partial file removed')
  })

  it('a wrong checksum fails the transfer and keeps nothing', async () => {
    const [a, b] = pairUp()
    const file = fakeFile('a.bin', 1000)
    // The sender's bytes change under it after hashing: what arrives does not match.
    const slice = file.slice.bind(file)
    file.slice = (s, e) => {
      const blob = slice(s, e)
      file.bytes[0] ^= 0xff
      return blob
    }
    const t = a.files.send({ name: file.name, size: file.size, slice: file.slice })
    ;(b.files as unknown as { opts: { sink: { finish: unknown } } }).opts.sink.finish = async () => {
      throw Object.assign(new Error('files: checksum mismatch'), { code: 'checksum_mismatch' })
    }
    await waitFor(() => a.last(t.id)?.state === 'failed' && b.last(t.id)?.state === 'failed', 'failed both sides')
    expect(a.last(t.id)?.code).toBe('checksum_mismatch')
  })

  it('resumes on a new channel from what the receiver has on disk', async () => {
    const [a, b] = pairUp()
    const file = fakeFile('resume.bin', 6 * READ_BLOCK + 7)
    const release = holdDisk(b)
    const t = a.files.send(file)
    await waitFor(() => (b.last(t.id)?.bytes ?? 0) > 0, 'some on disk')
    a.ch.close() // the old channel dies mid-transfer
    release()
    await waitFor(() => (b.last(t.id)?.bytes ?? 0) >= 2 * READ_BLOCK, 'what came before written')
    const [na, nb] = channelPair('files')
    const readBefore = file.read
    b.files.attach(nb)
    a.files.attach(na)
    await waitFor(() => b.last(t.id)?.state === 'done' && a.last(t.id)?.state === 'done', 'done after the resume', 5000)
    expect(sha256Hex(b.disk.saved.get('resume.bin')!)).toBe(sha256Hex(file.bytes))
    // Resumed, not restarted: what was read again is less than the whole file.
    expect(file.read - readBefore).toBeLessThan(file.size)
  })

  it('sends both ways at once', async () => {
    const [a, b] = pairUp()
    const fa = fakeFile('from-ada.bin', 2 * READ_BLOCK, 3)
    const fb = fakeFile('from-grace.bin', 2 * READ_BLOCK + 1, 4)
    const ta = a.files.send(fa)
    const tb = b.files.send(fb)
    await waitFor(() => b.last(ta.id)?.state === 'done' && a.last(tb.id)?.state === 'done', 'both done', 5000)
    expect(sha256Hex(a.disk.saved.get('from-grace.bin')!)).toBe(sha256Hex(fb.bytes))
    expect(sha256Hex(b.disk.saved.get('from-ada.bin')!)).toBe(sha256Hex(fa.bytes))
  })
})
