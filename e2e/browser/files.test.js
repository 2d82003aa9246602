// Files inside a call, end to end through the real UI: a file of a few
// hundred MB sent with send-file, streamed to the receiver's Downloads
// through Go and checked by SHA-256; cancel from the sender and from the
// receiver; an empty file; a name that needs cleaning; a second file of
// the same name next to the first; and the sender killed mid-transfer,
// which leaves the receiver with a failed transfer and no complete-looking
// file.

import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { answer, ring } from './lib/flows.js'
import { downloadsOf, listDir, makeFile, sha256File, transferRow, waitTransfer } from './lib/files.js'
import { scenario } from './lib/world.js'

const MIB = Number(process.env.PEERLINE_E2E_FILE_MIB || 300)

/** Nothing in dir but finished files (no .part, nothing hidden). */
function onlyFinished(dir) {
  return listDir(dir).filter((n) => n.startsWith('.') || n.endsWith('.part'))
}

scenario(`files in a call: ${MIB} MB through the UI, verified; cancel both ways; bad input`, async (w, t) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
  // Voice calls: the files are the test, and video would only take CPU from them.
  await ring(a, b, { video: false })
  await answer(a, b, { video: false })
  await a.tid('chat-open').click()

  // A big file, made in the test's scratch directory.
  const big = join(w.dir, 'deck.bin')
  const sum = makeFile(big, MIB)
  const t0 = Date.now()
  await a.tid('send-file').setInputFiles(big)
  // B's panel opens by itself as the file comes in.
  const inRow = transferRow(b, 'in')
  await inRow.waitFor({ timeout: 10_000 })
  assert.equal(await inRow.getAttribute('data-state'), 'receiving')
  await waitTransfer(inRow, 'done', 240_000)
  const ms = Date.now() - t0
  await waitTransfer(transferRow(a, 'out'), 'done', 10_000)
  assert.equal(await inRow.getAttribute('data-progress'), '100')
  t.diagnostic(`${MIB} MiB in ${ms} ms: ${((MIB * 1.048576) / (ms / 1000)).toFixed(1)} MB/s through the UI`)
  const dl = downloadsOf(b)
  assert.deepEqual(listDir(dl), ['deck.bin'])
  assert.equal(await sha256File(join(dl, 'deck.bin')), sum, 'the saved file is the one sent')

  // The same name again: saved next to it, never over it.
  const small = join(w.dir, 'deck.bin')
  writeFileSync(small, 'a second deck')
  await a.tid('send-file').setInputFiles(small)
  await waitTransfer(transferRow(b, 'in', 1), 'done', 20_000)
  assert.deepEqual(listDir(dl), ['deck (1).bin', 'deck.bin'])

  // An empty file: refused at once on the sender's side, with words.
  const empty = join(w.dir, 'empty.txt')
  writeFileSync(empty, '')
  await a.tid('send-file').setInputFiles(empty)
  const emptyRow = transferRow(a, 'out', 2)
  await waitTransfer(emptyRow, 'failed', 5_000)
  assert.equal(await emptyRow.getAttribute('data-code'), 'empty_file')
  assert.match(await emptyRow.innerText(), /empty/i)

  // A name with a control character: saved under a clean name.
  const odd = join(w.dir, 'notes\u0007.txt')
  writeFileSync(odd, 'hello')
  await a.tid('send-file').setInputFiles(odd)
  await waitTransfer(transferRow(b, 'in', 2), 'done', 20_000)
  assert.ok(listDir(dl).includes('notes.txt'), `saved as notes.txt: ${listDir(dl)}`)

  // Cancel from the sender mid-way: both sides say cancelled, B keeps nothing of it.
  const cancelA = join(w.dir, 'cancel-a.bin')
  makeFile(cancelA, MIB)
  await a.tid('send-file').setInputFiles(cancelA)
  const outRow = transferRow(a, 'out', 4)
  await outRow.and(a.page.locator('[data-state="sending"]:not([data-progress="0"])')).waitFor({ timeout: 20_000 })
  await outRow.getByTestId('transfer-cancel').click()
  await waitTransfer(outRow, 'cancelled', 5_000)
  await waitTransfer(transferRow(b, 'in', 3), 'cancelled', 10_000)

  // Cancel from the receiver mid-way: the sender stops and says so.
  await a.tid('send-file').setInputFiles(cancelA)
  const inRow4 = transferRow(b, 'in', 4)
  await inRow4.and(b.page.locator('[data-state="receiving"]:not([data-progress="0"])')).waitFor({ timeout: 20_000 })
  await inRow4.getByTestId('transfer-cancel').click()
  await waitTransfer(inRow4, 'cancelled', 5_000)
  await waitTransfer(transferRow(a, 'out', 5), 'cancelled', 10_000)

  // Go removes the partial files of both cancelled transfers.
  const deadline = Date.now() + 5_000
  while (onlyFinished(dl).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(onlyFinished(dl), [], 'no partial file left')
  assert.deepEqual(listDir(dl), ['deck (1).bin', 'deck.bin', 'notes.txt'])
}, { timeout: 480_000 })

scenario('files in a call: the sender killed mid-transfer leaves a failed transfer and no complete-looking file', async (w, t) => {
  const [a, b] = await w.lanPair({ name: 'Ada Lovelace' }, { name: 'Grace Hopper' })
  // Voice calls: the files are the test, and video would only take CPU from them.
  await ring(a, b, { video: false })
  await answer(a, b, { video: false })
  await a.tid('chat-open').click()
  const big = join(w.dir, 'huge.bin')
  makeFile(big, Math.max(MIB, 300))
  await a.tid('send-file').setInputFiles(big)
  const inRow = transferRow(b, 'in')
  await inRow.and(b.page.locator('[data-state="receiving"]:not([data-progress="0"])')).waitFor({ timeout: 20_000 })
  const killed = Date.now()
  await a.instance.kill9()
  a.instance.ns.killAll() // the sender's browser dies with it
  await waitTransfer(inRow, 'failed', 45_000)
  t.diagnostic(`failed ${Date.now() - killed} ms after the kill: "${(await inRow.innerText()).replace(/\s+/g, ' ')}"`)
  const dl = downloadsOf(b)
  const deadline = Date.now() + 5_000
  while (listDir(dl).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  assert.deepEqual(listDir(dl), [], 'nothing left in Downloads: no complete-looking file, no partial one')
}, { timeout: 180_000 })
