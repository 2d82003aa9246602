// Files for the chat-and-files scenarios: a big file made in the test's own
// scratch directory (hashed as it is written), and what a peer's
// Downloads folder holds.

import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, openSync, readdirSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'

/** Writes a file of mib MiB of random-looking bytes at path; returns its SHA-256 (hex). */
export function makeFile(path, mib) {
  const block = randomBytes(1 << 20)
  const h = createHash('sha256')
  const fd = openSync(path, 'w')
  try {
    for (let i = 0; i < mib; i++) {
      block.writeUInt32BE(i, 0) // no two blocks alike
      writeSync(fd, block)
      h.update(block)
    }
  } finally {
    closeSync(fd)
  }
  return h.digest('hex')
}

/** The SHA-256 of the file at path (hex), streamed. */
export function sha256File(path) {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256')
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')))
  })
}

/** The peer's Downloads folder (its HOME is its own; no XDG user-dirs file there). */
export function downloadsOf(ui) {
  return join(ui.instance.home, 'Downloads')
}

/** Names in dir ([] when it does not exist). */
export function listDir(dir) {
  try {
    return readdirSync(dir).sort()
  } catch {
    return []
  }
}

/** The file-transfer row of ui with data-direction dir ("in" or "out"), the n-th (0-based). */
export function transferRow(ui, dir, n = 0) {
  return ui.page.locator(`[data-testid="file-transfer"][data-direction="${dir}"]`).nth(n)
}

/** Waits until row's data-state is state; returns how long it took, ms. */
export async function waitTransfer(row, state, timeout = 60_000) {
  const t0 = Date.now()
  await row.and(row.page().locator(`[data-state="${state}"]`)).waitFor({ timeout })
  return Date.now() - t0
}
