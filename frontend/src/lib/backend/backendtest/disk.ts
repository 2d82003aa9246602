/**
 * FakeDisk: what Go's file sink (app/files) does, in memory, for the
 * frontend tests of files in a call: begin, in-order writes, finish with
 * the SHA-256 checked, abort; files that are done under unique names. Test
 * code only.
 */
import { Sha256 } from '../../call/sha256'
import { BackendError } from '../errors'
import type { FileTransferView } from '../types'

interface Open {
  view: FileTransferView
  chunks: Uint8Array[]
  sha: Sha256
}

export class FakeDisk {
  /** Finished files by name. */
  readonly saved = new Map<string, Uint8Array>()
  /** Transfers still open (each stands for a .part file). */
  readonly open = new Map<string, Open>()
  /** Every write's size, in order. */
  readonly writes: number[] = []
  private next = 1

  begin(name: string, size: number): FileTransferView {
    if (size === 0) throw new BackendError('empty_file', 'files: empty file')
    if (size >= 4 * 1024 ** 3) throw new BackendError('file_too_large', 'files: file too large')
    const safe = name.replace(/^.*[/\\]/, '').replace(/[\x00-\x1f\x7f]/g, '') || 'file'
    const view = { id: `t${this.next++}`, name: safe, size, received: 0, path: '' }
    this.open.set(view.id, { view, chunks: [], sha: new Sha256() })
    return { ...view }
  }

  write(id: string, offset: number, chunk: Uint8Array): number {
    const o = this.get(id)
    if (offset !== o.view.received) throw new BackendError('wrong_state', `files: offset ${offset}, received ${o.view.received}`)
    if (o.view.received + chunk.length > o.view.size) throw new BackendError('wrong_state', 'files: more data than announced')
    o.chunks.push(chunk.slice())
    o.sha.update(chunk)
    o.view.received += chunk.length
    this.writes.push(chunk.length)
    return o.view.received
  }

  finish(id: string, sum: string): FileTransferView {
    const o = this.get(id)
    if (o.view.received !== o.view.size) throw new BackendError('wrong_state', 'files: incomplete')
    this.open.delete(id)
    if (o.sha.hex() !== sum) throw new BackendError('checksum_mismatch', 'files: checksum mismatch')
    let name = o.view.name
    for (let n = 1; this.saved.has(name); n++) name = o.view.name.replace(/(\.[^.]*)?$/, (ext) => ` (${n})${ext}`)
    const all = new Uint8Array(o.view.size)
    let off = 0
    for (const c of o.chunks) {
      all.set(c, off)
      off += c.length
    }
    this.saved.set(name, all)
    return { ...o.view, name, path: `/downloads/${name}` }
  }

  abort(id: string): void {
    this.open.delete(id)
  }

  private get(id: string): Open {
    const o = this.open.get(id)
    if (!o) throw new BackendError('not_found', 'files: no such transfer')
    return o
  }
}
